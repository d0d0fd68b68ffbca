package dev.airlock.policy;

/**
 * A problem found while loading the policy. Any error makes every call deny.
 *
 * @param file the file, relative to the policy folder when inside it
 * @param line 1-based line, or 0 when the problem concerns the whole file
 * @param column 1-based column, or 0 when none applies
 * @param message what is wrong, without any prefix
 */
public record PolicyError(String file, int line, int column, String message) {

    /** {@code FILE:LINE:COLUMN: MESSAGE}, leaving out the parts that do not apply. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(file);
        if (line > 0) {
            b.append(':').append(line);
            if (column > 0) {
                b.append(':').append(column);
            }
        }
        return b.append(": ").append(message).toString();
    }
}
