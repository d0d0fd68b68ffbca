package dev.airlock.filecopy;

import dev.airlock.sys.Errno;

/** The error codes of the file-copy reply and what the sender tells the user about each. */
public final class FilecopyErrors {
    /** Qubes' code for a stream that ended inside a name, a file body or a link target. */
    public static final int LEGAL_EOF = 31415926;

    private FilecopyErrors() {
    }

    /**
     * The receiver's exit status for a reply's error code: Qubes' unpacker exits with the code itself, so the
     * status is its low byte (EEXIST 17, EILSEQ 84, EREMOTEIO 121, LEGAL_EOF 118...), and scripts written for
     * Qubes read it. A failure whose low byte is 0 still exits non-zero (1), never as a success.
     */
    public static int exitStatus(int code) {
        if (code == 0) {
            return 0;
        }
        int status = code & 0xff;
        return status == 0 ? 1 : status;
    }

    /** A sentence for the user, naming the entry the receiver reported. */
    public static String describe(int code, String lastName) {
        String name = lastName.isEmpty() ? "" : " (at \"" + lastName + "\")";
        return switch (code) {
            case 0 -> "no error";
            case Errno.EEXIST -> "a file named \"" + lastName + "\" already exists at the destination";
            case Errno.EINVAL -> "the receiver found corrupted data in the stream" + name;
            case Errno.EILSEQ -> "the receiver refused a forbidden character or path form in a file or link name"
                    + name + "; names outside its allowed characters need allow-all-names";
            case Errno.ENOLINK -> "cannot verify that the link \"" + lastName
                    + "\" would not point outside the copied files; it was refused";
            case Errno.EDQUOT -> "the receiver's size or file-count limit was exceeded" + name;
            case Errno.ENAMETOOLONG -> "a name is too long" + name;
            case Errno.EACCES -> "the receiver does not allow delivery into \"" + lastName
                    + "\" (it lists the folders of its home that others may use)";
            // The host refuses links by default; a write it was not permitted to make reads the same way.
            case Errno.EPERM -> "the receiver refused" + name + ": it accepts only regular files and folders (no "
                    + "links), or was not permitted to write there";
            case Errno.EOPNOTSUPP -> "the receiver does not support what this copy asked of it" + name;
            case Errno.EREMOTEIO, LEGAL_EOF -> "the transfer stopped early" + name;
            // Both name one component, as Qubes' receiver does: the folder on the way, or the entry itself.
            case Errno.ENOTDIR -> "\"" + lastName + "\" exists at the destination but is not a folder (a file or a"
                    + " link), so nothing can be put into it or merged with it";
            case Errno.ENOENT -> "the destination has no folder \"" + lastName + "\" to put the files into";
            default -> "the receiver failed: " + Errno.describe(code) + name;
        };
    }
}
