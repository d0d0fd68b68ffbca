package dev.airlock.menu;

import dev.airlock.contract.InDomain;
import java.util.ArrayList;
import java.util.List;

/**
 * One entry of a file manager's menu and what it runs on the selected files.
 *
 * @param id          the file name of its script and the mark of its entries (Thunar's unique-id, Dolphin's action)
 * @param label       what the menu shows
 * @param icon        a themed icon name
 * @param directories whether it applies to folders too (a copy does; a disposable opens files only)
 * @param run         how the files reach the command
 */
record FileAction(String id, String label, String icon, boolean directories, Run run) {

    /** How an action runs its command on the selected files. */
    sealed interface Run {
    }

    /** One command per file, all at once (each waits for its own disposable), the file last after {@code --}. */
    record EachFile(List<String> argv) implements Run {
        EachFile {
            argv = List.copyOf(argv);
        }
    }

    /** One command for all the files, after {@code --}. */
    record AllFiles(List<String> argv) implements Run {
        AllFiles {
            argv = List.copyOf(argv);
        }
    }

    /**
     * The host's "Send to domain...": the user picks a domain among those {@code airlock ls} lists, then
     * {@code airlock copy -- FILE... DOMAIN} sends the host's files there (issue 14's host-to-domain copy).
     */
    record ToChosenDomain(List<String> launcher) implements Run {
        ToChosenDomain {
            launcher = List.copyOf(launcher);
        }
    }

    /** The host's actions, running {@code launcher} (the {@code airlock} command line). */
    static List<FileAction> host(List<String> launcher) {
        return List.of(
                new FileAction("open-in-disposable", "Open in disposable", "document-open", false,
                        new EachFile(with(launcher, "open-in-dvm"))),
                new FileAction("view-in-disposable", "View in disposable", "document-preview", false,
                        new EachFile(with(launcher, "open-in-dvm", "--view-only"))),
                new FileAction("send-to-domain", "Send to domain...", "document-send", true,
                        new ToChosenDomain(launcher)));
    }

    /** The actions inside a domain, as the seeds' Dolphin had them, running the in-domain Qubes tools. */
    static List<FileAction> domain() {
        String tools = InDomain.TOOLS + "/";
        return List.of(
                new FileAction("send-to-vm", "Send to VM", "document-send", true,
                        new AllFiles(List.of(tools + "qvm-copy"))),
                new FileAction("move-to-vm", "Move to VM", "go-next", true,
                        new AllFiles(List.of(tools + "qvm-move"))),
                new FileAction("open-in-dvm", "Open in DVM", "document-open", false,
                        new EachFile(List.of(tools + "qvm-open-in-dvm"))),
                new FileAction("view-in-dvm", "View in DVM", "document-preview", false,
                        new EachFile(List.of(tools + "qvm-open-in-dvm", "--view-only"))));
    }

    private static List<String> with(List<String> launcher, String... args) {
        List<String> argv = new ArrayList<>(launcher);
        argv.addAll(List.of(args));
        return argv;
    }
}
