package dev.airlock.filecopy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;

/** Decodes a receiver's {@link Reply} from a channel, treating the receiver as untrusted. */
final class ReplyReader {
    private ReplyReader() {
    }

    /**
     * Reads one reply. Throws {@link TransferException} when the receiver closed without answering or answered
     * something that is not a reply (short header, non-zero padding, a CRC wider than 32 bits, an oversized or
     * truncated last name).
     */
    static Reply read(ReadableByteChannel in) throws IOException {
        return read(in, false);
    }

    /**
     * Reads one reply and, when {@code report} (the sender announced it reads one), the {@link ConflictReport}
     * after it. A receiver that stops where the report would start sent none: a Qubes receiver, or an airlock one
     * that refused the stream before it read the announcement.
     */
    static Reply read(ReadableByteChannel in, boolean report) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(Reply.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        int got = readFully(in, head);
        if (got == 0) {
            throw new TransferException("the receiver closed the connection without answering (it may have crashed"
                    + " or been refused)");
        }
        if (got < Reply.HEADER_SIZE) {
            throw garbage("its answer is too short");
        }
        int code = head.getInt(0);
        int pad = head.getInt(4);
        long crc = head.getLong(8);
        if (pad != 0 || (crc >>> 32) != 0) {
            throw garbage("its answer is not a file-copy reply");
        }
        ByteBuffer len = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        got = readFully(in, len);
        if (got == 0) {
            return new Reply(code, crc, null);
        }
        if (got < 4) {
            throw garbage("its answer is truncated");
        }
        long nameLen = Integer.toUnsignedLong(len.getInt(0));
        if (nameLen > Reply.MAX_LAST_NAME) {
            throw garbage("its answer names a file of " + nameLen + " bytes");
        }
        ByteBuffer name = ByteBuffer.allocate((int) nameLen);
        if (readFully(in, name) < nameLen) {
            throw garbage("its answer is truncated");
        }
        return new Reply(code, crc, name.array(), report ? readReport(in) : null);
    }

    private static ConflictReport readReport(ReadableByteChannel in) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(ConflictReport.HEAD_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        int got = readFully(in, head);
        if (got == 0) {
            return null;
        }
        if (got < ConflictReport.HEAD_SIZE) {
            throw garbage("its conflict report is truncated");
        }
        return ConflictReport.read(head, in);
    }

    private static TransferException garbage(String why) {
        return new TransferException("the receiver answered garbage: " + why);
    }

    /** Fills {@code b} or stops at end of input; returns the count read. */
    private static int readFully(ReadableByteChannel in, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (in.read(b) < 0) {
                break;
            }
        }
        return b.position();
    }
}
