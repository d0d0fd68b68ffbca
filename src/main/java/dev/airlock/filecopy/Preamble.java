package dev.airlock.filecopy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * airlock's extension of the {@code qubes.Filecopy} stream: one pseudo-entry before the first real one, sent only by
 * airlock's {@code qvm-copy}/{@code qvm-move} to an airlock receiver. Its name, {@value #NAME}, starts with a
 * {@code ..} component and its mode has no file type, so a Qubes unpacker (or an airlock one that does not accept
 * extensions) refuses it with EILSEQ before it reads the body and before it creates anything: the copy fails
 * cleanly instead of landing somewhere the sender did not ask for. Design notes: docs/design-notes.md.
 *
 * <p>Body: ASCII lines {@code KEY} or {@code KEY VALUE}, at most {@link #MAX_BODY} bytes; an unknown key is refused
 * (EOPNOTSUPP), since ignoring a request such as {@code to} would deliver somewhere else than asked.
 * <ul>
 *   <li>{@code report}: the sender reads a {@link ConflictReport} after the reply;</li>
 *   <li>{@code to FOLDER}: deliver into {@code FOLDER} (see {@link Destinations}).</li>
 * </ul>
 * Nothing here can choose how conflicts are settled: that is the receiver's setting alone.
 *
 * @param report the sender reads a conflict report
 * @param to     the requested folder, or {@code null} for the default one
 */
public record Preamble(boolean report, String to) {
    /** The pseudo-entry's name. */
    public static final String NAME = "../.airlock-filecopy-extensions";
    /** Largest body accepted. */
    public static final int MAX_BODY = 4096;
    static final byte[] NAME_BYTES = NAME.getBytes(StandardCharsets.US_ASCII);

    /** The body on the wire. */
    byte[] encode() {
        StringBuilder b = new StringBuilder();
        if (report) {
            b.append("report\n");
        }
        if (to != null) {
            b.append("to ").append(to).append('\n');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** True when {@code h} and {@code name} are the pseudo-entry. */
    static boolean isPreamble(FileHeader h, byte[] name) {
        return h.mode() == 0 && Arrays.equals(name, NAME_BYTES);
    }

    /** Parses a body from an untrusted sender; {@code null} when malformed or using a key this receiver lacks. */
    static Preamble parse(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        if (!Arrays.equals(text.getBytes(StandardCharsets.UTF_8), body) || !text.isEmpty() && !text.endsWith("\n")) {
            return null;
        }
        boolean report = false;
        String to = null;
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty()) {
                continue;
            }
            if (line.equals("report") && !report) {
                report = true;
            } else if (line.startsWith("to ") && to == null && line.length() > 3) {
                to = line.substring(3);
            } else {
                return null;
            }
        }
        return new Preamble(report, to);
    }
}
