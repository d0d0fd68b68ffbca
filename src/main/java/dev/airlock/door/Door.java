package dev.airlock.door;

import dev.airlock.sys.Errno;
import dev.airlock.sys.ErrnoException;
import dev.airlock.sys.Fd;
import dev.airlock.sys.Posix;
import dev.airlock.sys.Stat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The resident side of the thin clients: a folder of named-pipe slots ({@code free.N/up}, {@code free.N/down})
 * that a client claims by renaming, writes a request into and reads its command's output from.
 *
 * <p>The door's owner can rename and replace anything in it, and the server may run as root: so every pipe is
 * made with {@code mkfifoat} in a descriptor of its slot's folder, opened once with {@code O_NOFOLLOW} and checked
 * by {@code fstat} (a pipe, the server's own), and never opened by its name again; when a client comes the
 * server's write end is reopened through {@code /proc/self/fd} of its own descriptor. End of input on {@code up}
 * means the client is gone (Ctrl-C, killed): the command's thread is interrupted.
 */
public final class Door implements AutoCloseable {
    /** Free slots kept ready. */
    static final int FREE_SLOTS = 4;
    /** Requests served at once; past this, free slots are not replenished until one ends. */
    static final int MAX_ACTIVE = 16;
    private static final int POLL_MILLIS = 500;

    /** What runs a request. */
    public interface Handler {
        /**
         * Whether this command runs here, decided from the request alone before anything is touched; when not,
         * the client runs it itself. {@code ownerUid} is the door's owner, whom a client must be (or root).
         */
        boolean serves(DoorRequest request, int ownerUid);

        /** Runs {@code request} with the call's streams and returns its exit code. */
        int run(DoorRequest request, Call call);
    }

    /**
     * One request's standard streams, relayed to and from the client, and where the command registers how to stop
     * what it started when the client goes away (each action runs at once if it is already gone).
     */
    public record Call(InputStream stdin, OutputStream stdout, OutputStream stderr, Consumer<Runnable> onCancel,
                       Consumer<String> ifLost) {
    }

    private final Path folder;
    private final Fd dir;
    private final int ownerUid;
    private final Handler handler;
    private final Map<Integer, Pipes> free = new LinkedHashMap<>();
    private final AtomicInteger active = new AtomicInteger();
    private final Thread poller;
    private volatile boolean closed;
    private int next;

    /** A slot's two pipes, as this server opened them. */
    private record Pipes(int number, int up, int down) {
    }

    private Door(Path folder, Fd dir, int ownerUid, Handler handler) {
        this.folder = folder;
        this.dir = dir;
        this.ownerUid = ownerUid;
        this.handler = handler;
        this.poller = new Thread(this::poll, "door");
        poller.setDaemon(true);
    }

    /**
     * Opens a door in {@code folder} (made 0700 if missing; a previous server's slots are removed) and starts
     * serving it. The folder must be a real folder owned by this process's user or by {@code ownerUid}.
     */
    public static Door open(Path folder, Handler handler) throws IOException {
        byte[] path = folder.toString().getBytes(StandardCharsets.UTF_8);
        try {
            Posix.mkdirat(Posix.AT_FDCWD, path, 0700);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EEXIST) {
                throw new IOException("cannot make the door " + folder + ": " + Errno.describe(e.errno()), e);
            }
        }
        Fd dir = Fd.CWD.open(path, Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW | Posix.O_CLOEXEC, 0);
        Door door;
        try {
            Stat st = dir.stat();
            if ((st.mode() & 077) != 0) {
                throw new IOException("the door " + folder + " is open to other users (mode "
                        + Integer.toOctalString(st.mode() & 07777) + ")");
            }
            door = new Door(folder, dir, st.uid(), handler);
            door.clear();
            for (int i = 0; i < FREE_SLOTS; i++) {
                door.addSlot();
            }
            door.writeServerFile();
        } catch (IOException | RuntimeException e) {
            dir.close();
            throw e;
        }
        door.poller.start();
        return door;
    }

    /** The uid that owns the door: a client that could use it runs as this user or as root. */
    public int ownerUid() {
        return ownerUid;
    }

    private void writeServerFile() throws IOException {
        long pid = ProcessHandle.current().pid();
        byte[] line = (pid + " " + Slot.startTime(pid).orElseThrow(() -> new IOException("no /proc/self/stat"))
                + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] tmp = ".server".getBytes(StandardCharsets.UTF_8);
        unlinkQuietly(tmp);
        try (Fd f = dir.open(tmp, Posix.O_WRONLY | Posix.O_CREAT | Posix.O_EXCL | Posix.O_NOFOLLOW
                | Posix.O_CLOEXEC, 0600); Arena a = Arena.ofConfined()) {
            f.writeFully(a.allocateFrom(ValueLayout.JAVA_BYTE, line));
        }
        dir.rename(tmp, Slot.SERVER_FILE.getBytes(StandardCharsets.UTF_8), 0);
    }

    private void unlinkQuietly(byte[] name) {
        try {
            dir.unlink(name, 0);
        } catch (ErrnoException e) {
            // Already gone, or not ours to remove.
        }
    }

    /** Removes what a previous server left: its slots and server file (only pipes and slot folders). */
    private void clear() throws ErrnoException {
        for (byte[] name : dir.list(1024)) {
            String n = new String(name, StandardCharsets.UTF_8);
            if (n.startsWith(Slot.FREE) || n.startsWith(Slot.TAKEN) || n.startsWith("new.")) {
                removeSlot(n);
            } else if (n.equals(Slot.SERVER_FILE) || n.equals(".server")) {
                unlinkQuietly(name);
            }
        }
    }

    private void removeSlot(String name) {
        unlinkQuietly((name + "/" + Slot.UP).getBytes(StandardCharsets.UTF_8));
        unlinkQuietly((name + "/" + Slot.DOWN).getBytes(StandardCharsets.UTF_8));
        try {
            dir.unlink(name.getBytes(StandardCharsets.UTF_8), Posix.AT_REMOVEDIR);
        } catch (ErrnoException e) {
            // Not empty or gone: the door's owner put something there; it stays theirs.
        }
    }

    /** Makes one slot as {@code new.N}, opens and checks its pipes, then publishes it as {@code free.N}. */
    private synchronized void addSlot() throws IOException {
        int number = next++;
        String staging = "new." + number;
        byte[] staged = staging.getBytes(StandardCharsets.UTF_8);
        dir.mkdir(staged, 0700);
        Fd slot = dir.open(staged, Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW | Posix.O_CLOEXEC, 0);
        int up = -1;
        int down = -1;
        try {
            byte[] upName = Slot.UP.getBytes(StandardCharsets.UTF_8);
            byte[] downName = Slot.DOWN.getBytes(StandardCharsets.UTF_8);
            slot.mkfifo(upName, 0600);
            slot.mkfifo(downName, 0600);
            up = slot.openRaw(upName, Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_NOFOLLOW | Posix.O_CLOEXEC);
            down = slot.openRaw(downName, Posix.O_RDWR | Posix.O_NOFOLLOW | Posix.O_CLOEXEC);
            requireOwnPipe(up);
            requireOwnPipe(down);
            dir.rename(staged, (Slot.FREE + number).getBytes(StandardCharsets.UTF_8), Posix.RENAME_NOREPLACE);
        } catch (IOException | RuntimeException e) {
            Posix.closeQuietly(up);
            Posix.closeQuietly(down);
            removeSlot(staging);
            throw e;
        } finally {
            slot.close();
        }
        free.put(number, new Pipes(number, up, down));
    }

    private static void requireOwnPipe(int fd) throws IOException {
        Stat st = Posix.fstat(fd);
        if (!st.isFifo() || st.uid() != Posix.geteuid()) {
            throw new IOException("a door's slot is not this server's named pipe");
        }
    }

    /** The poller: waits for a request on any free slot and hands each to its own thread. */
    private void poll() {
        while (!closed) {
            List<Pipes> waiting;
            synchronized (this) {
                waiting = new ArrayList<>(free.values());
            }
            int[] fds = waiting.stream().mapToInt(Pipes::up).toArray();
            short[] ready;
            try {
                if (fds.length == 0) {
                    Thread.sleep(POLL_MILLIS);
                    refill();
                    continue;
                }
                ready = Posix.poll(fds, POLL_MILLIS);
            } catch (ErrnoException | InterruptedException e) {
                return;
            }
            for (int i = 0; i < ready.length; i++) {
                if (ready[i] != 0 && !closed) {
                    Pipes p = waiting.get(i);
                    synchronized (this) {
                        free.remove(p.number());
                    }
                    active.incrementAndGet();
                    Thread t = new Thread(() -> serve(p), "door-" + p.number());
                    t.setDaemon(true);
                    t.start();
                }
            }
            refill();
        }
    }

    private void refill() {
        try {
            while (!closed && free.size() < FREE_SLOTS && active.get() + free.size() < MAX_ACTIVE + FREE_SLOTS) {
                addSlot();
            }
        } catch (IOException e) {
            // A full disk or a meddling owner: serve with the slots there are; the clients fall back meanwhile.
        }
    }

    /** Serves one request from its slot to the exit code, then removes the slot. */
    private void serve(Pipes p) {
        int down = -1;
        try {
            down = reopenForWriting(p.down());
        } catch (IOException e) {
            // ENXIO: nobody reads the answer, the client is already gone.
        } finally {
            Posix.closeQuietly(p.down());
        }
        try {
            if (down >= 0) {
                new Exchange(p.up(), down, Thread.currentThread()).run(handler, ownerUid);
            }
        } finally {
            Posix.closeQuietly(down);
            Posix.closeQuietly(p.up());
            removeSlot(Slot.TAKEN + p.number());
            removeSlot(Slot.FREE + p.number());
            active.decrementAndGet();
        }
    }

    /**
     * Opens the pipe behind {@code fd} write-only, without its name (the owner may have replaced it): a client
     * that dies then breaks the pipe instead of leaving this server writing into a buffer nobody reads.
     */
    static int reopenForWriting(int fd) throws IOException {
        byte[] self = ("/proc/self/fd/" + fd).getBytes(StandardCharsets.UTF_8);
        int w = Posix.openat(Posix.AT_FDCWD, self, Posix.O_WRONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
        try {
            requireOwnPipe(w);
            Posix.setNonBlocking(w, false);
        } catch (IOException e) {
            Posix.closeQuietly(w);
            throw e;
        }
        return w;
    }

    /** Stops taking requests and removes the door's files; requests being served run to their end. */
    @Override
    public void close() {
        closed = true;
        poller.interrupt();
        try {
            poller.join(2 * POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            for (Pipes p : free.values()) {
                Posix.closeQuietly(p.up());
                Posix.closeQuietly(p.down());
                removeSlot(Slot.FREE + p.number());
                removeSlot(Slot.TAKEN + p.number());
            }
            free.clear();
        }
        unlinkQuietly(Slot.SERVER_FILE.getBytes(StandardCharsets.UTF_8));
        dir.close();
    }

    @Override
    public String toString() {
        return "door " + folder;
    }
}
