package dev.airlock.desktop;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/**
 * A private X display for a test, as a desktop user has one: an Xvfb with a cookie (access control on, as in a real
 * session), a small window manager (openbox), and the tools a test drives it with (xdotool, xprop, ImageMagick's
 * {@code import}, xclip). Skips the test when one of them is missing. Closing it ends the window manager and the
 * server, and with them every client still connected.
 */
public final class TestDisplay implements AutoCloseable {
    private static final List<String> TOOLS = List.of("Xvfb", "openbox", "xauth", "xdotool", "xprop", "xwininfo",
            "import", "xclip");
    private static final Duration READY = Duration.ofSeconds(20);
    private static final Pattern WM_NAME = Pattern.compile("^WM_NAME\\([A-Z_0-9]+\\) = \"(.*)\"$");

    /** Where a window is on the screen: its inside, without the window manager's frame. */
    public record Geometry(int x, int y, int width, int height) {
    }

    private final int number;
    private final String cookie;
    private final Path xauthority;
    private final Path folder;
    private final Process server;
    private final Process windowManager;

    private TestDisplay(int number, String cookie, Path xauthority, Path folder, Process server,
            Process windowManager) {
        this.number = number;
        this.cookie = cookie;
        this.xauthority = xauthority;
        this.folder = folder;
        this.server = server;
        this.windowManager = windowManager;
    }

    /** Skips the test unless every tool the fixture needs is on the PATH. */
    public static void assumeTools(String... more) {
        List<String> all = new ArrayList<>(TOOLS);
        all.addAll(List.of(more));
        List<String> missing = all.stream().filter(t -> Commands.which(t).isEmpty()).toList();
        assumeTrue(missing.isEmpty(), "no display tests here: " + String.join(", ", missing) + " missing"
                + " (.ci/run installs them)");
    }

