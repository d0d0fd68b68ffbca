package dev.airlock.backup.io;

import dev.airlock.backup.BackupHeader;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;

/**
 * The compression of inner streams ({@code docs/backup.md} section 7): gzip in this process, on all cores but as
 * one gzip member ({@link ParallelGzipOutputStream}); the other listed
 * filters ({@link BackupHeader#FILTERS}) by running the program of that name, never through a shell, with no
 * argument to compress and {@code -d} to decompress.
 */
final class Compression {

    private Compression() {
    }

    /** A stream whose bytes reach {@code sink} compressed; closing it closes {@code sink}. */
    static OutputStream compress(String filter, OutputStream sink) throws IOException {
        requireListed(filter);
        if (filter.equals("gzip")) {
            return new ParallelGzipOutputStream(sink);
        }
        Process p = start(filter);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread pump = Thread.ofPlatform().name("backup-" + filter).start(() -> {
            try (InputStream out = p.getInputStream()) {
                out.transferTo(sink);
                sink.close();
            } catch (Throwable t) {
                failure.set(t);
                p.destroy();
            }
        });
        return new FilterOutputStream(p.getOutputStream()) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                try {
                    out.close();
                } finally {
                    finish(filter, p, pump, failure);
                }
            }
        };
    }

    /** The decompressed bytes of {@code source}, read on another thread when a program decompresses. */
    static InputStream decompress(String filter, InputStream source) throws IOException {
        requireListed(filter);
        if (filter.equals("gzip")) {
            return new GZIPInputStream(source, 1 << 16);
        }
        Process p = start(filter, "-d");
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread feed = Thread.ofPlatform().name("restore-" + filter).start(() -> {
            try (OutputStream in = p.getOutputStream()) {
                source.transferTo(in);
            } catch (Throwable t) {
                failure.set(t);
                p.destroy();
            }
        });
        return new FilterInputStream(p.getInputStream()) {
            private boolean finished;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = in.read(b, off, len);
                if (n < 0 && !finished) {
                    finished = true;
                    finish(filter, p, feed, failure);
                }
                return n;
            }

            @Override
            public void close() throws IOException {
                in.close();
                if (!finished) {
                    finished = true;
                    p.destroy();
                    join(feed);
                }
            }
        };
    }

    private static void requireListed(String filter) {
        if (!BackupHeader.FILTERS.contains(filter)) {
            throw new IllegalArgumentException("compression filter \"" + filter + "\" is not one of "
                    + String.join(", ", BackupHeader.FILTERS));
        }
    }

    private static Process start(String... command) throws IOException {
        try {
            return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new IOException("cannot run compression filter " + command[0] + " (is it installed?)", e);
        }
    }

    private static void finish(String filter, Process p, Thread helper, AtomicReference<Throwable> failure)
            throws IOException {
        join(helper);
        int code;
        try {
            code = p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroy();
            throw new IOException("interrupted while waiting for " + filter);
        }
        Throwable t = failure.get();
        if (t instanceof IOException io) {
            throw io;
        }
        if (t != null) {
            throw new IOException(filter + " failed: " + t, t);
        }
        if (code != 0) {
            throw new IOException("compression filter " + filter + " failed (exit status " + code + ")");
        }
    }

    private static void join(Thread t) throws IOException {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }
}
