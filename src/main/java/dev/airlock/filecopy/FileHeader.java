package dev.airlock.filecopy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 32-byte {@code file_header} of a {@code qubes.Filecopy} stream (as Qubes' {@code qfile-agent} writes it).
 * Unsigned 32-bit fields are held in {@code long}s so that hostile values stay positive; {@code filelen} is the raw u64
 * and is negative when the sender claimed more than {@link Long#MAX_VALUE} bytes.
 */
public record FileHeader(long namelen, int mode, long filelen, long atime, long atimeNsec, long mtime,
                         long mtimeNsec) {
    /** Encoded size in bytes. */
    public static final int SIZE = 32;
    /** The end marker: all zero. */
    public static final FileHeader END = new FileHeader(0, 0, 0, 0, 0, 0, 0);

    /** True for the end marker (the receiver only looks at {@code namelen}). */
    public boolean isEnd() {
        return namelen == 0;
    }

    /** Reads a header from the next 32 bytes of {@code in} (any byte order; the format's is little-endian). */
    public static FileHeader decode(ByteBuffer in) {
        ByteBuffer b = in.slice(in.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN);
        in.position(in.position() + SIZE);
        return new FileHeader(
                Integer.toUnsignedLong(b.getInt(0)),
                b.getInt(4),
                b.getLong(8),
                Integer.toUnsignedLong(b.getInt(16)),
                Integer.toUnsignedLong(b.getInt(20)),
                Integer.toUnsignedLong(b.getInt(24)),
                Integer.toUnsignedLong(b.getInt(28)));
    }

    /** Writes the 32 bytes of this header at the position of {@code out} and advances it. */
    public void encode(ByteBuffer out) {
        ByteBuffer b = out.slice(out.position(), SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, (int) namelen);
        b.putInt(4, mode);
        b.putLong(8, filelen);
        b.putInt(16, (int) atime);
        b.putInt(20, (int) atimeNsec);
        b.putInt(24, (int) mtime);
        b.putInt(28, (int) mtimeNsec);
        out.position(out.position() + SIZE);
    }
}
