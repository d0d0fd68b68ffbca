package dev.airlock.qrexec;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds raw frames byte by byte, so that tests can say things no valid {@link Message} can. */
final class Frames {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Frames u16(int v) {
        return put(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) v).array());
    }

    Frames u32(long v) {
        return put(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
    }

    Frames u64(long v) {
        return put(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    /** A u16-length string of the given bytes. */
    Frames str(byte[] b) {
        return u16(b.length).put(b);
    }

    Frames str(String s) {
        return str(s.getBytes(StandardCharsets.UTF_8));
    }

    Frames put(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    /** A header and the payload built so far. */
    byte[] frame(int type) {
        byte[] payload = bytes();
        return new Frames().u32(type).u32(payload.length).put(payload).bytes();
    }

    static byte[] header(int type, long len) {
        return new Frames().u32(type).u32(len).bytes();
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }
}
