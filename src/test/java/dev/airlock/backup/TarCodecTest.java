package dev.airlock.backup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The tar codec on byte arrays: round trips, split reads, truncation, and GNU tar reading what we write. */
class TarCodecTest {

    private static final String LONG = "d/" + "n".repeat(150) + "/" + "é".repeat(80) + ".txt";

    @TempDir
    Path dir;

    private static byte[] sample() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarWriter w = new TarWriter(out, false)) {
            w.begin(new TarEntry("d", TarEntry.Type.DIRECTORY, 0750, 1000, 1000, 0, 1_600_000_000L, null));
            w.add(TarEntry.file("d/a.txt", 0640, 5, 1_600_000_001L), "hello".getBytes(StandardCharsets.UTF_8));
            w.add(TarEntry.file(LONG, 0600, 3, 1_600_000_002L), "abc".getBytes(StandardCharsets.UTF_8));
            w.begin(new TarEntry("d/link", TarEntry.Type.SYMLINK, 0777, 0, 0, 0, 0, "/" + "t".repeat(200)));
            w.add(TarEntry.file("d/empty", 0644, 0, 0), new byte[0]);
        }
        return out.toByteArray();
    }

    private static List<String> read(InputStream in) throws IOException {
        TarReader r = new TarReader(in, "test");
        List<String> out = new ArrayList<>();
        for (TarEntry e = r.next(); e != null; e = r.next()) {
            out.add(e.type() + " " + e.name() + " " + Integer.toOctalString(e.mode()) + " " + e.mtime() + " "
                    + (e.linkTarget() != null ? e.linkTarget() : new String(r.data().readAllBytes(),
                    StandardCharsets.UTF_8)));
        }
        return out;
    }

    @Test
    void whatTheWriterWritesTheReaderReadsEvenOneByteAtATime() throws IOException {
        byte[] tar = sample();
        assertThat(tar.length % 10240).isZero();
        List<String> whole = read(new ByteArrayInputStream(tar));
        assertThat(whole).containsExactly("DIRECTORY d 750 1600000000 ", "FILE d/a.txt 640 1600000001 hello",
                "FILE " + LONG + " 600 1600000002 abc", "SYMLINK d/link 777 0 /" + "t".repeat(200),
                "FILE d/empty 644 0 ");
        InputStream trickle = new FilterInputStream(new ByteArrayInputStream(tar)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, 1));
            }
        };
        assertThat(read(trickle)).isEqualTo(whole);
    }

    @Test
    void aDirectorysDeclaredBytesAreSkippedNeverHandedOutAsData() throws IOException {
        // Found by the fuzzing of issue 17: a directory that declares bytes handed them out through data().
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarWriter w = new TarWriter(out, false)) {
            w.add(new TarEntry("d", TarEntry.Type.DIRECTORY, 0755, 0, 0, 0, 1_700_000_000L, null), new byte[0]);
            w.add(TarEntry.file("d/f", 0644, 3, 1_700_000_000L), "abc".getBytes(StandardCharsets.US_ASCII));
        }
        byte[] tar = out.toByteArray();
        byte[] hostile = new byte[tar.length + 512];
        System.arraycopy(tar, 0, hostile, 0, 512);
        System.arraycopy("00000000002\0".getBytes(StandardCharsets.US_ASCII), 0, hostile, 124, 12);
        Arrays.fill(hostile, 148, 156, (byte) ' ');
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += hostile[i] & 0xff;
        }
        System.arraycopy(String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII), 0, hostile, 148, 8);
        hostile[512] = 'x';
        hostile[513] = 'y';
        System.arraycopy(tar, 512, hostile, 1024, tar.length - 512);

        TarReader r = new TarReader(new ByteArrayInputStream(hostile), "the archive");
        TarEntry d = r.next();
        assertThat(d.type()).isEqualTo(TarEntry.Type.DIRECTORY);
        assertThat(d.size()).isZero();
        assertThat(r.data().readAllBytes()).as("data of a directory").isEmpty();
        TarEntry f = r.next();
        assertThat(f.name()).isEqualTo("d/f");
        assertThat(new String(r.data().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("abc");
    }

    @Test
    void anArchiveCutInsideAMemberIsRefused() throws IOException {
        byte[] tar = sample();
        for (int cut = 1; cut < 3 * 512; cut += 97) {
            byte[] part = Arrays.copyOf(tar, cut);
            assertThatThrownBy(() -> read(new ByteArrayInputStream(part))).isInstanceOf(BackupFormatException.class)
                    .hasMessageContaining("truncated");
        }
    }

    @Test
    void aHeaderWithABadChecksumIsRefused() throws IOException {
        byte[] tar = sample();
        tar[0] ^= 1;
        assertThatThrownBy(() -> read(new ByteArrayInputStream(tar))).isInstanceOf(BackupFormatException.class)
                .hasMessageContaining("checksum");
    }

    @Test
    void gnuTarReadsWhatTheWriterWrites() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/tar")), "GNU tar is not installed");
        Path file = Files.write(dir.resolve("t.tar"), sample());
        Path out = Files.createDirectory(dir.resolve("out"));
        Process p = new ProcessBuilder("tar", "-xf", file.toString(), "-C", out.toString()).redirectErrorStream(true)
                .start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(log).isZero();
        assertThat(out.resolve("d/a.txt")).hasContent("hello");
        assertThat(out.resolve(LONG)).hasContent("abc");
        assertThat(Files.readSymbolicLink(out.resolve("d/link")).toString()).isEqualTo("/" + "t".repeat(200));
        assertThat(Files.getLastModifiedTime(out.resolve("d/a.txt")).toMillis()).isEqualTo(1_600_000_001_000L);
    }

    @Test
    void theReaderReadsGnuTarsPosixArchives() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/tar")), "GNU tar is not installed");
        Path src = Files.createDirectories(dir.resolve("src/" + LONG).getParent());
        Files.writeString(src.resolve(Path.of(LONG).getFileName().toString()), "abc");
        Process p = new ProcessBuilder("tar", "--posix", "-cf", dir.resolve("g.tar").toString(), "-C",
                dir.resolve("src").toString(), "d").redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(log).isZero();
        assertThat(read(Files.newInputStream(dir.resolve("g.tar")))).anyMatch(s -> s.startsWith("FILE " + LONG + " ")
                && s.endsWith(" abc"));
    }
}
