package dev.airlock.dialog;

import dev.airlock.display.Desktop;
import dev.airlock.log.Log;
import dev.airlock.sys.Posix;
import dev.airlock.sys.Trees;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Starts the trusted dialog on the desktop that {@code airlock up} recorded: a process of its own
 * ({@link DialogMain}, from airlock's jar) as the desktop user, never root and never in the broker, which stays
 * headless and keeps no display connection a domain's text could reach. The question goes in on the process's
 * input; its one answer line comes out. At most {@value #MAX_OPEN} dialogs are open at once: a domain that asks
 * more does not fill the screen, its further questions wait for the terminal and {@code airlock approve|deny}.
 */
public final class DialogLauncher {
    private static final System.Logger LOG = Log.of("airlock");
    private static final int MAX_OPEN = 4;
    private static final long STOP_MILLIS = 2000;
    /** How a JVM ends on the broker's SIGTERM: 128 + 15. */
    private static final int SIGTERM_EXIT = 143;
    /** Small and quick to start: the dialog is a few widgets, and shown while the caller waits. */
    private static final List<String> JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Xshare:auto", "-Xmx64m", "-XX:-UsePerfData", "-Djava.awt.headless=false",
            "-Dawt.useSystemAAFontSettings=on", "-Dswing.boldMetal=false");

    /** An open dialog; closing it ends its process, answered or not. */
    public interface Shown extends AutoCloseable {
        @Override
        void close();
    }

    private final Path run;
    private final Path installDir;
    private final Path jdkHome;
    private final Semaphore open = new Semaphore(MAX_OPEN);
    private final AtomicInteger ids = new AtomicInteger();
    private volatile boolean warned;

    /**
     * @param run        the broker's {@code run/} folder, which holds the desktop's record
     * @param installDir the folder holding {@code airlock.jar} and {@code lib/}
     * @param jdkHome    the JDK the dialog runs on
     */
    public DialogLauncher(Path run, Path installDir, Path jdkHome) {
        this.run = run;
        this.installDir = installDir;
        this.jdkHome = jdkHome;
    }

    /**
     * Shows {@code question} on the recorded desktop; {@code answered} is told the user's answer, at most once, unless
     * the dialog is closed first. Empty when no dialog is shown: no desktop is recorded, too many are open, or it
     * could not start (then the reason is logged).
     */
    public Optional<Shown> show(Question question, Consumer<Answer> answered) {
        Optional<Desktop> desktop = Desktop.load(run);
        if (desktop.isEmpty() || !open.tryAcquire()) {
            return Optional.empty();
        }
        Path folder = null;
        try {
            Path jar = installDir.resolve("airlock.jar");
            if (!Files.isRegularFile(jar)) {
                throw new IOException(jar + " is missing");
            }
            folder = privateFolder(desktop.get());
            ProcessBuilder pb = new ProcessBuilder(command(desktop.get(), folder, jar)).directory(folder.toFile())
                    .redirectError(log(folder).toFile());
            pb.environment().clear();
            pb.environment().putAll(environment(desktop.get(), folder));
            Process p = pb.start();
            // Kept open: the dialog lives while its input does.
            OutputStream in = p.getOutputStream();
            try {
                in.write((question.toJson() + "\n").getBytes(StandardCharsets.UTF_8));
                in.flush();
            } catch (IOException e) {
                p.destroyForcibly();
                throw e;
            }
            Path f = folder;
            Thread.ofVirtual().name("airlock-dialog").start(() -> await(p, f, answered));
            return Optional.of(() -> {
                p.destroy();
                try {
                    in.close();
                } catch (IOException e) {
                    // It is ending anyway.
                }
            });
        } catch (IOException e) {
            open.release();
            if (folder != null) {
                deleteQuietly(folder);
            }
            if (!warned) {
                warned = true;
                LOG.log(Level.WARNING, "the trusted dialog cannot be shown (" + e.getMessage() + "): asks are "
                        + "answered on the terminal or with airlock approve|deny");
            }
            return Optional.empty();
        }
    }

    /**
     * The dialog's error output: beside its folder, in {@code run/dialogs}, which only the broker writes, so that the
     * desktop user cannot plant a link where the broker opens it.
     */
    private static Path log(Path folder) {
        return folder.resolveSibling(folder.getFileName() + ".log");
    }

    /** Reads the dialog's one answer, then waits for it to end and removes its folder. */
    private void await(Process p, Path folder, Consumer<Answer> answered) {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8), Answer.MAX_LINE + 2)) {
            Optional<Answer> answer = Answer.parse(readLine(out));
            answer.ifPresent(answered);
            if (!p.waitFor(STOP_MILLIS, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
            } else if (answer.isEmpty() && p.exitValue() != 0 && p.exitValue() != SIGTERM_EXIT) {
                LOG.log(Level.WARNING, "the trusted dialog ended without an answer (exit " + p.exitValue() + "): "
                        + firstLine(log(folder)));
            }
        } catch (IOException e) {
            p.destroyForcibly();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            open.release();
            deleteQuietly(folder);
            deleteQuietly(log(folder));
        }
    }

    /** One line of at most {@link Answer#MAX_LINE} characters, or null when the dialog wrote none. */
    private static String readLine(BufferedReader out) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = out.read()) != '\n'; ) {
            if (c < 0 || b.length() > Answer.MAX_LINE) {
                return null;
            }
            b.append((char) c);
        }
        return b.toString();
    }

    /** {@code run/dialogs/N}: the dialog's home and temporary folder, the desktop user's alone. */
    private Path privateFolder(Desktop desktop) throws IOException {
        Path all = run.resolve("dialogs");
        Files.createDirectories(all);
        Files.setPosixFilePermissions(all, PosixFilePermissions.fromString("rwx--x--x"));
        Path folder = all.resolve(Integer.toString(ids.incrementAndGet()));
        if (Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
            Trees.deleteForcibly(folder);
        }
        Files.createDirectory(folder, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        if (Posix.geteuid() == 0) {
            Files.setAttribute(folder, "unix:uid", desktop.uid(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(folder, "unix:gid", desktop.gid(), LinkOption.NOFOLLOW_LINKS);
        }
        return folder;
    }

    List<String> command(Desktop desktop, Path folder, Path jar) {
        List<String> argv = new ArrayList<>();
        argv.add(jdkHome.resolve("bin/java").toString());
        argv.addAll(JVM_OPTIONS);
        argv.add("-Duser.home=" + folder);
        argv.add("-Djava.io.tmpdir=" + folder);
        argv.addAll(List.of("-cp", jar.toString(), DialogMain.class.getName()));
        return Posix.geteuid() == 0 ? desktop.asDesktopUser(argv) : argv;
    }

    /** The dialog's whole environment: the desktop's display and cookie, its private home; nothing of the broker's. */
    static Map<String, String> environment(Desktop desktop, Path folder) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("LANG", "C.UTF-8");
        env.put("DISPLAY", desktop.display());
        desktop.xauthority().ifPresent(x -> env.put("XAUTHORITY", x.toString()));
        env.put("HOME", folder.toString());
        return env;
    }

    /** The first line of the dialog's error output, at most 300 characters, for the broker's log (which escapes it). */
    private static String firstLine(Path log) {
        try (BufferedReader r = Files.newBufferedReader(log, StandardCharsets.UTF_8)) {
            char[] buf = new char[300];
            int n = r.read(buf);
            String text = n <= 0 ? "" : new String(buf, 0, n);
            int nl = text.indexOf('\n');
            return nl >= 0 ? text.substring(0, nl) : text;
        } catch (IOException e) {
            return "no output";
        }
    }

    private static void deleteQuietly(Path folder) {
        try {
            Trees.deleteForcibly(folder);
        } catch (IOException e) {
            // The next dialog of that number replaces it.
        }
    }
}
