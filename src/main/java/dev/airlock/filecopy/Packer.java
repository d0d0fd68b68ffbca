package dev.airlock.filecopy;

import dev.airlock.sys.Errno;
import dev.airlock.sys.ErrnoException;
import dev.airlock.sys.Fd;
import dev.airlock.sys.Posix;
import dev.airlock.sys.Stat;

import java.io.IOException;
import java.time.Duration;
import java.nio.channels.InterruptibleChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The sending end of {@code qubes.Filecopy} (the {@code qfile-agent} role): streams files and folders, watches for
 * the receiver's reply while it sends (so a receiver that refuses or dies never leaves it blocked), and succeeds
 * only when the receiver confirms with error code 0 and the CRC-32 of the stream it sent.
 */
public final class Packer {
    /** How long to wait for the receiver's explanation once it has stopped reading. */
    private static final long REPLY_GRACE_SECONDS = 10;

    /** Reports progress; called from the sending thread. */
    public interface Progress {
        /** Before the first byte: the bytes of file content about to be sent. */
        void start(long totalBytes);

        /** Cumulative bytes of file content sent so far. */
        void sent(long bytes);

        /** After the last byte, successful or not. */
        void finish(boolean success);

        /**
         * Whether the person asked to stop (a Cancel button): checked after each chunk and entry, the copy then
         * ends short, so that the receiver keeps nothing of the file being sent.
         */
        default boolean cancelled() {
            return false;
        }

        Progress NONE = new Progress() {
            @Override
            public void start(long totalBytes) {
            }

            @Override
            public void sent(long bytes) {
            }

            @Override
            public void finish(boolean success) {
            }
        };
    }

    /**
     * @param ignoreSymlinks skip symlinks instead of sending them
     * @param progress       where progress goes
     * @param warnings       receives one line per skipped special file
     * @param replyTimeout   how long the receiver may take to answer after the end of the stream (it flushes
     *                       everything to disk first)
     * @param preamble       airlock's extensions to announce before the first entry, {@code null} for a plain
     *                       Qubes stream (the only kind a Qubes receiver accepts)
     */
    public record Options(boolean ignoreSymlinks, Progress progress, Consumer<String> warnings,
                          Duration replyTimeout, Preamble preamble) {
        /** The default {@link #replyTimeout}: generous, since a large copy to a slow disk flushes for long. */
        public static final Duration DEFAULT_REPLY_TIMEOUT = Duration.ofMinutes(10);

        public Options(boolean ignoreSymlinks, Progress progress, Consumer<String> warnings) {
            this(ignoreSymlinks, progress, warnings, DEFAULT_REPLY_TIMEOUT);
        }

        public Options(boolean ignoreSymlinks, Progress progress, Consumer<String> warnings, Duration replyTimeout) {
            this(ignoreSymlinks, progress, warnings, replyTimeout, null);
        }

        /** These options with {@code p} announced before the first entry. */
        public Options withPreamble(Preamble p) {
            return new Options(ignoreSymlinks, progress, warnings, replyTimeout, p);
        }

        public static Options defaults() {
            return new Options(false, Progress.NONE, w -> { });
        }
    }

    /**
     * What a walk of the arguments finds before anything is sent.
     *
     * @param totalBytes         bytes of file content
     * @param entries            headers the stream will have
     * @param needsAllowAllNames a name or link target has characters the receiver refuses without allow-all-names
     * @param unsafeLinks        links the receiver would refuse ({@code name -> target}), which stop a copy early
     */
    public record Survey(long totalBytes, long entries, boolean needsAllowAllNames, List<String> unsafeLinks) {
    }

    /** A confirmed transfer. */
    public record Result(Reply reply, long contentBytes, long entries) {
    }

    private Packer() {
    }

    /** Walks the arguments without sending: totals, and what the receiver would refuse. */
    public static Survey survey(List<String> args, boolean ignoreSymlinks) throws TransferException {
        return survey(args, ignoreSymlinks, true);
    }

    private static Survey survey(List<String> args, boolean ignoreSymlinks, boolean readLinkTargets)
            throws TransferException {
        long[] totals = new long[2];
        boolean[] needsAll = new boolean[1];
        List<String> unsafe = new ArrayList<>();
        TreeWalker.Visitor v = new TreeWalker.Visitor() {
            @Override
            public void directory(byte[] name, Stat st, boolean closing) {
                totals[1]++;
                needsAll[0] |= !NameRules.charactersAllowed(name);
            }

            @Override
            public void regularFile(byte[] name, Fd dir, byte[] base, Stat st) {
                totals[0] += st.size();
                totals[1]++;
                needsAll[0] |= !NameRules.charactersAllowed(name);
            }

            @Override
            public void symlink(byte[] name, Stat st, byte[] target) {
                totals[1]++;
                if (target == null) {
                    return;
                }
                needsAll[0] |= !NameRules.charactersAllowed(name) || !NameRules.charactersAllowed(target);
                if (NameRules.checkLinkTarget(name, target, true) != NameRules.OK) {
                    unsafe.add(StreamWriter.text(name) + " -> " + StreamWriter.text(target));
                }
            }

            @Override
            public void skipped(byte[] name, Stat st) {
            }
        };
        try {
            new TreeWalker(ignoreSymlinks, readLinkTargets, true, v).walk(parse(args));
        } catch (TransferException e) {
            throw e;
        } catch (IOException e) {
            throw new TransferException(e.getMessage(), e);
        }
        return new Survey(totals[0], totals[1], needsAll[0], List.copyOf(unsafe));
    }

