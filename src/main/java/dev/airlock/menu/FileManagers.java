package dev.airlock.menu;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The files that put {@link FileAction}s into the file managers' menus: one script per action in airlock's own
 * folder, which every file manager runs with the selected files as its arguments; the same script as a Nautilus and
 * a Nemo script; a Dolphin service menu (KF6 and KF5 folders). Thunar's entries go into its {@code uca.xml}
 * ({@link ThunarActions}).
 *
 * <p>Nemo gets scripts rather than {@code .nemo_action} files: Nemo pastes the selected paths into the action's
 * command line unescaped (only optionally wrapped in quotes) and splits the result like a shell, so a file named
 * {@code a" "--x} adds arguments; a script receives each path as one argument.
 */
public final class FileManagers {
    /** The text every file airlock writes contains, and that uninstalling requires before it removes a file. */
    public static final String MARKER = "airlock-generated";
    /** airlock's own folder for the scripts, under the data home. */
    static final String SCRIPTS = "airlock-desktop";
    /** Dolphin's service menus, KF6 and KF5 since 5.85; must be executable there. */
    static final String KIO_SERVICE_MENUS = "kio/servicemenus";
    /** Dolphin's service menus of older KF5. */
    static final String KSERVICES5_MENUS = "kservices5/ServiceMenus";

    private FileManagers() {
    }

    /** Which side's actions: the host's (with the {@code airlock} command line) or a domain's. */
    public sealed interface Side {
        /** Where an entry's name says it belongs: {@code host} or {@code domain}. */
        String tag();

        /** The actions of this side. */
        List<FileAction> actions();
    }

    /** The host: its actions run {@code launcher}, the {@code airlock} command line. */
    public record Host(List<String> launcher) implements Side {
        public Host {
            launcher = List.copyOf(launcher);
            if (launcher.isEmpty()) {
                throw new IllegalArgumentException("no airlock command line");
            }
        }

        @Override
        public String tag() {
            return "host";
        }

        @Override
        public List<FileAction> actions() {
            return FileAction.host(launcher);
        }
    }

    /** Inside a domain: its actions run the in-domain Qubes tools. */
    public record InsideDomain() implements Side {
        @Override
        public String tag() {
            return "domain";
        }

        @Override
        public List<FileAction> actions() {
            return FileAction.domain();
        }
    }

    /** A file to write, relative to the data home, with its content. */
    record DataFile(String path, String content, boolean executable) {
    }

    /** Every plain file of {@code side}, for a user whose data home is {@code dataHome} (absolute). */
    static List<DataFile> files(Side side, Path dataHome) {
        List<DataFile> files = new ArrayList<>();
        for (FileAction a : side.actions()) {
            String script = script(a);
            files.add(new DataFile(SCRIPTS + "/" + a.id(), script, true));
            files.add(new DataFile("nautilus/scripts/" + a.label(), script, true));
            files.add(new DataFile("nemo/scripts/" + a.label(), script, true));
        }
        for (boolean folders : new boolean[] {false, true}) {
            List<FileAction> group = side.actions().stream().filter(a -> a.directories() == folders).toList();
            String name = "airlock-" + side.tag() + (folders ? "-files-and-folders" : "-files") + ".desktop";
            String menu = serviceMenu(group, folders, dataHome);
            files.add(new DataFile(KIO_SERVICE_MENUS + "/" + name, menu, true));
            files.add(new DataFile(KSERVICES5_MENUS + "/" + name, menu, false));
        }
        return files;
    }

    /** The absolute path of {@code action}'s script. */
    static Path scriptPath(Path dataHome, FileAction action) {
        return dataHome.resolve(SCRIPTS).resolve(action.id());
    }

