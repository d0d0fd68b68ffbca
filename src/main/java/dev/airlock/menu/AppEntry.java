package dev.airlock.menu;

import dev.airlock.xdg.DesktopFile;
import dev.airlock.xdg.MalformedEntryException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An application a domain offers, read from its {@code .desktop} file: what a menu entry needs (its name, icon and
 * command), parsed fail-closed by {@link DesktopFile}: the file may come from the domain's own home, which the domain
 * controls. A menu shows its name beside other domains' entries, so the name is held to more than the specification
 * asks. Its command only ever runs inside the domain.
 *
 * @param id       the desktop-file id (the file name without {@code .desktop})
 * @param name     its {@code Name}
 * @param icon     its {@code Icon} (a themed name or a path), or empty
 * @param argv     its {@code Exec} split into arguments, the field codes dropped
 * @param listed   false for {@code NoDisplay=true} or {@code Terminal=true}: not offered by {@code menu sync}
 */
public record AppEntry(String id, String name, String icon, List<String> argv, boolean listed) {
    /** The largest {@code .desktop} file read. */
    public static final int MAX_BYTES = DesktopFile.MAX_BYTES;
    /** The longest {@code Name} taken. */
    private static final int MAX_NAME = 200;
    /** The ids airlock accepts: they become file names. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,127}");

    public AppEntry {
        argv = List.copyOf(argv);
    }

    /** Whether {@code id} can be an application's id here. */
    public static boolean validId(String id) {
        return ID.matcher(id).matches();
    }

    /** The command name an application is also known by: its program's file name. */
    public String command() {
        String program = argv.getFirst();
        return program.substring(program.lastIndexOf('/') + 1);
    }

    /**
     * Parses the file {@code id}.desktop. A hidden entry ({@code Hidden=true}: deleted, in the specification's
     * words) or one of another type than {@code Application} is refused.
     */
    public static AppEntry parse(String id, byte[] file) throws MalformedEntryException {
        if (!validId(id)) {
            throw new MalformedEntryException("\"" + id + "\" is not an id airlock accepts");
        }
        DesktopFile entry = DesktopFile.parse(file);
        String name = entry.name();
        if (name.isBlank() || name.length() > MAX_NAME) {
            throw new MalformedEntryException(name.isBlank() ? "no Name" : "Name is too long");
        }
        if (name.codePoints().anyMatch(c -> Character.getType(c) == Character.FORMAT)) {
            // Bidi overrides and invisible characters could make "[work] ..." read as another domain's entry.
            throw new MalformedEntryException("Name holds an invisible or direction-changing character");
        }
        if (name.codePoints().anyMatch(c -> Character.getType(c) == Character.CONTROL)) {
            // The escapes \n \r \t are valid in a Name, but a line break would draw a second line under
            // "[work] ..." that a domain writes as it likes ("[vault] ..."); found by the fuzzing of issue 17.
            throw new MalformedEntryException("Name holds a line break or another control character");
        }
        return new AppEntry(id, name, entry.icon(), entry.exec().argvWithoutFile(),
                !entry.noDisplay() && !entry.terminal());
    }
}
