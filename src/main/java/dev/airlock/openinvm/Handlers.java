package dev.airlock.openinvm;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Picks the program that opens a received file, in this order: the domain's MIME handler (the first usable mailcap
 * entry for the file's type, from {@code ~/.mailcap} then {@code /etc/mailcap}), else the domain's own command
 * ({@code ~/.config/airlock/open-handler}, an executable given the file as its argument), else {@code $EDITOR}.
 */
final class Handlers {
    /** The per-domain handler, relative to the home. */
    static final String CONFIGURED = ".config/airlock/open-handler";
    private static final int MAX_MAILCAP_BYTES = 1 << 20;
    private static final Pattern MIME = Pattern.compile("[a-z0-9!#$&^_.+-]{1,127}/[a-z0-9!#$&^_.+-]{1,127}");

    /** A command to run, and where it came from (for messages). */
    record Handler(List<String> argv, String origin) {
        Handler {
            argv = List.copyOf(argv);
        }
    }

    /** Tells a file's MIME type, if it can. */
    @FunctionalInterface
    interface MimeDetector {
        Optional<String> detect(Path file) throws IOException;
    }

    private final Path home;
    private final List<Path> mailcaps;
    private final MimeDetector detector;
    private final Map<String, String> env;

    Handlers(Path home, List<Path> mailcaps, MimeDetector detector, Map<String, String> env) {
        this.home = home;
        this.mailcaps = List.copyOf(mailcaps);
        this.detector = detector;
        this.env = Map.copyOf(env);
    }

    /** The handlers of a domain whose user's home is {@code home}. */
    static Handlers forHome(Path home, Map<String, String> env) {
        return new Handlers(home, List.of(home.resolve(".mailcap"), Path.of("/etc/mailcap")),
                Handlers::detectMimeType, env);
    }

    /** The handler for {@code file} (an absolute path), or empty when the domain has none. */
    Optional<Handler> choose(Path file) throws IOException {
        Optional<String> type = detector.detect(file).filter(t -> MIME.matcher(t).matches());
        if (type.isPresent()) {
            for (Path mc : mailcaps) {
                Optional<Mailcap.Entry> e = readMailcap(mc).find(type.get());
                if (e.isPresent()) {
                    return Optional.of(new Handler(List.of("/bin/sh", "-c",
                            e.get().commandFor(file.toString(), type.get())),
                            "the " + type.get() + " entry of " + mc));
                }
            }
        }
        Path configured = home.resolve(CONFIGURED);
        if (Files.isRegularFile(configured) && Files.isExecutable(configured)) {
            return Optional.of(new Handler(List.of(configured.toString(), file.toString()), configured.toString()));
        }
        String editor = env.getOrDefault("EDITOR", "");
        if (!editor.isBlank()) {
            // EDITOR may hold options ("emacs -nw"), so the shell splits it, as other programs do.
            return Optional.of(new Handler(List.of("/bin/sh", "-c", editor + " \"$1\"", "sh", file.toString()),
                    "$EDITOR"));
        }
        return Optional.empty();
    }

    /** What {@link #choose} looked at, for the message when nothing was found. */
    String searched(Path file) throws IOException {
        return "no mailcap entry for " + detector.detect(file).orElse("its type") + " in "
                + String.join(" or ", mailcaps.stream().map(Path::toString).toList()) + ", no " + home.resolve(
                CONFIGURED) + ", no $EDITOR";
    }

    private static Mailcap readMailcap(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(MAX_MAILCAP_BYTES + 1);
            if (b.length > MAX_MAILCAP_BYTES) {
                throw new IOException(file + " is larger than " + MAX_MAILCAP_BYTES + " bytes");
            }
            return Mailcap.parse(new String(b, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Mailcap.parse("");
        }
    }

    /** {@code file --mime-type} where installed (it looks at the content), else the JDK's guess by name. */
    static Optional<String> detectMimeType(Path file) throws IOException {
        Path tool = Path.of("/usr/bin/file");
        if (Files.isExecutable(tool)) {
            Process p = new ProcessBuilder(tool.toString(), "--brief", "--mime-type", "--", file.toString())
                    .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            try (InputStream out = p.getInputStream()) {
                String type = new String(out.readNBytes(512), StandardCharsets.UTF_8).strip();
                if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && MIME.matcher(type).matches()) {
                    return Optional.of(type);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while detecting the type of " + file, e);
            } finally {
                p.destroyForcibly();
            }
        }
        return Optional.ofNullable(Files.probeContentType(file));
    }

    /** The handler's argv with {@code setsid} in front where available, so it leads a process group of its own. */
    static List<String> inOwnGroup(List<String> argv) {
        Path setsid = Path.of("/usr/bin/setsid");
        if (!Files.isExecutable(setsid)) {
            return argv;
        }
        List<String> cmd = new ArrayList<>(argv.size() + 1);
        cmd.add(setsid.toString());
        cmd.add("--wait");
        cmd.addAll(argv);
        return cmd;
    }
}
