package dev.airlock.backup;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The name of one encrypted chunk in the outer archive, {@code PATH.NNN.enc} ({@code docs/backup.md} section 5):
 * piece {@code index} of the inner stream of archive path {@code path}.
 */
public record ChunkName(String path, int index) {

    /** The most chunks of one path: 100 GiB at 100 MiB each is 1024; this allows 10 TiB. */
    public static final int MAX_INDEX = 99_999;

    private static final Pattern FORM = Pattern.compile("(.+)\\.([0-9]{3,5})\\.enc");

    public ChunkName {
        if (index < 0 || index > MAX_INDEX) {
            throw new IllegalArgumentException("chunk index " + index + " out of range");
        }
    }

    /** {@code PATH.NNN}, the name bound into the chunk's key string. */
    public String plainName() {
        return path + "." + String.format("%03d", index);
    }

    /** {@code PATH.NNN.enc}, the member's name. */
    public String memberName() {
        return plainName() + ".enc";
    }

    /**
     * Parses a member name.
     *
     * @throws BackupFormatException if it is not {@code PATH.NNN.enc} with the index written as the writer does
     */
    public static ChunkName parse(String member) throws BackupFormatException {
        Matcher m = FORM.matcher(member);
        if (!m.matches()) {
            throw new BackupFormatException("backup member " + member + " is not an encrypted chunk (PATH.NNN.enc)");
        }
        int index = Integer.parseInt(m.group(2));
        ChunkName c = new ChunkName(m.group(1), index);
        if (!c.memberName().equals(member)) {
            throw new BackupFormatException("backup member " + member + " has a badly written chunk index");
        }
        return c;
    }
}
