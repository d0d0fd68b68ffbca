package dev.airlock.door;

import dev.airlock.qrexec.FrameReader;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The framing on a door's two pipes, shared by the thin client and the resident server: one type byte, a 4-byte
 * big-endian length, the body. Each type has its own bound, judged before the body is read, so a hostile length
 * costs nothing (the frames are read by {@link FrameReader}, the project's one reader of untrusted framing).
 */
public final class DoorWire {
    /** Client to server: the request, once, first. */
    public static final byte REQUEST = 'Q';
    /** Client to server: bytes of the client's standard input. */
    public static final byte STDIN = 'I';
    /** Client to server: the client's standard input ended. */
    public static final byte STDIN_END = 'E';
    /** Server to client: the server took the request (the client's watchdog stops waiting). */
    public static final byte TAKEN = 'A';
    /**
     * Server to client: the command reads its standard input; only then does the client read its own (a client
     * that read its terminal eagerly would take what the user types ahead for the next command).
     */
    public static final byte STDIN_WANTED = 'W';
    /**
     * Server to client: the message to show if the server's answer ends without an exit code (the broker died), in
     * the command's words.
     */
    public static final byte IF_LOST = 'L';
    /** The longest {@link #IF_LOST} message. */
    public static final int MAX_IF_LOST = 1024;
    /** Server to client: bytes for standard output. */
    public static final byte STDOUT = 'O';
    /** Server to client: bytes for standard error. */
    public static final byte STDERR = 'X';
    /** Server to client: the exit code (4 bytes); the last frame. */
    public static final byte EXIT = 'C';
    /** Server to client: this command does not run here; the client runs it itself. The last frame. */
    public static final byte NOT_SERVED = 'N';

    /** The largest request: argv, working directory and environment. */
    public static final int MAX_REQUEST = 256 * 1024;
    /** The largest data frame; longer writes are split. */
    public static final int MAX_DATA = 64 * 1024;
    static final int HEADER = 5;

    private DoorWire() {
    }

    /** The framing of what a client sends. */
    public static FrameReader.Framing fromClient() {
        return new Bounded(true);
    }

    /** The framing of what a server sends. */
    public static FrameReader.Framing fromServer() {
        return new Bounded(false);
    }

    /** Writes one frame (the body must fit its type's bound) and flushes it. */
    public static void write(OutputStream out, byte type, byte[] body, int off, int len) throws IOException {
        byte[] frame = new byte[HEADER + len];
        frame[0] = type;
        frame[1] = (byte) (len >>> 24);
        frame[2] = (byte) (len >>> 16);
        frame[3] = (byte) (len >>> 8);
        frame[4] = (byte) len;
        System.arraycopy(body, off, frame, HEADER, len);
        out.write(frame);
        out.flush();
    }

    /** Writes {@code len} bytes as data frames of {@code type}, split at {@link #MAX_DATA}. */
    public static void writeData(OutputStream out, byte type, byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = Math.min(len, MAX_DATA);
            write(out, type, b, off, n);
            off += n;
            len -= n;
        }
    }

    /** The body bound of {@code type} in one direction, or -1 for a type that direction never sends. */
    static int bound(byte type, boolean fromClient) {
        if (fromClient) {
            return switch (type) {
                case REQUEST -> MAX_REQUEST;
                case STDIN -> MAX_DATA;
                case STDIN_END -> 0;
                default -> -1;
            };
        }
        return switch (type) {
            case TAKEN, NOT_SERVED, STDIN_WANTED -> 0;
            case STDOUT, STDERR -> MAX_DATA;
            case EXIT -> 4;
            case IF_LOST -> MAX_IF_LOST;
            default -> -1;
        };
    }

    /** The order of every length and number on the wire. */
    public static ByteOrder order() {
        return ByteOrder.BIG_ENDIAN;
    }

    private record Bounded(boolean fromClient) implements FrameReader.Framing {
        @Override
        public int headerSize() {
            return HEADER;
        }

        @Override
        public int bodyLength(ByteBuffer header) throws IOException {
            byte type = header.get(0);
            int length = header.getInt(1);
            int bound = bound(type, fromClient);
            if (bound < 0) {
                throw new IOException("door: unknown frame type " + (type & 0xff));
            }
            if (length < 0 || length > bound) {
                throw new IOException("door: a frame of type " + (char) type + " announced " + length
                        + " bytes, more than its bound " + bound);
            }
            return length;
        }

        @Override
        public IOException truncated() {
            return new IOException("door: the input ended inside a frame");
        }
    }
}
