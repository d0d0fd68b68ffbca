package dev.airlock.door;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a thin client hands to the resident side: the command line, its working directory, its environment, and
 * which of its standard streams are terminals (progress bars and prompts decide by the client's, not the server's).
 *
 * @param terminals bit 0, 1, 2 set when standard input, output, error is a terminal
 * @param columns the terminal's width from {@code $COLUMNS}, 0 when unknown
 */
public record DoorRequest(List<String> argv, String cwd, Map<String, String> env, int terminals, int columns) {
    /** The most arguments and environment variables a request may carry. */
    static final int MAX_ENTRIES = 4096;

    public DoorRequest {
        argv = List.copyOf(argv);
        env = Map.copyOf(env);
    }

    /** Whether standard stream {@code fd} (0, 1, 2) of the client is a terminal. */
    public boolean isTerminal(int fd) {
        return (terminals & (1 << fd)) != 0;
    }

    /** The request as a frame body; empty when it exceeds {@link DoorWire#MAX_REQUEST}. */
    public byte[] encode() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(argv.size());
        for (String a : argv) {
            string(out, a);
        }
        string(out, cwd);
        out.writeInt(env.size());
        for (Map.Entry<String, String> e : env.entrySet()) {
            string(out, e.getKey());
            string(out, e.getValue());
        }
        out.writeInt(terminals);
        out.writeInt(columns);
        return bytes.size() > DoorWire.MAX_REQUEST ? new byte[0] : bytes.toByteArray();
    }

    private static void string(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    /** Parses a request body; refuses counts and lengths beyond the body or the bounds. */
    public static DoorRequest decode(ByteBuffer body) throws IOException {
        try {
            int argc = count(body);
            List<String> argv = new ArrayList<>(argc);
            for (int i = 0; i < argc; i++) {
                argv.add(string(body));
            }
            String cwd = string(body);
            int envc = count(body);
            Map<String, String> env = new LinkedHashMap<>();
            for (int i = 0; i < envc; i++) {
                env.put(string(body), string(body));
            }
            int terminals = body.getInt();
            int columns = body.getInt();
            if (body.hasRemaining()) {
                throw new IOException("door: trailing bytes after the request");
            }
            if (!cwd.startsWith("/") || terminals < 0 || terminals > 7 || columns < 0 || columns > 10_000) {
                throw new IOException("door: a malformed request");
            }
            return new DoorRequest(argv, cwd, env, terminals, columns);
        } catch (BufferUnderflowException e) {
            throw new IOException("door: the request ended early", e);
        }
    }

    private static int count(ByteBuffer body) throws IOException {
        int n = body.getInt();
        if (n < 0 || n > MAX_ENTRIES) {
            throw new IOException("door: " + n + " entries in a request, at most " + MAX_ENTRIES);
        }
        return n;
    }

    private static String string(ByteBuffer body) throws IOException {
        int n = body.getInt();
        if (n < 0 || n > body.remaining()) {
            throw new IOException("door: a string of " + n + " bytes in a request of " + body.remaining() + " left");
        }
        byte[] b = new byte[n];
        body.get(b);
        String s = new String(b, StandardCharsets.UTF_8);
        if (s.indexOf('\0') >= 0) {
            throw new IOException("door: a NUL in a request's string");
        }
        return s;
    }
}
