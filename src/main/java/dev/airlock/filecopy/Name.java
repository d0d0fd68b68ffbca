package dev.airlock.filecopy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * An entry name that passed {@link NameRules#checkName}: only {@link #check} makes one, so code that takes a
 * {@code Name} cannot be handed bytes nobody checked. Raw bytes, without the NUL that ends them on the wire; copied
 * at the check, so a buffer changed afterwards cannot change the name.
 */
final class Name {
    private final byte[] bytes;

    private Name(byte[] bytes) {
        this.bytes = bytes;
    }

    /** {@code raw} as a name, or the refusal of it ({@link NameRules#EILSEQ}, as {@link NameRules#checkName} decides). */
    static Name check(byte[] raw, boolean allowAllNames) throws Refusal {
        byte[] copy = raw.clone();
        if (NameRules.checkName(copy, allowAllNames) != NameRules.OK) {
            throw new Refusal(NameRules.EILSEQ);
        }
        return new Name(copy);
    }

    byte[] bytes() {
        return bytes.clone();
    }

    /** The last component. */
    byte[] base() {
        return Arrays.copyOfRange(bytes, lastSlash() + 1, bytes.length);
    }

    /**
     * The folder that holds the entry, or empty at the top of the copy. The rules judge a name component by
     * component, so the folder part of a checked name passes them too.
     */
    Optional<Name> parent() {
        int slash = lastSlash();
        return slash < 0 ? Optional.empty() : Optional.of(new Name(Arrays.copyOf(bytes, slash)));
    }

    /** The name {@code base} has in the same folder, as bytes: a report's, never a name to create. */
    byte[] sibling(byte[] base) {
        int slash = lastSlash();
        byte[] out = Arrays.copyOf(bytes, slash + 1 + base.length);
        System.arraycopy(base, 0, out, slash + 1, base.length);
        return out;
    }

    private int lastSlash() {
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] == '/') {
                return i;
            }
        }
        return -1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Name n && Arrays.equals(bytes, n.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
