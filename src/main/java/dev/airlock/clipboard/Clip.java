package dev.airlock.clipboard;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What one {@code airlock clipboard copy DOMAIN} took from the domain's CLIPBOARD selection: the bytes exactly as
 * the domain gave them (control characters included: the receiving application sees what the sender copied, as in
 * Qubes), the domain they came from, and whether they are text. The bytes never leave this value except towards
 * the domain a paste goes to: {@link #toString} and every message show the source and the size only.
 *
 * @param source the domain the clipboard was copied from; the policy decides a paste with it as the source
 * @param kind   {@link Kind#TEXT} or {@link Kind#BINARY}
 */
public record Clip(String source, Kind kind, byte[] bytes) {
    /** The most a copy takes: 256 KiB, Qubes' limit. A bigger selection is refused, never cut. */
    public static final int MAX_BYTES = 256 * 1024;

    /** Whether the bytes are text; only text is pasted unless a rule names {@link #BINARY_ARGUMENT}. */
    public enum Kind {
        /** Well-formed UTF-8 without NUL: what every text widget takes. */
        TEXT,
        /** Anything else, which a text widget may not expect: the policy decides it apart. */
        BINARY
    }

    /**
     * The policy argument under which a paste of {@link Kind#BINARY} content is decided. Text is decided without an
     * argument, as Qubes asks; so the default rule {@code qubes.ClipboardPaste + @anyvm @anyvm allow} (empty
     * argument only) lets text through and leaves binary content to a rule that names {@code +binary} (or
     * {@code *}).
     */
    public static final String BINARY_ARGUMENT = "binary";

    public Clip {
        if (source == null || source.isEmpty()) {
            throw new IllegalArgumentException("a clip needs its source domain");
        }
        if (bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException("a clip holds at most " + MAX_BYTES + " bytes");
        }
        bytes = bytes.clone();
    }

    /**
     * The clip of what {@code source}'s clipboard gave: {@code read} holds what was read, up to one byte more than
     * the limit so that a bigger selection is told apart from one of exactly the limit.
     *
     * @throws ClipboardRefusal when it holds more than {@link #MAX_BYTES} or nothing at all
     */
    public static Clip of(String source, byte[] read) throws ClipboardRefusal {
        if (read.length > MAX_BYTES) {
            throw new ClipboardRefusal(source + "'s clipboard holds more than " + MAX_BYTES / 1024 + " KiB, the most "
                    + "the clipboard carries; nothing was copied (send bigger data as a file: qvm-copy)");
        }
        if (read.length == 0) {
            throw new ClipboardRefusal(source + "'s clipboard is empty; nothing was copied");
        }
        return new Clip(source, isText(read) ? Kind.TEXT : Kind.BINARY, read);
    }

    /** Whether {@code b} is well-formed UTF-8 (no overlong forms, surrogates or stray bytes) without NUL. */
    static boolean isText(byte[] b) {
        for (byte x : b) {
            if (x == 0) {
                return false;
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** The bytes, a copy. */
    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The number of bytes. */
    public int size() {
        return bytes.length;
    }

    /** The policy argument the paste of this clip is decided under: none for text. */
    public String policyArgument() {
        return kind == Kind.TEXT ? "" : BINARY_ARGUMENT;
    }

    /** What the user and the audit log are told of it: source, size and kind, never the contents. */
    public String describe() {
        return size() + " bytes of " + (kind == Kind.TEXT ? "text" : "binary data") + " from " + source;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Clip c && c.source.equals(source) && c.kind == kind && Arrays.equals(c.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return source.hashCode() * 31 + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "Clip[" + describe() + "]";
    }
}
