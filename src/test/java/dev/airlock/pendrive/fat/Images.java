package dev.airlock.pendrive.fat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.util.LinkedHashMap;
import java.util.Map;

/** Helpers for tests: small images, and reading a whole tree back into memory. */
final class Images {
    /** The smallest handy FAT32 size: 512-byte clusters, about 80,000 of them. */
    static final long SMALL = 40L << 20;

    private Images() {
    }

    static MemoryDevice formatted(long size, String label) throws IOException {
        MemoryDevice d = new MemoryDevice(size);
        Formatter.format(d, label);
        return d;
    }

    static void writeFile(FatWriter.Directory dir, String name, byte[] content) throws IOException {
        dir.writeFile(name, Channels.newChannel(new java.io.ByteArrayInputStream(content)), content.length,
                1_700_000_000L);
    }

    /** Every path with its content ({@code null} for a directory), in walk order. */
    static Map<String, byte[]> readAll(BlockDevice device) throws IOException {
        return readAll(device, FatReader.Options.defaults());
    }

    static Map<String, byte[]> readAll(BlockDevice device, FatReader.Options options) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        FatReader.open(device, options).walk(new FatReader.Visitor() {
            @Override
            public void directory(FatReader.Entry d) {
                out.put(d.path(), null);
            }

            @Override
            public void file(FatReader.Entry f, FatReader.Content content) throws IOException {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                content.transferTo(Channels.newChannel(bytes));
                out.put(f.path(), bytes.toByteArray());
            }

            @Override
            public void leaveDirectory(FatReader.Entry d) {
                // nothing to do
            }
        });
        return out;
    }

    /** Walks and reads every file into a sink that counts and drops; returns the bytes read. */
    static long drain(BlockDevice device, FatReader.Options options) throws IOException {
        long[] total = new long[1];
        WritableByteChannel sink = new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) {
                int n = src.remaining();
                src.position(src.limit());
                total[0] += n;
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
                // nothing to close
            }
        };
        FatReader.open(device, options).walk(new FatReader.Visitor() {
            @Override
            public void directory(FatReader.Entry d) {
                // nothing to do
            }

            @Override
            public void file(FatReader.Entry f, FatReader.Content content) throws IOException {
                content.transferTo(sink);
            }

            @Override
            public void leaveDirectory(FatReader.Entry d) {
                // nothing to do
            }
        });
        return total[0];
    }
}