    /**
     * Starts Xvfb on a free display number with a new cookie (kept in {@code folder}, readable by other users as
     * a desktop user's session hands it to its own programs), then openbox, and waits until both answer.
     */
    public static TestDisplay start(Path folder) throws IOException, InterruptedException {
        assumeTools();
        Files.createDirectories(folder);
        Path xauthority = folder.resolve("Xauthority");
        byte[] cookie = new byte[16];
        new SecureRandom().nextBytes(cookie);
        IOException last = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            // A number of our own rather than Xvfb's lowest free one: other programs on the machine start Xvfbs
            // too, and the cookie has to name the display before the server reads it.
            int n = ThreadLocalRandom.current().nextInt(300, 1000);
            if (Files.exists(Path.of("/tmp/.X" + n + "-lock")) || Files.exists(Path.of("/tmp/.X11-unix/X" + n))) {
                continue;
            }
            Files.deleteIfExists(xauthority);
            Commands.Result added = Commands.run(List.of("xauth", "-f", xauthority.toString(), "add", ":" + n,
                    "MIT-MAGIC-COOKIE-1", HexFormat.of().formatHex(cookie)), Map.of(), Duration.ofSeconds(10));
            if (added.code() != 0) {
                throw new IOException("xauth failed: " + added.err());
            }
            Files.setPosixFilePermissions(xauthority, PosixFilePermissions.fromString("rw-r--r--"));
            Path log = folder.resolve("Xvfb-" + n + ".log");
            Process server = new ProcessBuilder("Xvfb", ":" + n, "-auth", xauthority.toString(), "-nolisten", "tcp",
                    "-noreset", "-screen", "0", "1280x800x24", "-displayfd", "1")
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectError(log.toFile()).start();
            // -displayfd with a given number: Xvfb writes it once it accepts clients, or exits if it is taken.
            String ready = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            if (ready == null || !ready.strip().equals(Integer.toString(n))) {
                server.destroyForcibly().waitFor();
                last = new IOException("Xvfb :" + n + " did not start: " + Files.readString(log));
                continue;
            }
            TestDisplay display = new TestDisplay(n, HexFormat.of().formatHex(cookie), xauthority, folder, server,
                    null);
            try {
                return display.withWindowManager();
            } catch (IOException | RuntimeException e) {
                display.close();
                throw e;
            }
        }
        throw last != null ? last : new IOException("no free display number found");
    }

    private TestDisplay withWindowManager() throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("openbox", "--sm-disable")
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(folder.resolve("openbox-" + number + ".log").toFile());
        pb.environment().putAll(environment());
        Process wm = pb.start();
        TestDisplay display = new TestDisplay(number, cookie, xauthority, folder, server, wm);
        long deadline = System.nanoTime() + READY.toNanos();
        while (!display.x("xprop", "-root", "_NET_SUPPORTING_WM_CHECK").out().contains("window id")) {
            if (!wm.isAlive() || System.nanoTime() > deadline) {
                display.close();
                throw new IOException("openbox did not start: "
                        + Files.readString(folder.resolve("openbox-" + number + ".log")));
            }
            Thread.sleep(50);
        }
        return display;
    }

    /** {@code :N}. */
    public String name() {
        return ":" + number;
    }

    public int number() {
        return number;
    }

    /** The cookie file of this display's session. */
    public Path xauthority() {
        return xauthority;
    }

    /** The session's MIT-MAGIC-COOKIE-1, in hex: what a program that stole the cookie file would hold. */
    public String cookie() {
        return cookie;
    }

    /** What a program of this desktop session has in its environment to reach the display. */
    public Map<String, String> environment() {
        return Map.of("DISPLAY", name(), "XAUTHORITY", xauthority.toString());
    }

    /** Runs an X client of this session (a host program) and waits up to 30 s for it. */
    public Commands.Result x(String... command) throws IOException, InterruptedException {
        return Commands.run(List.of(command), environment(), Duration.ofSeconds(30));
    }

    /** Starts an X client of this session in the background; its output goes to a log in the display's folder. */
    public Process spawn(String... command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(folder.resolve("clients.log").toFile()));
        pb.environment().putAll(environment());
        return pb.start();
    }

    /**
     * The first visible window whose title matches {@code regex}, once it is mapped; empty when none is within
     * {@code limit}.
     */
    public Optional<Long> awaitWindow(String regex, Duration limit) throws IOException, InterruptedException {
        Commands.Result r = Commands.run(List.of("xdotool", "search", "--sync", "--onlyvisible", "--name", regex),
                environment(), limit);
        if (r.code() != 0) {
            return Optional.empty();
        }
        return r.out().lines().findFirst().map(String::strip).map(Long::parseLong);
    }

    /** The ids of the visible windows whose titles match {@code regex}, now. */
    public List<Long> windows(String regex) throws IOException, InterruptedException {
        Commands.Result r = x("xdotool", "search", "--onlyvisible", "--name", regex);
        return r.out().lines().map(String::strip).filter(s -> !s.isEmpty()).map(Long::parseLong).toList();
    }

    /** The window's title (WM_NAME), as the window manager shows it. */
    public String title(long window) throws IOException, InterruptedException {
        Commands.Result r = x("xprop", "-id", Long.toString(window), "WM_NAME");
        Matcher m = WM_NAME.matcher(r.out().strip());
        if (r.code() != 0 || !m.matches()) {
            throw new IOException("no WM_NAME on window " + window + ": " + r.out() + r.err());
        }
        return m.group(1);
    }

    /** Where the window's inside is on the screen. */
    public Geometry geometry(long window) throws IOException, InterruptedException {
        Commands.Result r = x("xwininfo", "-id", Long.toString(window));
        return new Geometry(field(r.out(), "Absolute upper-left X"), field(r.out(), "Absolute upper-left Y"),
                field(r.out(), "Width"), field(r.out(), "Height"));
    }

    private static int field(String xwininfo, String name) throws IOException {
        Matcher m = Pattern.compile("^\\s*" + Pattern.quote(name) + ":\\s*(-?\\d+)\\s*$", Pattern.MULTILINE)
                .matcher(xwininfo);
        if (!m.find()) {
            throw new IOException("xwininfo has no " + name + ": " + xwininfo);
        }
        return Integer.parseInt(m.group(1));
    }

    /** Gives the window the keyboard focus and raises it, as a click on it does. */
    public void activate(long window) throws IOException, InterruptedException {
        check(x("xdotool", "windowactivate", "--sync", Long.toString(window)));
    }

    /** Types {@code text} into the focused window, as a person at the keyboard. */
    public void type(String text) throws IOException, InterruptedException {
        check(x("xdotool", "type", "--delay", "30", text));
    }

    /** Presses a key (xdotool's names, e.g. {@code Return}) in the focused window. */
    public void key(String key) throws IOException, InterruptedException {
        check(x("xdotool", "key", key));
    }

    /**
     * The whole screen as the person sees it now, also written to {@code file} (PNG) and copied to
     * {@code target/desktop-screenshots/} for a look after the test's temporary folder is gone.
     */
    public BufferedImage screenshot(Path file) throws IOException, InterruptedException {
        check(x("import", "-window", "root", "png:" + file));
        BufferedImage image = ImageIO.read(file.toFile());
        if (image == null) {
            throw new IOException("not a PNG: " + file);
        }
        Path kept = Files.createDirectories(Path.of("target", "desktop-screenshots"));
        Files.copy(file, kept.resolve(file.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return image;
    }

    /**
     * Screenshots until {@code shown} holds for one (a window is mapped before its client has painted it), at most
     * {@code limit}; returns the last one, for the test's assertions.
     */
    public BufferedImage screenshotOnce(Path file, java.util.function.Predicate<BufferedImage> shown, Duration limit)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        BufferedImage image = screenshot(file);
        while (!shown.test(image) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            image = screenshot(file);
        }
        return image;
    }

    /** Puts {@code text} on the session's clipboard (CLIPBOARD selection), owned by an xclip of the host. */
    public void setClipboard(String text) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("xclip", "-selection", "clipboard", "-in")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true);
        pb.environment().putAll(environment());
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            in.write(text.getBytes(StandardCharsets.UTF_8));
        }
        // xclip stays in the background serving the selection; its foreground part ends once it owns it.
        check(new Commands.Result(p.waitFor(), "", "xclip -in"));
    }

    /** What a paste on the host would insert now; empty when nobody owns the clipboard. */
    public Optional<String> clipboard() throws IOException, InterruptedException {
        Commands.Result r = x("xclip", "-selection", "clipboard", "-out");
        return r.code() == 0 ? Optional.of(r.out()) : Optional.empty();
    }

    private static void check(Commands.Result r) throws IOException {
        if (r.code() != 0) {
            throw new IOException("exit " + r.code() + ": " + r.err());
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (windowManager != null) {
            windowManager.destroy();
            windowManager.waitFor();
        }
        server.destroy();
        if (!server.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
            server.destroyForcibly().waitFor();
        }
    }
}
