package dev.airlock.hostcopy;

import dev.airlock.filecopy.ConflictMode;
import dev.airlock.filecopy.Destinations;
import dev.airlock.filecopy.FilecopyErrors;
import dev.airlock.filecopy.Reply;
import dev.airlock.filecopy.Unpacker;
import dev.airlock.qrexec.DataStream;
import dev.airlock.qrexec.FrameOutput;
import dev.airlock.qrexec.Message;
import dev.airlock.qrexec.MessageEncoder;
import dev.airlock.qrexec.ServiceCall;
import dev.airlock.qrexec.Wire;
import dev.airlock.sandbox.ClassPreloader;
import dev.airlock.sys.Errno;
import dev.airlock.sys.Posix;
import dev.airlock.sys.UnixSocket;
import dev.airlock.text.TerminalText;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The host's side of {@code qubes.Filecopy} to {@code dom0} (Qubes' {@code qfile-dom0-unpacker}): the same hardened
 * {@link Unpacker} as in a domain (descriptors, Landlock on its own thread), into the {@link Recipient}'s
 * {@code ~/QubesIncoming/SOURCE}, under the host's {@link IncomingLimits}. It speaks the service side of a call as a
 * domain's agent does: the sender's stream in, the reply as stdout frames, a reason on stderr, then the exit code.
 *
 * <p>The seed-004 deadlock: whatever ends the unpacking (a refusal, a failure, the end), the reply goes out and the
 * call's input is shut at once, so a sender still writing fails on its next write instead of filling a pipe nobody
 * reads, and reads the reply.
 */
public final class HostReceiver {
    private static final String ALLOW_ALL_NAMES = "allow-all-names";

    /** How much space is free where a copy lands; faked in tests. */
    @FunctionalInterface
    public interface FreeSpace {
        long bytes(Path home) throws IOException;

        /** The space an unprivileged user may use on the file system of {@code home}. */
        FreeSpace FILE_SYSTEM = home -> Files.getFileStore(home).getUsableSpace();
    }

    static {
        // The unpacker's confined thread writes the reply through the frames: it cannot open class files then.
        ClassPreloader.load(HostReceiver.class, "dev.airlock.qrexec");
    }

    private final IncomingLimits limits;
    private final FreeSpace freeSpace;

    public HostReceiver(IncomingLimits limits, FreeSpace freeSpace) {
        this.limits = limits;
        this.freeSpace = freeSpace;
    }

    /**
     * Serves {@code call} from {@code source} into {@code to} on {@code data}, the service's end of the call, and
     * returns the exit code it sent (Qubes' unpacker's: the low byte of the reply's error code).
     */
    public int serve(Recipient to, String source, ServiceCall call, UnixSocket data) throws IOException {
        Object lock = new Object();
        FrameOutput out = new FrameOutput(data, DataStream.STDOUT, lock);
        FrameOutput err = new FrameOutput(data, DataStream.STDERR, lock);
        int code;
        try {
            Reply r = receive(to, source, call, data);
            code = FilecopyErrors.exitStatus(r.errorCode());
            if (r.errorCode() != 0) {
                // Before the reply: a sender stops reading at the reply, so the reason must come first.
                say(err, "dom0 refused the copy: " + FilecopyErrors.describe(r.errorCode(),
                        TerminalText.escape(r.lastNameText())) + hint(r.errorCode()));
            }
            out.write(ByteBuffer.wrap(r.encode()));
        } catch (IOException | RuntimeException e) {
            say(err, "dom0 could not receive the copy: " + e.getMessage());
            code = Wire.EXIT_MACHINERY;
        } finally {
            shutInput(data);
        }
        try {
            out.close();
            err.close();
            synchronized (lock) {
                MessageEncoder.write(new Message.ExitCode(code), data);
            }
        } catch (IOException e) {
            // The sender is gone; the broker still records how the copy ended.
        }
        return code;
    }

    /** Receives the copy; the reply is returned, and sent by the caller. */
    private Reply receive(Recipient to, String source, ServiceCall call, UnixSocket in) throws IOException {
        long cap = limits.byteLimit(freeSpace.bytes(to.home()));
        if (cap < 0) {
            return new Reply(Errno.EDQUOT, 0, null);
        }
        WritableByteChannel out = Channels.newChannel(OutputStream.nullOutputStream());
        Unpacker.Options options = new Unpacker.Options(call.argument().equals(ALLOW_ALL_NAMES), cap,
                limits.maxFiles(), ConflictMode.FAIL, true, limits.symlinks());
        Destinations where = Destinations.belowHome(to.home(), source);
        if (!to.switchUser()) {
            return Unpacker.receive(where, in, out, options);
        }
        // The file-system identity is per thread: a thread of its own takes the user's, and the unpacker's confined
        // worker, started from it, inherits it. Every file is then the user's, and the kernel checks each access as
        // the user's, so root's rights never reach into the user's home.
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("airlock-host-receiver").start(() -> {
            try {
                Posix.becomeFileSystemUser(to.uid(), to.gid());
                result.set(Unpacker.receive(where, in, out, options));
            } catch (IOException | RuntimeException e) {
                result.set(e);
            }
        });
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("the broker is stopping");
        }
        return switch (result.get()) {
            case Reply r -> r;
            case IOException e -> throw e;
            case RuntimeException e -> throw e;
            case null, default -> throw new IOException("the receiver ended without a reply");
        };
    }

    /** Which host setting governs a limit the copy ran into. */
    private String hint(int code) {
        return switch (code) {
            case Errno.EDQUOT -> " (the host takes at most " + describe(limits) + " per copy)";
            case Errno.EPERM -> limits.symlinks() ? "" : " (" + IncomingLimits.SYMLINKS + "=yes accepts links)";
            default -> "";
        };
    }

    private static String describe(IncomingLimits l) {
        String bytes = l.maxBytes() == 0 ? "" : (l.maxBytes() >> 20) + " MiB, ";
        String files = l.maxFiles() == 0 ? "" : l.maxFiles() + " files and folders, ";
        String free = l.freePercent() == 0 ? "" : l.freePercent() + "% of the free space, ";
        String all = bytes + files + free;
        return all.isEmpty() ? "what fits" : all.substring(0, all.length() - 2) + "; host settings "
                + IncomingLimits.MAX_MIB + ", " + IncomingLimits.MAX_FILES + ", " + IncomingLimits.FREE_PERCENT;
    }

    private static void say(FrameOutput err, String line) {
        try {
            err.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            // The sender is gone: nobody is left to tell.
        }
    }

    /** Ends the call's input: a sender still writing fails at once rather than block. */
    private static void shutInput(UnixSocket data) {
        try {
            data.shutdownInput();
        } catch (IOException e) {
            // Already closed: nothing can be sent any more either.
        }
    }
}
