package dev.airlock.filecopy;

/** A symlink's target that passed {@link NameRules#checkLinkTarget} for its link: only {@link #check} makes one. */
final class LinkTarget {
    private final byte[] bytes;

    private LinkTarget(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * {@code target} as the target of the link {@code link}, or the refusal of it (the code
     * {@link NameRules#checkLinkTarget} gives, naming the target).
     */
    static LinkTarget check(Name link, byte[] target, boolean allowAllNames) throws Refusal {
        byte[] copy = target.clone();
        int verdict = NameRules.checkLinkTarget(link.bytes(), copy, allowAllNames);
        if (verdict != NameRules.OK) {
            throw new Refusal(verdict, copy);
        }
        return new LinkTarget(copy);
    }

    byte[] bytes() {
        return bytes.clone();
    }
}
