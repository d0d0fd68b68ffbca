package dev.airlock.backup;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of the parts of a backup as they land (issue 17): the scrypt container, the tar stream,
 * the backup header and {@code qubes.xml}. Only {@link BackupFormatException} may escape (an {@link IOException}
 * for the tar stream), and each keeps its own promises: a refused scrypt file is left as it was (still encrypted)
 * and its parameters were within the limits before any key was derived; the tar reader's names and sizes are
 * bounded, its data matches the declared sizes and its offset counts exactly the bytes it took; a header and a
 * {@code qubes.xml} it accepts format to text that parses to the same thing.
 */
class BackupFuzzTest {
    /** The test passphrase's key string; the seeds are sealed with it at N = 2^3 and 2^4, so derivations are cheap. */
    private static final byte[] KEY = KeyStrings.header("fuzz passphrase");
    /** Small enough that no input can make one derivation slow, large enough for the seeds' N = 2^4, r = 8. */
    private static final ScryptFile.Limits LIMITS = new ScryptFile.Limits(64 << 10, 256 << 10);

    @FuzzTest(maxDuration = "10m")
    void scryptFile(byte[] data) throws BackupFormatException {
        if (data.length == 0) {
            return;
        }
        byte[] file = Arrays.copyOfRange(data, 1, data.length);
        if ((data[0] & 1) != 0 && file.length >= 64) {
            // A fuzzer cannot find a SHA-256; put the right one in, so the checks behind it are reached.
            System.arraycopy(sha256(file, 48), 0, file, 48, 16);
        }
        byte[] before = file.clone();
        int length;
        try {
            length = ScryptFile.open(KEY, file, file.length, LIMITS);
        } catch (BackupFormatException refused) {
            assertThat(file).as("a refused file is left as it came").isEqualTo(before);
            return;
        }
        ScryptParams params = ScryptFile.params(before, before.length);
        assertThat(params.memoryBytes()).isLessThanOrEqualTo(LIMITS.maxMemoryBytes());
        assertThat(params.workBytes()).isLessThanOrEqualTo(LIMITS.maxWorkBytes());
        assertThat(length).isEqualTo(before.length - ScryptFile.OVERHEAD);
    }

    @FuzzTest(maxDuration = "10m")
    void tar(byte[] data) throws IOException {
        if (data.length > 0 && (data[0] & 1) != 0) {
            data = withChecksums(data);
        }
        Counting in = new Counting(new ByteArrayInputStream(data));
        TarReader reader = new TarReader(in, "the fuzzed archive");
        int members = 0;
        try {
            for (TarEntry e = reader.next(); e != null; e = reader.next()) {
                assertThat(++members).as("members").isLessThanOrEqualTo(data.length / 512);
                assertThat(e.name().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(
                        TarReader.MAX_NAME_BYTES);
                assertThat(e.name()).doesNotMatch("(?s).*[\\x00-\\x1f\\x7f].*");
                if (e.linkTarget() != null) {
                    assertThat(e.linkTarget().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(
                            TarReader.MAX_NAME_BYTES);
                }
                // A declared size may exceed the stream: the reader finds the cut when it gets there, and callers
                // judge the size against their own limits before they allocate anything for it.
                assertThat(e.size()).isNotNegative();
                if (members % 2 == 0) {
                    long got = reader.data().transferTo(OutputSink.INSTANCE);
                    assertThat(got).as("data of %s", e.name()).isEqualTo(e.size());
                }
                assertThat(reader.offset()).as("offset against the bytes taken").isEqualTo(in.count);
            }
            assertThat(reader.offset()).isEqualTo(in.count);
        } catch (BackupFormatException refused) {
            // Refused where it is not a tar archive we accept.
        }
    }

    @FuzzTest(maxDuration = "10m")
    void backupHeader(byte[] data) throws BackupFormatException {
        BackupHeader h;
        try {
            h = BackupHeader.parse(data);
        } catch (BackupFormatException refused) {
            return;
        }
        assertThat(data.length).isLessThanOrEqualTo(BackupHeader.MAX_BYTES);
        assertThat(h.filter()).isIn(BackupHeader.FILTERS);
        assertThat(BackupHeader.parse(h.format())).as("the header formats to text that reads the same").isEqualTo(h);
    }

    @FuzzTest(maxDuration = "10m")
    void qubesXml(byte[] data) throws BackupFormatException {
        QubesXml x;
        try {
            x = QubesXml.parse(data);
        } catch (BackupFormatException refused) {
            return;
        }
        assertThat(data.length).isLessThanOrEqualTo(QubesXml.MAX_BYTES);
        assertThat(QubesXml.parse(x.format())).as("qubes.xml formats to text that reads the same").isEqualTo(x);
    }

    /** Puts the right checksum into every block that is not all zero (zero blocks end an archive). */
    private static byte[] withChecksums(byte[] data) {
        byte[] d = Arrays.copyOfRange(data, 1, data.length);
        for (int at = 0; at + 512 <= d.length; at += 512) {
            boolean zero = true;
            for (int i = at; i < at + 512 && zero; i++) {
                zero = d[i] == 0;
            }
            if (zero) {
                continue;
            }
            Arrays.fill(d, at + 148, at + 156, (byte) ' ');
            long sum = 0;
            for (int i = at; i < at + 512; i++) {
                sum += d[i] & 0xff;
            }
            byte[] octal = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(octal, 0, d, at + 148, 8);
        }
        return d;
    }

    private static byte[] sha256(byte[] data, int length) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(data, 0, length);
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Counts the bytes the reader took from the stream. */
    private static final class Counting extends InputStream {
        private final InputStream in;
        long count;

        Counting(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }

    /** Discards what it is given. */
    private static final class OutputSink extends java.io.OutputStream {
        static final OutputSink INSTANCE = new OutputSink();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }
}
