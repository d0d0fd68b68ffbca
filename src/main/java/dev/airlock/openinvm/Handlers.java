package dev.airlock.openinvm;

import dev.airlock.xdg.MalformedEntryException;
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
 * Picks the program that opens a received file, in this order: the domain's own choice
 * ({@code ~/.config/airlock/open-handler}, an executable given the file as its argument); else the desktop's handler
 * for the file's type there: the default application {@code xdg-mime} names (its {@code .desktop} file's
 * {@code Exec}, parsed by {@link DesktopEntry}, never by a shell), {@code mimeopen -n} when its database knows an
 * application for the type, the first usable mailcap entry ({@code ~/.mailcap}, then {@code /etc/mailcap}); else
 * {@code $EDITOR}. An entry that needs a terminal ({@code Terminal=true}, mailcap {@code needsterminal}) runs in a
 * terminal window when the domain has a display ({@code DISPLAY}), and is passed over without one, as before.
 */
final class Handlers {
    /** The per-domain handler, relative to the home. */
    static final String CONFIGURED = ".config/airlock/open-handler";
    private static final int MAX_MAILCAP_BYTES = 1 << 20;
    private static final int MAX_MIMEINFO_BYTES = 4 << 20;
    private static final Pattern MIME = Pattern.compile("[a-z0-9!#$&^_.+-]{1,127}/[a-z0-9!#$&^_.+-]{1,127}");
    /** A desktop file id as {@code xdg-mime} prints it: a plain file name, never a path. */
    private static final Pattern DESKTOP_ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._+-]{0,200}\\.desktop");
    private static final long TOOL_SECONDS = 10;

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

    /** Asks the desktop for the default application of a MIME type: a desktop file id, if any. */
    @FunctionalInterface
    interface DefaultApplication {
        Optional<String> query(String mimeType) throws IOException;
    }

    /**
     * What the desktop of the domain offers.
     *
     * @param applicationDirs the {@code applications} folders of the XDG data folders, the user's first
     * @param xdgMime         the default application of a type ({@code xdg-mime query default})
     * @param mimeopen        the {@code mimeopen} program, if installed
     * @param terminal        the terminal that runs entries needing one ({@code TERMINAL -e ARGV...}), if installed
     */
    record Desktop(List<Path> applicationDirs, DefaultApplication xdgMime, Optional<Path> mimeopen,
                   Optional<Path> terminal) {
        Desktop {
            applicationDirs = List.copyOf(applicationDirs);
        }

        /** No desktop at all: only the domain's own handler, mailcap and {@code $EDITOR}. */
        static Desktop none() {
            return new Desktop(List.of(), type -> Optional.empty(), Optional.empty(), Optional.empty());
        }
    }

    private final Path home;
    private final List<Path> mailcaps;
    private final MimeDetector detector;
    private final Map<String, String> env;
    private final Desktop desktop;

    Handlers(Path home, List<Path> mailcaps, MimeDetector detector, Map<String, String> env, Desktop desktop) {
        this.home = home;
        this.mailcaps = List.copyOf(mailcaps);
        this.detector = detector;
        this.env = Map.copyOf(env);
        this.desktop = desktop;
    }

    /** The handlers of a domain whose user's home is {@code home}, with the desktop tools installed there. */
    static Handlers forHome(Path home, Map<String, String> env) {
        List<Path> apps = new ArrayList<>();
        String dataHome = env.getOrDefault("XDG_DATA_HOME", "");
        apps.add((dataHome.startsWith("/") ? Path.of(dataHome) : home.resolve(".local/share")).resolve("applications"));
        String dataDirs = env.getOrDefault("XDG_DATA_DIRS", "");
        for (String d : (dataDirs.isBlank() ? "/usr/local/share:/usr/share" : dataDirs).split(":")) {
            if (d.startsWith("/")) {
                apps.add(Path.of(d, "applications"));
            }
        }
        Optional<Path> xdgMime = installed("/usr/bin/xdg-mime");
        DefaultApplication query = xdgMime.isEmpty() ? type -> Optional.empty()
                : type -> firstLine(List.of(xdgMime.get().toString(), "query", "default", type), home);
        Optional<Path> terminal = installed("/usr/bin/xterm").or(() -> installed("/usr/bin/x-terminal-emulator"));
        return new Handlers(home, List.of(home.resolve(".mailcap"), Path.of("/etc/mailcap")),
                Handlers::detectMimeType, env, new Desktop(apps, query, installed("/usr/bin/mimeopen"), terminal));
    }

    private static Optional<Path> installed(String tool) {
        Path p = Path.of(tool);
        return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }

    /** Whether the domain has a display, so that a terminal window can be opened there. */
    private boolean hasDisplay() {
        return !env.getOrDefault("DISPLAY", "").isBlank();
    }

    /** The handler for {@code file} (an absolute path), or empty when the domain has none. */
    Optional<Handler> choose(Path file) throws IOException {
        Path configured = home.resolve(CONFIGURED);
        if (Files.isRegularFile(configured) && Files.isExecutable(configured)) {
            return Optional.of(new Handler(List.of(configured.toString(), file.toString()), configured.toString()));
        }
        Optional<String> type = detector.detect(file).filter(t -> MIME.matcher(t).matches());
        if (type.isPresent()) {
            Optional<Handler> h = fromXdgMime(file, type.get());
            if (h.isEmpty()) {
                h = fromMimeopen(file, type.get());
            }
            if (h.isEmpty()) {
                h = fromMailcap(file, type.get());
            }
            if (h.isPresent()) {
                return h;
            }
        }
        String editor = env.getOrDefault("EDITOR", "");
        if (!editor.isBlank()) {
            // EDITOR may hold options ("emacs -nw"), so the shell splits it, as other programs do.
            return Optional.of(new Handler(List.of("/bin/sh", "-c", editor + " \"$1\"", "sh", file.toString()),
                    "$EDITOR"));
        }
        return Optional.empty();
    }

    /** The default application {@code xdg-mime} names for the type, run from its {@code .desktop} file. */
    private Optional<Handler> fromXdgMime(Path file, String type) throws IOException {
        Optional<String> id = desktop.xdgMime().query(type).filter(i -> DESKTOP_ID.matcher(i).matches());
        if (id.isEmpty()) {
            return Optional.empty();
        }
        Optional<Path> entryFile = findDesktopFile(id.get());
        if (entryFile.isEmpty()) {
            return Optional.empty();
        }
        DesktopEntry entry;
        try {
            entry = DesktopEntry.parse(readBoundedBytes(entryFile.get(), DesktopEntry.MAX_BYTES));
        } catch (MalformedEntryException e) {
            // A broken or hostile entry is passed over, never half-used.
            return Optional.empty();
        }
        return inTerminalIfNeeded(entry.argvFor(file.toString()), entry.terminal(),
                "the default application for " + type + " (" + entryFile.get() + ")");
    }

    /**
     * {@code mimeopen -n FILE} when its database ({@code mimeinfo.cache}) lists an application for the type, so that
     * a type it does not know falls through to mailcap instead of failing. mimeopen starts the application itself;
     * when the first one listed needs a terminal, mimeopen runs in one.
     */
    private Optional<Handler> fromMimeopen(Path file, String type) throws IOException {
        if (desktop.mimeopen().isEmpty()) {
            return Optional.empty();
        }
        for (Path dir : desktop.applicationDirs()) {
            Optional<String> first = mimeinfoFirst(dir.resolve("mimeinfo.cache"), type);
            if (first.isPresent()) {
                boolean terminal = findDesktopFile(first.get()).map(f -> {
                    try {
                        return DesktopEntry.parse(readBoundedBytes(f, DesktopEntry.MAX_BYTES)).terminal();
                    } catch (IOException | MalformedEntryException e) {
                        return false;
                    }
                }).orElse(false);
                return inTerminalIfNeeded(List.of(desktop.mimeopen().get().toString(), "-n", "--", file.toString()),
                        terminal, "mimeopen -n (" + type + ")");
            }
        }
        return Optional.empty();
    }

    private Optional<Handler> fromMailcap(Path file, String type) throws IOException {
        for (Path mc : mailcaps) {
            for (Mailcap.Entry e : readMailcap(mc).findAll(type)) {
                if (e.needsTerminal() && !canOpenTerminal()) {
                    continue;
                }
                return inTerminalIfNeeded(List.of("/bin/sh", "-c", e.commandFor(file.toString(), type)),
                        e.needsTerminal(), "the " + type + " entry of " + mc);
            }
        }
        return Optional.empty();
    }

    private boolean canOpenTerminal() {
        return hasDisplay() && desktop.terminal().isPresent();
    }

    /**
     * {@code argv} as it is, or in a terminal window ({@code TERMINAL -e ARGV...}) when it needs one; empty when it
     * needs one and the domain has no display or no terminal (as before displays: such entries are passed over).
     */
    private Optional<Handler> inTerminalIfNeeded(List<String> argv, boolean needsTerminal, String origin) {
        if (!needsTerminal) {
            return Optional.of(new Handler(argv, origin));
        }
        if (!canOpenTerminal()) {
            return Optional.empty();
        }
        List<String> wrapped = new ArrayList<>(argv.size() + 2);
        wrapped.add(desktop.terminal().get().toString());
        wrapped.add("-e");
        wrapped.addAll(argv);
        return Optional.of(new Handler(wrapped, origin + ", in a terminal"));
    }

    /** The desktop file of that id in the first applications folder that has it, as a regular file. */
    private Optional<Path> findDesktopFile(String id) {
        if (!DESKTOP_ID.matcher(id).matches()) {
            return Optional.empty();
        }
        for (Path dir : desktop.applicationDirs()) {
            Path f = dir.resolve(id);
            if (Files.isRegularFile(f)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /** The first application {@code mimeinfo.cache} lists for {@code type}. */
    private static Optional<String> mimeinfoFirst(Path cache, String type) throws IOException {
        String text;
        try {
            text = readBounded(cache, MAX_MIMEINFO_BYTES);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        String prefix = type + "=";
        for (String line : text.split("\n")) {
            if (line.startsWith(prefix)) {
                for (String id : line.substring(prefix.length()).split(";")) {
                    if (DESKTOP_ID.matcher(id.strip()).matches()) {
                        return Optional.of(id.strip());
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static String readBounded(Path file, int max) throws IOException {
        return new String(readBoundedBytes(file, max), StandardCharsets.UTF_8);
    }

    private static byte[] readBoundedBytes(Path file, int max) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(max + 1);
            if (b.length > max) {
                throw new IOException(file + " is larger than " + max + " bytes");
            }
            return b;
        }
    }

    /** The first line a tool prints, run with the domain's home as its folder; empty if it fails or says nothing. */
    private static Optional<String> firstLine(List<String> argv, Path home) throws IOException {
        Process p = new ProcessBuilder(argv).directory(home.toFile()).redirectErrorStream(false)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try (InputStream out = p.getInputStream()) {
            String text = new String(out.readNBytes(4096), StandardCharsets.UTF_8);
            if (!p.waitFor(TOOL_SECONDS, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return Optional.empty();
            }
            String line = text.lines().findFirst().orElse("").strip();
            return line.isEmpty() ? Optional.empty() : Optional.of(line);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking " + argv.getFirst(), e);
        } finally {
            p.destroyForcibly();
        }
    }

    /** What {@link #choose} looked at, for the message when nothing was found. */
    String searched(Path file) throws IOException {
        String type = detector.detect(file).orElse("its type");
        return "no " + home.resolve(CONFIGURED) + ", no desktop application (xdg-mime, mimeopen) for " + type
                + (hasDisplay() ? "" : " that runs without a display") + ", no mailcap entry in "
                + String.join(" or ", mailcaps.stream().map(Path::toString).toList()) + ", no $EDITOR";
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
