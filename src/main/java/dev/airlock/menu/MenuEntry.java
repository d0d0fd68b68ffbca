package dev.airlock.menu;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A menu entry on the host for an application of a domain, like Qubes' application menu: {@code [work] Firefox},
 * its icon in the domain's label colour, starting {@code airlock run work -- firefox}. The application's command is
 * written after {@code --}, each argument quoted: it only ever runs inside the domain.
 */
public final class MenuEntry {
    /** The key that names the domain in airlock's entries. */
    static final String DOMAIN_KEY = "X-Airlock-Domain";
    /** The key that names the application's id in airlock's entries. */
    static final String APP_KEY = "X-Airlock-App";
    /** A domain's name, as qrexec allows it. */
    private static final Pattern DOMAIN = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,30}");

    private MenuEntry() {
    }

    /** One of airlock's entries, as {@code airlock menu ls} lists it. */
    public record Listed(String domain, String app, String name) {
    }

    /** The entry's file name in the applications folder; both names must be plain (no path, no newline). */
    public static String fileName(String domain, String appId) {
        if (!DOMAIN.matcher(domain).matches() || !AppEntry.validId(appId)) {
            throw new IllegalArgumentException("not a domain and application id: " + domain + ", " + appId);
        }
        return "airlock-" + domain + "-" + appId + ".desktop";
    }

    /** The name the menu shows: the domain's name in brackets first, as on its windows. */
    static String title(String domain, AppEntry app) {
        return "[" + domain + "] " + app.name();
    }

    /** The entry's text, starting the application with {@code launcher run DOMAIN -- ...}. */
    static String render(String domain, AppEntry app, List<String> launcher, Path icon) {
        List<String> exec = new ArrayList<>(launcher);
        exec.addAll(List.of("run", domain, "--"));
        exec.addAll(app.argv());
        return "[Desktop Entry]\n"
                + "Type=Application\n"
                + "Name=" + Quoting.desktopValue(title(domain, app)) + "\n"
                + "Comment=" + Quoting.desktopValue(app.name() + " in the domain " + domain + " (airlock)") + "\n"
                + "Exec=" + Quoting.exec(exec) + "\n"
                + "Icon=" + Quoting.desktopValue(icon.toString()) + "\n"
                + "Terminal=false\n"
                + DOMAIN_KEY + "=" + domain + "\n"
                + APP_KEY + "=" + app.id() + "\n"
                + "X-Airlock=" + FileManagers.MARKER + "\n";
    }

    /** What {@link #render} wrote into {@code text}; empty for any other file. */
    static Optional<Listed> read(String text) {
        String domain = null;
        String app = null;
        String name = null;
        for (String line : text.split("\n")) {
            if (line.startsWith(DOMAIN_KEY + "=")) {
                domain = line.substring(DOMAIN_KEY.length() + 1);
            } else if (line.startsWith(APP_KEY + "=")) {
                app = line.substring(APP_KEY.length() + 1);
            } else if (line.startsWith("Name=")) {
                name = line.substring("Name=".length());
            }
        }
        return domain == null || app == null || name == null || !text.contains(FileManagers.MARKER)
                ? Optional.empty() : Optional.of(new Listed(domain, app, name));
    }
}
