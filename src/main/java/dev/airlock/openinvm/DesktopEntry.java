package dev.airlock.openinvm;

import dev.airlock.xdg.DesktopFile;
import dev.airlock.xdg.MalformedEntryException;
import java.util.List;

/**
 * The part of an application's {@code .desktop} file that starts it on a file, parsed fail-closed by
 * {@link DesktopFile} (its {@code Exec} split by the specification's quoting rules, never by a shell). Opening a file
 * needs one thing more than the specification: the {@code Exec} line must take the file, so that the application
 * never starts without the file it was asked for.
 *
 * @param entry the parsed {@code [Desktop Entry]} group
 */
record DesktopEntry(DesktopFile entry) {
    /** The largest {@code .desktop} file read. */
    static final int MAX_BYTES = DesktopFile.MAX_BYTES;

    /** Reads {@code file}, a {@code .desktop} file; its {@code Exec} must name the file ({@code %f %F %u %U}). */
    static DesktopEntry parse(byte[] file) throws MalformedEntryException {
        DesktopFile entry = DesktopFile.parse(file);
        if (entry.exec().fileCodes() == 0) {
            throw new MalformedEntryException("Exec takes no file (%f, %F, %u or %U)");
        }
        return new DesktopEntry(entry);
    }

    /** {@code Terminal=true}. */
    boolean terminal() {
        return entry.terminal();
    }

    /** The command line for {@code file}: see {@link dev.airlock.xdg.Exec#argvFor}. */
    List<String> argvFor(String file) {
        return entry.exec().argvFor(file);
    }
}
