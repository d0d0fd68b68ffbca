package dev.airlock.openinvm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The legacy {@code struct dvm_header { u64 file_size; char name[1016]; }} of the virtual-pendrive era: 1024 bytes,
 * little-endian, written raw before the file's content.
 *
 * @param fileSize size of the content that follows, 0 or more
 * @param name     the base name: 1 to 1015 bytes of UTF-8, no {@code /} and no NUL
 */
public record DvmHeader(long fileSize, String name) {
    /** Size of the header on the wire. */
    public static final int SIZE = 1024;
    /** Size of the name field, including its terminating NUL. */
    public static final int NAME_SIZE = SIZE - Long.BYTES;

    /** Thrown for a header that must be refused. */
    public static final class InvalidHeaderException extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidHeaderException(String message) {
            super(message, null, false, false);
        }
    }

    public DvmHeader {
        if (fileSize < 0) {
            throw new IllegalArgumentException("negative file size");
        }
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        if (b.length == 0 || b.length > NAME_SIZE - 1 || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("not a base name for a dvm_header: " + name);
        }
    }

    /** Writes the 1024 bytes of this header into {@code out} (at its position, which advances). */
    public void encode(ByteBuffer out) {
        ByteBuffer b = out.slice(out.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(fileSize);
        b.put(name.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            b.put((byte) 0);
        }
        out.position(out.position() + SIZE);
    }

    /** This header as 1024 bytes. */
    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        encode(b);
        return b.array();
    }

    /**
     * Reads a header from the next 1024 bytes of {@code in} (which advances past them), fail-closed: fewer bytes, a
     * size over {@code maxFileSize} (a u64 above 2^63 counts as over), a name without NUL, an empty name, bytes
     * after the name's NUL, a {@code /}, or a name that is not UTF-8 is an error.
     */
    public static DvmHeader decode(ByteBuffer in, long maxFileSize) throws InvalidHeaderException {
        if (in.remaining() < SIZE) {
            throw new InvalidHeaderException("truncated dvm_header: " + in.remaining() + " of " + SIZE + " bytes");
        }
        ByteBuffer b = in.slice(in.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN);
        long size = b.getLong();
        if (size < 0 || size > maxFileSize) {
            throw new InvalidHeaderException("dvm_header file size " + Long.toUnsignedString(size)
                    + " is over the limit of " + maxFileSize + " bytes");
        }
        byte[] field = new byte[NAME_SIZE];
        b.get(field);
        int end = 0;
        while (end < NAME_SIZE && field[end] != 0) {
            end++;
        }
        if (end == NAME_SIZE) {
            throw new InvalidHeaderException("dvm_header name is not NUL-terminated");
        }
        if (end == 0) {
            throw new InvalidHeaderException("dvm_header has an empty name");
        }
        for (int i = end; i < NAME_SIZE; i++) {
            if (field[i] != 0) {
                throw new InvalidHeaderException("dvm_header has bytes after its name");
            }
        }
        for (int i = 0; i < end; i++) {
            if (field[i] == '/') {
                throw new InvalidHeaderException("dvm_header name contains '/'");
            }
        }
        String name;
        try {
            name = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(field, 0, end)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidHeaderException("dvm_header name is not UTF-8");
        }
        in.position(in.position() + SIZE);
        return new DvmHeader(size, name);
    }
}
