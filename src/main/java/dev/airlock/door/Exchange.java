package dev.airlock.door;

import dev.airlock.qrexec.FrameReader;
import dev.airlock.sys.Errno;
import dev.airlock.sys.ErrnoException;
import dev.airlock.sys.Posix;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One request on a claimed slot: says it is taken, reads the request, asks the handler, relays the client's input
 * to the command and the command's output to the client, and ends with the exit code. End of the client's pipe
 * before the command ends interrupts the command's thread: the client was stopped or killed.
 */
final class Exchange {
    private static final int WAIT_MILLIS = 500;

    private final int up;
    private final Object sending = new Object();
    private final OutputStream down;
    private final Thread worker;
    private volatile boolean finished;
    private final List<Runnable> onCancel = new ArrayList<>();
    private boolean cancelled;

    Exchange(int up, int down, Thread worker) {
        this.up = up;
        this.down = new PipeOut(down);
        this.worker = worker;
    }

    void run(Door.Handler handler, int ownerUid) {
        try {
            send(DoorWire.TAKEN, new byte[0], 0);
            FrameReader frames = new FrameReader(new PipeIn(), DoorWire.fromClient(), DoorWire.order());
            Optional<FrameReader.Frame> first = frames.read();
            if (first.isEmpty() || first.get().header().get(0) != DoorWire.REQUEST) {
                return;
            }
            DoorRequest request = DoorRequest.decode(first.get().body());
            if (!handler.serves(request, ownerUid)) {
                send(DoorWire.NOT_SERVED, new byte[0], 0);
                return;
            }
            PipedInputStream stdin = new PipedInputStream(DoorWire.MAX_DATA);
            PipedOutputStream toStdin = new PipedOutputStream(stdin);
            Thread input = new Thread(() -> readInput(frames, toStdin), worker.getName() + "-in");
            input.setDaemon(true);
            input.start();
            int code;
            try {
                code = handler.run(request, new Door.Call(new AskingInput(stdin), new FrameOut(DoorWire.STDOUT),
                        new FrameOut(DoorWire.STDERR), this::whenCancelled, this::ifLost));
            } finally {
                finished = true;
            }
            byte[] c = ByteBuffer.allocate(4).order(DoorWire.order()).putInt(code).array();
            send(DoorWire.EXIT, c, 4);
        } catch (IOException e) {
            // The client went away or sent something malformed: nothing to answer, nobody to answer to.
        }
    }

    /** Relays stdin frames to the command; at the client's end, tells the command it was cancelled. */
    private void readInput(FrameReader frames, PipedOutputStream toStdin) {
        boolean stdinOpen = true;
        try {
            for (;;) {
                Optional<FrameReader.Frame> f = frames.read();
                if (f.isEmpty()) {
                    break;
                }
                byte type = f.get().header().get(0);
                if (type == DoorWire.STDIN && stdinOpen) {
                    ByteBuffer b = f.get().body();
                    try {
                        toStdin.write(b.array(), 0, b.remaining());
                    } catch (IOException e) {
                        stdinOpen = false;
                    }
                } else if (type == DoorWire.STDIN_END && stdinOpen) {
                    stdinOpen = false;
                    closeQuietly(toStdin);
                } else {
                    break;
                }
            }
        } catch (IOException e) {
            // A malformed frame counts as the client's end.
        } finally {
            closeQuietly(toStdin);
            if (!finished) {
                cancel();
            }
        }
    }

    /** Tells the client what to say if this server dies before the exit code; quietly nothing if it is gone. */
    private void ifLost(String message) {
        byte[] b = message.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try {
            send(DoorWire.IF_LOST, b, Math.min(b.length, DoorWire.MAX_IF_LOST));
        } catch (IOException e) {
            // The client is gone: nobody would read the message.
        }
    }

    private void whenCancelled(Runnable action) {
        synchronized (onCancel) {
            if (!cancelled) {
                onCancel.add(action);
                return;
            }
        }
        action.run();
    }

    /** The client is gone: stops what the command registered, and interrupts what waits interruptibly. */
    private void cancel() {
        List<Runnable> actions;
        synchronized (onCancel) {
            cancelled = true;
            actions = List.copyOf(onCancel);
        }
        actions.forEach(Runnable::run);
        worker.interrupt();
    }

    private static void closeQuietly(PipedOutputStream s) {
        try {
            s.close();
        } catch (IOException e) {
            // Nothing to tell: the command stops reading either way.
        }
    }

    private void send(byte type, byte[] body, int len) throws IOException {
        synchronized (sending) {
            DoorWire.write(down, type, body, 0, len);
        }
    }

    /** The command's input, which the client starts sending at the first read. */
    private final class AskingInput extends FilterInputStream {
        private boolean asked;

        AskingInput(InputStream in) {
            super(in);
        }

        private void ask() throws IOException {
            if (!asked) {
                asked = true;
                send(DoorWire.STDIN_WANTED, new byte[0], 0);
            }
        }

        @Override
        public int read() throws IOException {
            ask();
            return super.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            ask();
            return super.read(b, off, len);
        }

        @Override
        public int available() throws IOException {
            ask();
            return super.available();
        }
    }

    /** The command's output as frames of one type. */
    private final class FrameOut extends OutputStream {
        private final byte type;

        FrameOut(byte type) {
            this.type = type;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            synchronized (sending) {
                DoorWire.writeData(down, type, b, off, len);
            }
        }
    }

    /** The client's pipe, read without blocking past the server's life: waits in short polls. */
    private final class PipeIn implements ReadableByteChannel {
        private final MemorySegment buf = java.lang.foreign.Arena.ofAuto().allocate(DoorWire.MAX_DATA);

        @Override
        public int read(ByteBuffer dst) throws IOException {
            for (;;) {
                try {
                    MemorySegment slice = buf.asSlice(0, Math.min(dst.remaining(), buf.byteSize()));
                    int n = (int) Posix.read(up, slice);
                    if (n == 0) {
                        return -1;
                    }
                    dst.put(slice.asSlice(0, n).asByteBuffer());
                    return n;
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.EAGAIN) {
                        throw e;
                    }
                }
                Posix.poll(new int[] {up}, WAIT_MILLIS);
            }
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    /** The answer pipe; a write to a client that is gone fails with EPIPE. */
    private static final class PipeOut extends OutputStream {
        private final int fd;
        private final MemorySegment buf = java.lang.foreign.Arena.ofAuto().allocate(DoorWire.MAX_DATA + 16);

        PipeOut(int fd) {
            this.fd = fd;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                int n = (int) Math.min(len, buf.byteSize());
                MemorySegment.copy(b, off, buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, n);
                Posix.writeFully(fd, buf.asSlice(0, n));
                off += n;
                len -= n;
            }
        }
    }
}
