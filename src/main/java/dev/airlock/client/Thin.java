package dev.airlock.client;

import dev.airlock.contract.InDomain;
import dev.airlock.door.DoorRequest;
import dev.airlock.door.DoorWire;
import dev.airlock.door.Slot;
import dev.airlock.qrexec.FrameReader;

import java.io.File;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The entry point of every command a person types: hands the command to the resident broker (host) or agent (in a
 * domain) through their door and relays its streams and exit code, which saves the start-up of picocli, the
 * foreign-function set-up and the command's classes (0.3-0.4 s) on each call. Uses only java.io, which opens a
 * named pipe in about a millisecond (a UNIX socket's first use costs 20 ms of security-provider start-up).
 * When no door answers, or the resident side does not serve the command, runs the full command line in this JVM.
 */
public final class Thin {
    /** How long a client waits for the server to take its request before giving up. */
    static final long PATIENCE_MILLIS = 2000;
    /** The exit code of airlock's own failures, as {@code qrexec-client-vm} uses it. */
    static final int EXIT_MACHINERY = 125;

    private Thin() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> env = System.getenv();
        File door = door(env);
        Optional<Slot> slot = door == null ? Optional.empty() : Slot.claim(door);
        if (slot.isEmpty()) {
            fallBack(args);
            return;
        }
        DoorRequest request = new DoorRequest(Arrays.asList(args), new File("").getAbsolutePath(), env,
                terminals(), columns(env));
        byte[] body = request.encode();
        if (body.length == 0) {
            slot.get().abandon();
            fallBack(args);
            return;
        }
        int code = relay(slot.get(), body, args);
        // halt, not exit: System.exit starts the platform logging (a service-loader scan of the jar, 0.1 s) to
        // log the exit; this client has no shutdown hooks and its output is written unbuffered.
        Runtime.getRuntime().halt(code);
    }

    /** Runs the command in this JVM, the way it ran before there were doors. */
    static void fallBack(String[] args) {
        dev.airlock.cli.Main.main(args);
    }

    /** The door this process would use: the agent's inside a domain, else the broker's in the home's run/. */
    static File door(Map<String, String> env) {
        File inDomain = new File(InDomain.DOOR);
        if (inDomain.isDirectory()) {
            return inDomain;
        }
        return new File(hostHome(env, System.getProperty("user.name"), System.getProperty("user.home")),
                "run/door");
    }

    /** airlock's home, by the rule of {@code Registry.defaultHome} (which a test holds this to). */
    static String hostHome(Map<String, String> env, String user, String userHomeProperty) {
        String airlock = env.get("AIRLOCK_HOME");
        if (airlock != null && !airlock.isEmpty()) {
            return new File(airlock).getAbsolutePath();
        }
        String xdg = env.get("XDG_DATA_HOME");
        if (xdg != null && xdg.startsWith("/")) {
            return new File(xdg, "airlock").getPath();
        }
        if ("root".equals(user)) {
            return "/var/lib/airlock";
        }
        String home = env.get("HOME");
        if (home == null || home.isEmpty()) {
            home = userHomeProperty;
        }
        return new File(home, ".local/share/airlock").getPath();
    }

    /** Bits 0-2: which of standard input, output and error lead to a terminal. */
    static int terminals() {
        int bits = 0;
        for (int fd = 0; fd < 3; fd++) {
            if (isTerminal(fd)) {
                bits |= 1 << fd;
            }
        }
        return bits;
    }

    private static boolean isTerminal(int fd) {
        try {
            String target = new File("/proc/self/fd/".concat(Integer.toString(fd))).getCanonicalPath();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException e) {
            return false;
        }
    }

    private static int columns(Map<String, String> env) {
        String c = env.get("COLUMNS");
        if (c == null || c.isEmpty() || c.length() > 5) {
            return 0;
        }
        for (int i = 0; i < c.length(); i++) {
            if (c.charAt(i) < '0' || c.charAt(i) > '9') {
                return 0;
            }
        }
        return Math.min(Integer.parseInt(c), 10_000);
    }

    /**
     * Sends the request, relays standard input, output and error, and returns the command's exit code. Falls back
     * when the server answers that it does not serve the command; gives up with 125 when it does not take the
     * request in time.
     */
    static int relay(Slot slot, byte[] body, String[] args) throws IOException {
        Watchdog watchdog = new Watchdog(slot.pid());
        watchdog.start();
        InputStream down = slot.openDown();
        OutputStream up = slot.openUp();
        DoorWire.write(up, DoorWire.REQUEST, body, 0, body.length);
        FrameReader frames = new FrameReader(Channels.newChannel(down), DoorWire.fromServer(), DoorWire.order());
        OutputStream stdout = new FileOutputStream(FileDescriptor.out);
        OutputStream stderr = new FileOutputStream(FileDescriptor.err);
        boolean stdinStarted = false;
        String ifLost = null;
        try {
            for (;;) {
                Optional<FrameReader.Frame> next = frames.read();
                if (next.isEmpty()) {
                    String lost = ifLost != null ? ifLost : "the " + slot.serverName()
                            + " stopped answering before the command ended";
                    stderr.write(("ERROR: " + lost + "\n").getBytes(StandardCharsets.UTF_8));
                    return EXIT_MACHINERY;
                }
                ByteBuffer b = next.get().body();
                switch (next.get().header().get(0)) {
                    case DoorWire.TAKEN -> watchdog.taken();
                    case DoorWire.STDIN_WANTED -> {
                        if (!stdinStarted) {
                            stdinStarted = true;
                            Thread stdin = new Thread(new StdinPump(up), "stdin");
                            stdin.setDaemon(true);
                            stdin.start();
                        }
                    }
                    case DoorWire.IF_LOST -> ifLost = new String(b.array(), 0, b.remaining(), StandardCharsets.UTF_8);
                    case DoorWire.STDOUT -> stdout.write(b.array(), 0, b.remaining());
                    case DoorWire.STDERR -> stderr.write(b.array(), 0, b.remaining());
                    case DoorWire.EXIT -> {
                        return b.getInt();
                    }
                    case DoorWire.NOT_SERVED -> {
                        watchdog.taken();
                        up.close();
                        down.close();
                        fallBack(args);
                        return 0;
                    }
                    default -> throw new IOException("door: an unexpected frame");
                }
            }
        } catch (IOException e) {
            stderr.write(("ERROR: the " + slot.serverName() + " sent something unexpected: " + e.getMessage()
                    + "\n").getBytes(StandardCharsets.UTF_8));
            return EXIT_MACHINERY;
        }
    }

    /** Copies standard input into frames until it ends, then says so; stops quietly when the server is gone. */
    private record StdinPump(OutputStream up) implements Runnable {
        @Override
        public void run() {
            byte[] buf = new byte[DoorWire.MAX_DATA];
            try (InputStream in = new FileInputStream(FileDescriptor.in)) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    DoorWire.write(up, DoorWire.STDIN, buf, 0, n);
                }
                DoorWire.write(up, DoorWire.STDIN_END, buf, 0, 0);
            } catch (IOException e) {
                // The server stopped reading: it has finished or is gone, and the main thread reports which.
            }
        }
    }

    /** Ends a client whose server does not take its request in time, so that a hung server never hangs a user. */
    private static final class Watchdog extends Thread {
        private final long serverPid;
        private volatile boolean taken;

        Watchdog(long serverPid) {
            super("door-watchdog");
            this.serverPid = serverPid;
            setDaemon(true);
        }

        void taken() {
            taken = true;
        }

        @Override
        public void run() {
            try {
                Thread.sleep(PATIENCE_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            if (!taken) {
                System.err.println("ERROR: airlock's resident process (pid " + serverPid + ") did not take the "
                        + "command within " + PATIENCE_MILLIS / 1000 + " s; try again, or restart it");
                Runtime.getRuntime().halt(EXIT_MACHINERY);
            }
        }
    }

}