    private static List<TreeWalker.Argument> parse(List<String> args) throws TransferException {
        if (args.isEmpty()) {
            throw new TransferException("no files to send");
        }
        List<TreeWalker.Argument> parsed = new ArrayList<>(args.size());
        for (String a : args) {
            parsed.add(TreeWalker.parseArgument(a));
        }
        return parsed;
    }

    /**
     * Sends {@code args} as one stream on {@code out} (closed at the end, on every path), reads the reply from
     * {@code replyIn}, and returns only when the receiver confirmed everything. Any other outcome is a
     * {@link TransferException} whose message names the file concerned.
     */
    public static Result send(List<String> args, WritableByteChannel out, ReadableByteChannel replyIn,
                              Options options) throws TransferException {
        try {
            return send(args, survey(args, options.ignoreSymlinks(), false), out, replyIn, options);
        } finally {
            closeQuietly(out);
        }
    }

    /**
     * {@link #send(List, WritableByteChannel, ReadableByteChannel, Options)} for a caller that has surveyed
     * {@code args} already (with the same {@code ignoreSymlinks}): one walk of the tree fewer.
     */
    public static Result send(List<String> args, Survey survey, WritableByteChannel out, ReadableByteChannel replyIn,
                              Options options) throws TransferException {
        Progress progress = options.progress();
        AtomicBoolean streamComplete = new AtomicBoolean();
        boolean ok = false;
        try {
            Preamble preamble = options.preamble();
            CompletableFuture<Reply> reply = watchReply(replyIn, out, streamComplete,
                    preamble != null && preamble.report());
            StreamWriter writer = new StreamWriter(out, bytes -> {
                progress.sent(bytes);
                requireGoOn(progress);
            });
            progress.start(survey.totalBytes());
            long[] entries = new long[1];
            TreeWalker.Visitor v = new SendingVisitor(writer, reply, options, entries);
            try {
                if (preamble != null) {
                    byte[] body = preamble.encode();
                    writer.entry(new FileHeader(Preamble.NAME_BYTES.length + 1L, 0, body.length, 0, 0, 0, 0),
                            Preamble.NAME_BYTES);
                    writer.bytes(body);
                }
                new TreeWalker(options.ignoreSymlinks(), true, false, v).walk(parse(args));
                writer.end();
                streamComplete.set(true);
            } catch (StreamWriter.ReceiverGoneException | EarlyReply e) {
                closeQuietly(out);
                throw explainStop(reply, preamble);
            } catch (TransferException e) {
                // A local problem (unreadable or changing file): end the stream short so nothing partial lands.
                throw e;
            } catch (IOException e) {
                throw new TransferException(e.getMessage(), e);
            }
            closeQuietly(out);
            Reply r = await(reply, options.replyTimeout());
            if (!r.success()) {
                throw new TransferException(describe(r, preamble));
            }
            if (r.crc32() != writer.crc()) {
                throw new TransferException("the receiver reports a different checksum than was sent (0x"
                        + Long.toHexString(r.crc32()) + " instead of 0x" + Long.toHexString(writer.crc())
                        + "): the data was corrupted on the way");
            }
            ok = true;
            return new Result(r, survey.totalBytes(), entries[0]);
        } finally {
            closeQuietly(out);
            progress.finish(ok);
        }
    }

    /** What a copy that the person cancelled ends with. */
    static final String CANCELLED = "cancelled: the copy was stopped; the receiver keeps only the files it had "
            + "completed, nothing of the file being sent";

    /** Stops the copy short when the person cancelled it. */
    private static void requireGoOn(Progress progress) throws TransferException {
        if (progress.cancelled()) {
            throw new TransferException(CANCELLED);
        }
    }

    /** The receiver answered before the end marker: stop sending. */
    private static final class EarlyReply extends IOException {
        private static final long serialVersionUID = 1L;

        EarlyReply() {
            super("the receiver answered early", null);
        }
    }

    private static final class SendingVisitor implements TreeWalker.Visitor {
        private final StreamWriter writer;
        private final CompletableFuture<Reply> reply;
        private final Options options;
        private final long[] entries;

        SendingVisitor(StreamWriter writer, CompletableFuture<Reply> reply, Options options, long[] entries) {
            this.writer = writer;
            this.reply = reply;
            this.options = options;
            this.entries = entries;
        }

        private void entryDone() throws IOException {
            entries[0]++;
            if (reply.isDone()) {
                throw new EarlyReply();
            }
            requireGoOn(options.progress());
        }