    /** The script of {@code action}: {@code sh}, the selected files as its arguments. */
    static String script(FileAction action) {
        StringBuilder s = new StringBuilder("#!/bin/sh\n");
        s.append("# ").append(MARKER).append(": ").append(action.id())
                .append(". Written by airlock desktop install, removed by airlock desktop uninstall.\n");
        s.append("""
                # The files are the arguments, never $NAUTILUS_SCRIPT_SELECTED_FILE_PATHS (split at newlines, which a
                # name may contain); each is made absolute and follows "--", so that no name reads as an option.
                tell() {
                  if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && command -v zenity >/dev/null 2>&1; then
                    zenity --error --no-markup --title=airlock --text="$1" >/dev/null 2>&1
                  else
                    printf 'airlock: %s\\n' "$1" >&2
                  fi
                }
                [ "$#" -gt 0 ] || { tell 'Select one or more local files (a remote folder passes none).'; exit 1; }
                n=$#
                while [ "$n" -gt 0 ]; do
                  f=$1
                  shift
                  case $f in /*) ;; *) f=$PWD/$f ;; esac
                  set -- "$@" "$f"
                  n=$((n - 1))
                done
                """);
        switch (action.run()) {
            case FileAction.EachFile e -> s.append("pids=\n")
                    .append("for f in \"$@\"; do\n")
                    .append("  (\n")
                    .append("    if ! out=$(").append(Quoting.shell(e.argv()))
                    .append(" -- \"$f\" 2>&1 >/dev/null); then tell \"$out\"; exit 1; fi\n")
                    .append("  ) &\n")
                    .append("  pids=\"$pids $!\"\n")
                    .append("done\n")
                    .append("status=0\n")
                    .append("for p in $pids; do wait \"$p\" || status=1; done\n")
                    .append("exit \"$status\"\n");
            case FileAction.AllFiles a -> s.append("if ! out=$(").append(Quoting.shell(a.argv()))
                    .append(" -- \"$@\" 2>&1 >/dev/null); then tell \"$out\"; exit 1; fi\n");
            case FileAction.ToChosenDomain c -> s.append("""
                    # airlock ls: a header, dom0, then one domain a line, its name first.
                    domains=$(%1$s ls 2>/dev/null | awk 'NR > 2 { print $1 }')
                    [ -n "$domains" ] || { tell 'No domain to send to: airlock ls lists none.'; exit 1; }
                    command -v zenity >/dev/null 2>&1 || { tell 'Choosing a domain needs zenity.'; exit 1; }
                    target=$(printf '%%s\\n' $domains | zenity --list --title='Send to domain' \\
                      --text='Send the selected files to:' --column=Domain 2>/dev/null) || exit 0
                    case $target in ''|-*|*[!A-Za-z0-9_.-]*) exit 0 ;; esac
                    if ! out=$(%1$s copy -- "$@" "$target" 2>&1 >/dev/null); then tell "$out"; exit 1; fi
                    """.formatted(Quoting.shell(c.launcher())));
        }
        return s.toString();
    }

    /** A Dolphin service menu with {@code actions}, for files only or for files and folders. */
    static String serviceMenu(List<FileAction> actions, boolean folders, Path dataHome) {
        StringBuilder d = new StringBuilder("[Desktop Entry]\n");
        d.append("Type=Service\n");
        d.append("Name=airlock\n");
        d.append("X-KDE-ServiceTypes=KonqPopupMenu/Plugin\n");
        // Every file type inherits application/octet-stream.
        d.append("MimeType=application/octet-stream;").append(folders ? "inode/directory;" : "").append('\n');
        d.append("Actions=").append(String.join(";", actions.stream().map(FileManagers::actionKey).toList()))
                .append(";\n");
        d.append("X-KDE-Submenu=airlock\n");
        d.append("X-Airlock=").append(MARKER).append('\n');
        for (FileAction a : actions) {
            d.append("\n[Desktop Action ").append(actionKey(a)).append("]\n");
            d.append("Name=").append(Quoting.desktopValue(a.label())).append('\n');
            d.append("Icon=").append(a.icon()).append('\n');
            d.append("Exec=").append(Quoting.execArg(scriptPath(dataHome, a).toString())).append(" %F\n");
        }
        return d.toString();
    }

    /** {@code open-in-dvm} as a {@code .desktop} action key: letters and digits only. */
    private static String actionKey(FileAction a) {
        StringBuilder b = new StringBuilder("airlock");
        for (String part : a.id().split("-")) {
            b.append(part.substring(0, 1).toUpperCase(Locale.ROOT)).append(part.substring(1));
        }
        return b.toString();
    }
}
