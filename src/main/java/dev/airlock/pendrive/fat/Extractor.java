package dev.airlock.pendrive.fat;

import dev.airlock.filecopy.FileHeader;
import dev.airlock.filecopy.Reply;
import dev.airlock.filecopy.Unpacker;
import dev.airlock.sys.BlockingThreads;
import dev.airlock.sys.Errno;
import dev.airlock.sys.Stat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Copies the tree of a pendrive into a folder (the receiving side's {@code /mnt/incoming}). The tree is turned
 * into a {@code qubes.Filecopy} stream and handed to the file-copy {@link Unpacker}, so a pendrive gets exactly
 * the receiver's safety: every path resolved without following links, nothing created outside the folder,
 * exclusive creation, files visible only when complete, Landlock where the kernel has it, and its limits as a
 * second line behind the reader's.
 */
public final class Extractor {
    private static final int BUFFER = 256 * 1024;
    private static final int DIRECTORY_MODE = Stat.S_IFDIR | 0755;
    private static final int FILE_MODE = Stat.S_IFREG | 0644;
    private static final int READ_ONLY_FILE_MODE = Stat.S_IFREG | 0444;

    /** What was extracted: files and folders, and bytes of content. */
    public record Summary(long entries, long bytes) {
    }

    private Extractor() {
    }

    /**
     * Extracts everything {@code reader} finds into {@code destination} (created if missing), with the reader's
     * limits given to the unpacker too. A problem in the
     * image ends the extraction with the reader's {@link FatException}; one in the destination (a name that
     * exists, a full disk) with {@link FatException.ExtractionRefused}. What was complete before stays.
     */
    public static Summary extract(FatReader reader, Path destination) throws IOException {
        FatReader.Options options = reader.options();
        Pipe pipe = Pipe.open();
        AtomicReference<Throwable> readFailure = new AtomicReference<>();
        Summary[] summary = new Summary[1];
        Thread producer = Thread.ofPlatform().name("airlock-pendrive-reader").start(() -> {
            try (Pipe.SinkChannel sink = pipe.sink()) {
                summary[0] = produce(reader, sink);
            } catch (IOException | RuntimeException | Error e) {
                readFailure.set(e);
            }
        });
        Reply reply;
        try (Pipe.SourceChannel source = pipe.source()) {
            // Each directory costs the unpacker two headers.
            Unpacker.Options limits = new Unpacker.Options(options.allowAllNames(), options.maxBytes(),
                    Math.multiplyExact(options.maxEntries(), 2));
            reply = Unpacker.receive(destination, source, Channels.newChannel(OutputStream.nullOutputStream()), limits);
        } finally {
            // The source is closed: a producer still writing fails at once instead of waiting for a reader.
            BlockingThreads.joinUninterruptibly(producer);
        }
        switch (readFailure.get()) {
            case FatException e -> throw e;
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            case null, default -> {
                // no failure, or an I/O error that the reply explains better (the unpacker stopped reading)
            }
        }
        if (!reply.success()) {
            String name = reply.lastName().length > 0 ? " at '" + reply.lastNameText() + "'" : "";
            throw new FatException.ExtractionRefused("the pendrive could not be copied into " + destination + name
                    + ": " + Errno.describe(reply.errorCode()));
        }
        if (readFailure.get() instanceof IOException e) {
            throw e;
        }
        return summary[0];
    }

    /** Writes the stream of the whole tree, ending with the end marker. */
    private static Summary produce(FatReader reader, WritableByteChannel sink) throws IOException {
        StreamOut out = new StreamOut(sink);
        long[] counts = new long[2];
        reader.walk(new FatReader.Visitor() {
            @Override
            public void directory(FatReader.Entry d) throws IOException {
                out.header(d, DIRECTORY_MODE);
                counts[0]++;
            }

            @Override
            public void file(FatReader.Entry f, FatReader.Content content) throws IOException {
                out.header(f, f.readOnly() ? READ_ONLY_FILE_MODE : FILE_MODE);
                content.transferTo(out);
                counts[0]++;
                counts[1] += f.size();
            }

            @Override
            public void leaveDirectory(FatReader.Entry d) throws IOException {
                out.header(d, DIRECTORY_MODE);
            }
        });
        out.end();
        return new Summary(counts[0], counts[1]);
    }

    /** Gathers headers and small contents into one buffer; large writes go straight through. */
    private static final class StreamOut implements WritableByteChannel {
        private final WritableByteChannel sink;
        private final ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);

        StreamOut(WritableByteChannel sink) {
            this.sink = sink;
        }

        void header(FatReader.Entry e, int mode) throws IOException {
            byte[] name = e.path().getBytes(StandardCharsets.UTF_8);
            ensure(FileHeader.SIZE + name.length + 1);
            new FileHeader(name.length + 1L, mode, e.size(), e.modified(), 0, e.modified(), 0).encode(buf);
            buf.put(name).put((byte) 0);
        }

        void end() throws IOException {
            ensure(FileHeader.SIZE);
            FileHeader.END.encode(buf);
            flush();
        }

        private void ensure(int n) throws IOException {
            if (buf.remaining() < n) {
                flush();
            }
        }

        private void flush() throws IOException {
            buf.flip();
            while (buf.hasRemaining()) {
                sink.write(buf);
            }
            buf.clear();
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = src.remaining();
            if (n <= buf.remaining()) {
                buf.put(src);
                return n;
            }
            flush();
            while (src.hasRemaining()) {
                sink.write(src);
            }
            return n;
        }

        @Override
        public boolean isOpen() {
            return sink.isOpen();
        }

        @Override
        public void close() {
            // The sink belongs to the caller.
        }
    }
}