        @Override
        public void directory(byte[] name, Stat st, boolean closing) throws IOException {
            writer.entry(header(name, st, 0), name);
            entryDone();
        }

        @Override
        public void regularFile(byte[] name, Fd dir, byte[] base, Stat walked) throws IOException {
            String shown = StreamWriter.text(name);
            Fd file;
            try {
                // O_NONBLOCK: if the file was swapped for a FIFO since it was examined, opening must not wait for a writer.
                file = TreeWalker.openNoAtime(dir, base, Posix.O_RDONLY | Posix.O_NOFOLLOW | Posix.O_NOCTTY
                        | Posix.O_NONBLOCK | Posix.O_CLOEXEC);
            } catch (ErrnoException e) {
                throw TreeWalker.failure("cannot open", name, e);
            }
            try (file) {
                Stat st = file.stat();
                if (!st.isRegularFile()) {
                    throw new TransferException("\"" + shown + "\" was replaced while the copy ran");
                }
                writer.entry(header(name, st, st.size()), name);
                writer.fileContent(file, st.size(), shown);
            } catch (ErrnoException e) {
                throw TreeWalker.failure("cannot read", name, e);
            }
            entryDone();
        }

        @Override
        public void symlink(byte[] name, Stat st, byte[] target) throws IOException {
            writer.entry(header(name, st, target.length), name);
            writer.bytes(target);
            entryDone();
        }

        @Override
        public void skipped(byte[] name, Stat st) {
            options.warnings().accept("skipped \"" + StreamWriter.text(name) + "\": not a regular file, folder or link");
        }
    }

    /** The header of entry {@code name}; seconds are truncated to 32 bits as the format has them. */
    static FileHeader header(byte[] name, Stat st, long filelen) {
        return new FileHeader(name.length + 1L, st.mode(), filelen, st.atimeSec() & 0xffffffffL, st.atimeNsec(),
                st.mtimeSec() & 0xffffffffL, st.mtimeNsec());
    }

    /**
     * Reads the reply on its own thread. A reply (or the receiver going away) before the stream is complete closes
     * an interruptible {@code out}: a sender blocked writing into a full pipe that nobody reads any more wakes up at
     * once, even when something between the two ends still holds the pipe open.
     */
    private static CompletableFuture<Reply> watchReply(ReadableByteChannel in, WritableByteChannel out,
                                                       AtomicBoolean streamComplete, boolean report) {
        CompletableFuture<Reply> f = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().daemon().name("airlock-reply-watcher").unstarted(() -> {
            try {
                f.complete(ReplyReader.read(in, report));
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
            // Only the JDK's interruptible channels may be closed under a blocked writer: they wake it and keep
            // the descriptor number until it has left. A plain descriptor closed here could be reused by the time
            // the writer's next write runs; such channels rely on the receiver closing its end instead.
            if (!streamComplete.get() && out instanceof InterruptibleChannel) {
                closeQuietly(out);
            }
        });
        t.start();
        return f;
    }

    private static Reply await(CompletableFuture<Reply> reply, Duration timeout) throws TransferException {
        try {
            return reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw asTransfer(e.getCause());
        } catch (TimeoutException e) {
            throw new TransferException("the receiver did not answer within " + timeout.toSeconds()
                    + " s after the end of the stream");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransferException("interrupted while waiting for the receiver");
        }
    }

    /** What went wrong, in words; a refused preamble means the receiver lacks airlock's extensions. */
    private static String describe(Reply r, Preamble preamble) {
        if (preamble != null && r.errorCode() == Errno.EILSEQ && Arrays.equals(r.lastName(), Preamble.NAME_BYTES)) {
            return "the receiver does not support airlock's file-copy extensions (it is a Qubes receiver or an"
                    + " older airlock); nothing was written";
        }
        return FilecopyErrors.describe(r.errorCode(), r.lastNameText());
    }

    /** Why the receiver stopped early: its reply if it sent one in time, else that it went away. */
    private static TransferException explainStop(CompletableFuture<Reply> reply, Preamble preamble) {
        try {
            Reply r = reply.get(REPLY_GRACE_SECONDS, TimeUnit.SECONDS);
            if (r.success()) {
                return new TransferException("the receiver reported success before the end of the stream:"
                        + " its answer cannot be trusted");
            }
            return new TransferException(describe(r, preamble));
        } catch (ExecutionException e) {
            return asTransfer(e.getCause());
        } catch (TimeoutException e) {
            return new TransferException("the receiver stopped reading and did not say why");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new TransferException("interrupted while waiting for the receiver");
        }
    }

    private static TransferException asTransfer(Throwable t) {
        if (t instanceof TransferException te) {
            return te;
        }
        return new TransferException("cannot read the receiver's answer: " + t.getMessage(), t);
    }

    private static void closeQuietly(WritableByteChannel out) {
        try {
            out.close();
        } catch (IOException e) {
            // The receiver is gone already; the reply (or its absence) tells the story.
        }
    }
}
