package dev.airlock.backup;

import org.bouncycastle.crypto.generators.SCrypt;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The file format of tarsnap's {@code scrypt enc}, version 0 ({@code docs/backup.md} section 6): a 96-byte
 * header (magic, parameters, salt, checksum, HMAC of the header), the data under AES-256-CTR, and an HMAC-SHA256
 * of everything before it. Works on buffers handed to it; encryption and decryption happen in place so that a
 * 100 MiB chunk is never copied.
 */
public final class ScryptFile {

    /** Header bytes before the data. */
    public static final int HEADER_BYTES = 96;
    /** Bytes a file has beyond its data: the header and the final HMAC. */
    public static final int OVERHEAD = HEADER_BYTES + 32;

    private static final byte[] MAGIC = "scrypt".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    private ScryptFile() {
    }

    /** An encrypted file in three parts, so the data can stay in the caller's buffer. */
    public record Sealed(byte[] header, byte[] data, int length, byte[] mac) {
        /** The file's size: {@link #OVERHEAD} more than the data. */
        public long size() {
            return (long) length + OVERHEAD;
        }
    }

    /** What a reader accepts before it derives a key: the parameters' memory and work. */
    public record Limits(long maxMemoryBytes, long maxWorkBytes) {
    }

    /**
     * Encrypts {@code data[0..length)} in place under {@code keyString} with a fresh random salt.
     *
     * @param keyString the passphrase handed to scrypt (see {@link KeyStrings})
     */
    public static Sealed seal(byte[] keyString, ScryptParams params, byte[] data, int length) {
        byte[] salt = new byte[32];
        RANDOM.nextBytes(salt);
        byte[] header = new byte[HEADER_BYTES];
        ByteBuffer b = ByteBuffer.wrap(header);
        b.put(MAGIC).put((byte) 0).put((byte) params.logN()).putInt(params.r()).putInt(params.p()).put(salt);
        b.put(Arrays.copyOf(sha256(header, 48), 16));
        byte[] dk = derive(keyString, salt, params);
        try {
            Mac mac = hmac(dk);
            mac.update(header, 0, 64);
            System.arraycopy(mac.doFinal(), 0, header, 64, 32);
            cryptAt(dk, data, 0, length);
            mac.update(header);
            mac.update(data, 0, length);
            return new Sealed(header, data, length, mac.doFinal());
        } finally {
            Arrays.fill(dk, (byte) 0);
        }
    }

    /** {@link #seal} into one array: header, data, HMAC. */
    public static byte[] sealWhole(byte[] keyString, ScryptParams params, byte[] plaintext) {
        byte[] data = plaintext.clone();
        Sealed s = seal(keyString, params, data, data.length);
        byte[] out = new byte[(int) s.size()];
        System.arraycopy(s.header(), 0, out, 0, HEADER_BYTES);
        System.arraycopy(data, 0, out, HEADER_BYTES, data.length);
        System.arraycopy(s.mac(), 0, out, HEADER_BYTES + data.length, 32);
        return out;
    }

    /** The parameters in a file's header, checked for format only: nothing is authenticated yet. */
    public static ScryptParams params(byte[] file, int length) throws BackupFormatException {
        if (length < OVERHEAD) {
            throw new BackupFormatException("it is truncated (" + length + " bytes, an encrypted file has at least "
                    + OVERHEAD + ")");
        }
        if (!Arrays.equals(file, 0, 6, MAGIC, 0, 6)) {
            throw new BackupFormatException("it is not a scrypt-encrypted file");
        }
        if (file[6] != 0) {
            throw new BackupFormatException("it is scrypt format version " + (file[6] & 0xff) + ", not 0");
        }
        if (!Arrays.equals(file, 48, 64, sha256(file, 48), 0, 16)) {
            throw new BackupFormatException("its scrypt header is corrupt (checksum mismatch)");
        }
        ByteBuffer b = ByteBuffer.wrap(file, 7, 9);
        int logN = b.get() & 0xff;
        int r = b.getInt();
        int p = b.getInt();
        try {
            return new ScryptParams(logN, r, p);
        } catch (IllegalArgumentException e) {
            throw new BackupFormatException("its " + e.getMessage());
        }
    }

    /**
     * Authenticates {@code file[0..length)} and only then decrypts its data in place.
     *
     * @return the length of the plaintext, now at {@code file[HEADER_BYTES..)}
     * @throws BackupFormatException if the file is malformed, its parameters exceed {@code limits}, the key
     *                               string is wrong, or the data was changed; the buffer's data is then still
     *                               encrypted
     */
    public static int open(byte[] keyString, byte[] file, int length, Limits limits) throws BackupFormatException {
        ScryptParams params = params(file, length);
        if (params.logN() > 30 || params.memoryBytes() > limits.maxMemoryBytes() || params.workBytes() > limits.maxWorkBytes()) {
            throw new BackupFormatException("its scrypt parameters (N=2^" + params.logN() + ", r=" + params.r()
                    + ", p=" + params.p() + ") ask for " + mib(params.memoryBytes()) + " MiB of memory and "
                    + mib(params.workBytes()) + " MiB of work, more than the limit of "
                    + mib(limits.maxMemoryBytes()) + " MiB and " + mib(limits.maxWorkBytes()) + " MiB");
        }
        byte[] dk;
        try {
            dk = derive(keyString, Arrays.copyOfRange(file, 16, 48), params);
        } catch (IllegalArgumentException e) {
            throw new BackupFormatException("its scrypt parameters are not usable: " + e.getMessage());
        }
        try {
            Mac mac = hmac(dk);
            mac.update(file, 0, 64);
            if (!MessageDigest.isEqual(mac.doFinal(), Arrays.copyOfRange(file, 64, 96))) {
                throw new BackupFormatException("the passphrase is incorrect, or it belongs to another file or "
                        + "another backup");
            }
            int dataLength = length - OVERHEAD;
            mac.update(file, 0, HEADER_BYTES + dataLength);
            if (!MessageDigest.isEqual(mac.doFinal(), Arrays.copyOfRange(file, length - 32, length))) {
                throw new BackupFormatException("its data was changed or cut (the HMAC does not match)");
            }
            cryptAt(dk, file, HEADER_BYTES, dataLength);
            return dataLength;
        } finally {
            Arrays.fill(dk, (byte) 0);
        }
    }

    private static long mib(long bytes) {
        return bytes >> 20;
    }

    private static byte[] derive(byte[] keyString, byte[] salt, ScryptParams params) {
        return SCrypt.generate(keyString, salt, 1 << params.logN(), params.r(), params.p(), 64);
    }

    private static Mac hmac(byte[] dk) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(dk, 32, 32, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks HMAC-SHA256", e);
        }
    }

    /** AES-256-CTR with a 128-bit big-endian counter from zero, in place. */
    private static void cryptAt(byte[] dk, byte[] data, int offset, int length) {
        try {
            Cipher aes = Cipher.getInstance("AES/CTR/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(dk, 0, 32, "AES"), new IvParameterSpec(new byte[16]));
            int step = 1 << 20;
            for (int at = offset; at < offset + length; at += step) {
                int n = Math.min(step, offset + length - at);
                aes.update(data, at, n, data, at);
            }
            aes.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks AES-256-CTR", e);
        }
    }

    private static byte[] sha256(byte[] data, int length) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(data, 0, length);
            return d.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}
