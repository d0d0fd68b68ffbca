package dev.airlock.backup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The scrypt container: our code and tarsnap's {@code scrypt} program read each other's files byte for byte. */
class ScryptFileTest {

    private static final ScryptParams FAST = new ScryptParams(10, 8, 1);
    private static final ScryptFile.Limits LIMITS = new ScryptFile.Limits(256L << 20, 4L << 30);
    private static final byte[] KEY = "id!vm1/home.000!hunter2".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private static byte[] data(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private static byte[] open(byte[] key, byte[] file) throws IOException {
        byte[] copy = file.clone();
        int n = ScryptFile.open(key, copy, copy.length, LIMITS);
        return Arrays.copyOfRange(copy, ScryptFile.HEADER_BYTES, ScryptFile.HEADER_BYTES + n);
    }

    @Test
    void sealedDataOpensWithTheSameKeyString() throws IOException {
        for (int n : List.of(0, 1, 15, 16, 17, 100_000)) {
            byte[] plain = data(n);
            byte[] file = ScryptFile.sealWhole(KEY, FAST, plain);
            assertThat(file).hasSize(n + ScryptFile.OVERHEAD);
            assertThat(open(KEY, file)).isEqualTo(plain);
        }
    }

    private boolean scryptInstalled() {
        return Files.isExecutable(Path.of("/usr/bin/scrypt"));
    }

    private int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("scrypt.log").toFile()).start();
        return p.waitFor();
    }

    @Test
    void ourFilesDecryptWithTheScryptProgram() throws Exception {
        assumeTrue(scryptInstalled(), "the scrypt program (Debian package scrypt) is not installed");
        Path pass = Files.writeString(dir.resolve("pass"), new String(KEY, StandardCharsets.UTF_8) + "\n");
        byte[] plain = data(300_000);
        Files.write(dir.resolve("ours.enc"), ScryptFile.sealWhole(KEY, FAST, plain));
        assertThat(run("scrypt", "dec", "--passphrase", "file:" + pass, dir.resolve("ours.enc").toString(),
                dir.resolve("ours.out").toString())).as(Files.readString(dir.resolve("scrypt.log"))).isZero();
        assertThat(Files.readAllBytes(dir.resolve("ours.out"))).isEqualTo(plain);
    }

    @Test
    void theScryptProgramsFilesOpenWithOurCode() throws Exception {
        assumeTrue(scryptInstalled(), "the scrypt program (Debian package scrypt) is not installed");
        Path pass = Files.writeString(dir.resolve("pass"), new String(KEY, StandardCharsets.UTF_8) + "\n");
        byte[] plain = data(300_001);
        Files.write(dir.resolve("plain"), plain);
        assertThat(run("scrypt", "enc", "--passphrase", "file:" + pass, "--logN", "11", "-r", "8", "-p", "2",
                dir.resolve("plain").toString(), dir.resolve("theirs.enc").toString())).isZero();
        byte[] file = Files.readAllBytes(dir.resolve("theirs.enc"));
        assertThat(ScryptFile.params(file, file.length)).isEqualTo(new ScryptParams(11, 8, 2));
        assertThat(open(KEY, file)).isEqualTo(plain);
    }

    @Test
    void defaultParametersAreAcceptedByScryptDecWithoutForce() throws Exception {
        assumeTrue(scryptInstalled(), "the scrypt program (Debian package scrypt) is not installed");
        Path pass = Files.writeString(dir.resolve("pass"), new String(KEY, StandardCharsets.UTF_8) + "\n");
        Files.write(dir.resolve("default.enc"), ScryptFile.sealWhole(KEY, ScryptParams.DEFAULT, data(10)));
        assertThat(run("scrypt", "dec", "--passphrase", "file:" + pass, dir.resolve("default.enc").toString(),
                dir.resolve("default.out").toString())).as(Files.readString(dir.resolve("scrypt.log"))).isZero();
        assertThat(Files.readAllBytes(dir.resolve("default.out"))).isEqualTo(data(10));
    }

    @Test
    void aWrongKeyStringIsRefusedAndNothingIsDecrypted() {
        byte[] file = ScryptFile.sealWhole(KEY, FAST, data(1000));
        byte[] copy = file.clone();
        assertThatThrownBy(() -> ScryptFile.open("id!vm1/home.001!hunter2".getBytes(StandardCharsets.UTF_8), copy,
                copy.length, LIMITS)).isInstanceOf(BackupFormatException.class).hasMessageContaining("incorrect");
        assertThat(copy).isEqualTo(file);
    }

    @Test
    void aChangedDataByteFailsTheFinalHmacAndNothingIsDecrypted() {
        byte[] file = ScryptFile.sealWhole(KEY, FAST, data(1000));
        file[500] ^= 1;
        byte[] copy = file.clone();
        assertThatThrownBy(() -> ScryptFile.open(KEY, copy, copy.length, LIMITS))
                .isInstanceOf(BackupFormatException.class).hasMessageContaining("changed or cut");
        assertThat(copy).isEqualTo(file);
    }

    @Test
    void aTruncatedFileIsRefused() {
        byte[] file = ScryptFile.sealWhole(KEY, FAST, data(1000));
        assertThatThrownBy(() -> ScryptFile.open(KEY, file, file.length - 1, LIMITS))
                .isInstanceOf(BackupFormatException.class).hasMessageContaining("changed or cut");
        assertThatThrownBy(() -> ScryptFile.open(KEY, file, 50, LIMITS))
                .isInstanceOf(BackupFormatException.class).hasMessageContaining("truncated");
    }

    /** A header whose checksum is right but whose parameters ask for 2^40 blocks: refused before the KDF runs. */
    @Test
    void scryptParametersAskingForMoreMemoryThanAllowedAreRefusedBeforeDerivingAKey() throws Exception {
        for (int logN : List.of(21, 40, 63)) {
            byte[] file = ScryptFile.sealWhole(KEY, FAST, data(100));
            file[7] = (byte) logN;
            System.arraycopy(MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(file, 48)), 0, file, 48, 16);
            long start = System.nanoTime();
            assertThatThrownBy(() -> ScryptFile.open(KEY, file, file.length, LIMITS))
                    .isInstanceOf(BackupFormatException.class).hasMessageContaining("more than the limit");
            assertThat(System.nanoTime() - start).as("no key was derived").isLessThan(1_000_000_000L);
        }
        byte[] hugeP = ScryptFile.sealWhole(KEY, FAST, data(100));
        ByteBuffer.wrap(hugeP, 12, 4).putInt(1 << 20);
        System.arraycopy(MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(hugeP, 48)), 0, hugeP, 48, 16);
        assertThatThrownBy(() -> ScryptFile.open(KEY, hugeP, hugeP.length, LIMITS))
                .isInstanceOf(BackupFormatException.class).hasMessageContaining("more than the limit");
    }

    @Test
    void aCorruptHeaderChecksumIsRefused() {
        byte[] file = ScryptFile.sealWhole(KEY, FAST, data(100));
        file[20] ^= 1;
        assertThatThrownBy(() -> ScryptFile.open(KEY, file, file.length, LIMITS))
                .isInstanceOf(BackupFormatException.class).hasMessageContaining("checksum");
    }
}
