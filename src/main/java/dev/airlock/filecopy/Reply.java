package dev.airlock.filecopy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * The receiver's answer: {@code result_header} (error code, CRC-32 of everything it read) and, when there is a
 * last name, {@code result_header_ext}, as Qubes' {@code qfile-unpacker} answers.
 *
 * @param errorCode 0 or a Linux errno value (or {@link FilecopyErrors#LEGAL_EOF})
 * @param crc32     CRC-32 over every byte the receiver read
 * @param lastName  the last entry handled or the one that failed, raw bytes; {@code null} = no extension sent
 * @param conflicts airlock's conflict report after the Qubes reply, only for a sender that asked for it
 *                  ({@link Preamble#report()}); {@code null} = none, and the reply is byte for byte Qubes'
 */
public record Reply(int errorCode, long crc32, byte[] lastName, ConflictReport conflicts) {
    /** Size of {@code result_header}. */
    public static final int HEADER_SIZE = 16;
    /** Longest last name a sender accepts: a longer one is garbage. */
    public static final int MAX_LAST_NAME = 16383;

    public Reply {
        lastName = lastName == null ? null : lastName.clone();
    }

    /** A Qubes reply, without a conflict report. */
    public Reply(int errorCode, long crc32, byte[] lastName) {
        this(errorCode, crc32, lastName, null);
    }

    @Override
    public byte[] lastName() {
        return lastName == null ? null : lastName.clone();
    }

    /** The last name decoded for display (invalid UTF-8 shown with replacement characters). */
    public String lastNameText() {
        return lastName == null ? "" : new String(lastName, StandardCharsets.UTF_8);
    }

    public boolean success() {
        return errorCode == 0;
    }

    /** The bytes on the wire; with a conflict report the name extension is always present, empty if need be. */
    public byte[] encode() {
        byte[] name = lastName == null && conflicts != null ? new byte[0] : lastName;
        byte[] report = conflicts == null ? new byte[0] : conflicts.encode();
        int ext = name == null ? 0 : 4 + name.length;
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + ext + report.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(errorCode).putInt(0).putLong(crc32 & 0xffffffffL);
        if (name != null) {
            b.putInt(name.length).put(name);
        }
        return b.put(report).array();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Reply r && r.errorCode == errorCode && r.crc32 == crc32
                && Arrays.equals(r.lastName, lastName) && Objects.equals(r.conflicts, conflicts);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * errorCode + Long.hashCode(crc32)) + Arrays.hashCode(lastName))
                + Objects.hashCode(conflicts);
    }

    @Override
    public String toString() {
        return "Reply[errorCode=" + errorCode + ", crc32=0x" + Long.toHexString(crc32) + ", lastName="
                + (lastName == null ? "none" : "\"" + lastNameText() + "\"")
                + (conflicts == null ? "" : ", conflicts=" + conflicts) + "]";
    }
}
