package dev.airlock.pendrive.fat;

import java.io.IOException;

/**
 * Why a pendrive image could not be read or written. The subclasses are the closed set of reasons; every message
 * is a complete sentence for the user. Reading a hostile image ends with one of these, never with another
 * exception type, a hang or memory proportional to a field of the image.
 */
public abstract sealed class FatException extends IOException {
    private static final long serialVersionUID = 1L;

    private FatException(String message) {
        super(message);
    }

    /** The boot sector does not describe a FAT32 file system that fits the device. */
    public static final class BadBootSector extends FatException {
        private static final long serialVersionUID = 1L;

        BadBootSector(String message) {
            super("not a usable FAT32 image: " + message);
        }
    }

    /** The structures after the boot sector contradict each other: cluster chains, sizes, directories. */
    public static final class Corrupt extends FatException {
        private static final long serialVersionUID = 1L;

        Corrupt(String message) {
            super("corrupt FAT32 image: " + message);
        }
    }

    /** A limit of the reader (entries, depth, bytes, files) was reached: the image is refused, not truncated. */
    public static final class LimitReached extends FatException {
        private static final long serialVersionUID = 1L;

        LimitReached(String message) {
            super("pendrive refused: " + message);
        }
    }

    /** A name breaks the file-copy name rules, or FAT's own, or is already taken in its directory. */
    public static final class BadName extends FatException {
        private static final long serialVersionUID = 1L;

        BadName(String message) {
            super(message);
        }
    }

    /** The image has no room left for what is being written. */
    public static final class ImageFull extends FatException {
        private static final long serialVersionUID = 1L;

        ImageFull(String message) {
            super("the pendrive is full: " + message);
        }
    }

    /** What is being written cannot be stored in FAT32 (a file of 4 GiB or more, a symlink, a device). */
    public static final class Unsupported extends FatException {
        private static final long serialVersionUID = 1L;

        Unsupported(String message) {
            super(message);
        }
    }

    /** The extraction into the target folder was refused there (an existing name, a limit, a full disk). */
    public static final class ExtractionRefused extends FatException {
        private static final long serialVersionUID = 1L;

        ExtractionRefused(String message) {
            super(message);
        }
    }
}
