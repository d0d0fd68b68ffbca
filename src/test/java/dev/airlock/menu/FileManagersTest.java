package dev.airlock.menu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.sys.Trees;
import dev.airlock.testing.Threat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code airlock desktop install/uninstall} in a temporary home: the files each file manager gets, that they are
 * valid, idempotence, that only airlock's files are ever replaced or removed, and that the scripts hand every file
 * name, however hostile, to airlock as exactly one argument.
 */
class FileManagersTest {
    @TempDir
    Path tmp;

    private Installation.Dirs dirs;
    private Path fake;
    private Path calls;

    @BeforeEach
    void home() throws IOException {
        dirs = Installation.Dirs.of(Map.of("HOME", tmp.resolve("home").toString()));
        calls = tmp.resolve("calls");
        // Stands for airlock: records each call's arguments, NUL-terminated, in a file of its own (the scripts
        // call it several times at once); answers "ls".
        fake = tmp.resolve("fake-airlock");
        Files.writeString(fake, """
                #!/bin/sh
                if [ "$1" = ls ]; then
                  printf 'NAME  CLASS    STATE\\ndom0  AdminVM  Running\\nwork  AppVM    Halted\\nvault AppVM Halted\\n'
                  exit 0
                fi
                mkdir -p '%s'
                for a in "$@"; do printf '%%s\\0' "$a"; done > "$(mktemp '%s/call.XXXXXX')"
                """.formatted(calls, calls));
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
    }

    private FileManagers.Host host() {
        return new FileManagers.Host(List.of(fake.toString()));
    }

    @Test
    void installWritesTheActionsOfEveryFileManagerAndListsThem() throws Exception {
        List<Installation.Change> changes = Installation.install(host(), dirs);
        Path data = dirs.dataHome();
        assertThat(changes).allMatch(c -> c.status() == Installation.Status.WRITTEN);
        assertThat(changes.stream().map(Installation.Change::path)).contains(
                data.resolve("nautilus/scripts/Open in disposable"),
                data.resolve("nautilus/scripts/View in disposable"),
                data.resolve("nautilus/scripts/Send to domain..."),
                data.resolve("nemo/scripts/Open in disposable"),
                data.resolve("kio/servicemenus/airlock-host-files.desktop"),
                data.resolve("kio/servicemenus/airlock-host-files-and-folders.desktop"),
                data.resolve("kservices5/ServiceMenus/airlock-host-files.desktop"),
                dirs.configHome().resolve("Thunar/uca.xml"));
        for (Installation.Change c : changes) {
            assertThat(Files.readString(c.path())).as(c.path().toString()).contains(FileManagers.MARKER);
        }
        assertThat(Files.isExecutable(data.resolve("nautilus/scripts/Open in disposable"))).isTrue();
        assertThat(Files.isExecutable(data.resolve("kio/servicemenus/airlock-host-files.desktop")))
                .as("KF6 ignores a service menu in a user folder that is not executable").isTrue();
        String menu = Files.readString(data.resolve("kio/servicemenus/airlock-host-files.desktop"));
        assertThat(menu).contains("Name=Open in disposable", "Name=View in disposable")
                .doesNotContain("Send to domain").contains("Exec=" + data.resolve("airlock-desktop/open-in-disposable")
                        + " %F");
    }

    @Test
    void domainSideWritesTheSeedsFourActionsCallingTheInDomainTools() throws Exception {
        Installation.install(new FileManagers.InsideDomain(), dirs);
        Path scripts = dirs.dataHome().resolve("nautilus/scripts");
        try (var s = Files.list(scripts)) {
            assertThat(s.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("Send to VM", "Move to VM", "Open in DVM", "View in DVM");
        }
        assertThat(Files.readString(scripts.resolve("Send to VM")))
                .contains("'/run/airlock/bin/qvm-copy' -- \"$@\"");
        assertThat(Files.readString(scripts.resolve("Move to VM")))
                .contains("'/run/airlock/bin/qvm-move' -- \"$@\"");
        assertThat(Files.readString(scripts.resolve("View in DVM")))
                .contains("'/run/airlock/bin/qvm-open-in-dvm' '--view-only' -- \"$f\"");
        String uca = Files.readString(dirs.configHome().resolve("Thunar/uca.xml"));
        assertThat(uca).contains("<name>Send to VM</name>", "<unique-id>airlock-open-in-dvm</unique-id>");
    }

    @Test
    void generatedServiceMenusPassDesktopFileValidate() throws Exception {
        assumeTrue(onPath("desktop-file-validate"), "desktop-file-validate (desktop-file-utils) is not installed");
        Installation.install(host(), dirs);
        Installation.install(new FileManagers.InsideDomain(), Installation.Dirs.of(Map.of("HOME",
                tmp.resolve("domain home").toString())));
        List<Path> files = new ArrayList<>();
        for (Path root : List.of(dirs.dataHome(), tmp.resolve("domain home/.local/share"))) {
            try (var s = Files.list(root.resolve("kio/servicemenus"))) {
                files.addAll(s.toList());
            }
        }
        assertThat(files).hasSize(4);
        for (Path f : files) {
            Validation v = validate(f);
            // A service menu is KDE's Type=Service, which the freedesktop validator knows only to say that MimeType
            // and Actions belong to applications there; any other complaint is a real one.
            List<String> errors = v.output().lines().filter(l -> l.contains("error:"))
                    .filter(l -> !l.matches(".*error: key \"(MimeType|Actions)\" is present in group \"Desktop "
                            + "Entry\", but the type is \"Service\" while this key is only valid for type "
                            + "\"Application\""))
                    .toList();
            assertThat(errors).as(f + ": " + v.output()).isEmpty();
            assertThat(v.output()).as(f.toString()).doesNotContain("warning:");
        }
    }

    @Test
    void secondInstallChangesNothingAndSaysSo() throws Exception {
        Installation.install(host(), dirs);
        Path script = dirs.dataHome().resolve("nautilus/scripts/Open in disposable");
        Object inode = Files.getAttribute(script, "unix:ino");
        String uca = Files.readString(dirs.configHome().resolve("Thunar/uca.xml"));
        List<Installation.Change> again = Installation.install(host(), dirs);
        assertThat(again).isNotEmpty().allMatch(c -> c.status() == Installation.Status.UNCHANGED);
        assertThat(Files.getAttribute(script, "unix:ino")).as("not even rewritten").isEqualTo(inode);
        assertThat(Files.readString(dirs.configHome().resolve("Thunar/uca.xml"))).isEqualTo(uca);
    }

    @Test
    void aChangedLauncherUpdatesOnlyTheFilesThatNameIt() throws Exception {
        Installation.install(host(), dirs);
        List<Installation.Change> changes = Installation.install(new FileManagers.Host(List.of("/opt/other/airlock")),
                dirs);
        assertThat(changes).anyMatch(c -> c.status() == Installation.Status.UPDATED);
        assertThat(Files.readString(dirs.dataHome().resolve("airlock-desktop/open-in-disposable")))
                .contains("'/opt/other/airlock' 'open-in-dvm'");
    }

    @Test
    void uninstallRemovesOnlyFilesCarryingTheMarker() throws Exception {
        Path mine = Files.createDirectories(dirs.dataHome().resolve("nautilus/scripts")).resolve("My own script");
        Files.writeString(mine, "#!/bin/sh\necho mine\n");
        Installation.install(host(), dirs);
        // The user replaced one of ours by a file of their own: it is theirs now.
        Path replaced = dirs.dataHome().resolve("nemo/scripts/View in disposable");
        Files.delete(replaced);
        Files.writeString(replaced, "#!/bin/sh\necho my viewer\n");
        List<Installation.Change> removed = Installation.uninstall(host(), dirs);
        assertThat(removed).anyMatch(c -> c.path().equals(replaced) && c.status() == Installation.Status.NOT_OURS);
        // Every plain file but the one the user replaced, and airlock's entries of uca.xml.
        int ours = FileManagers.files(host(), dirs.dataHome()).size() - 1;
        assertThat(removed).filteredOn(c -> c.status() == Installation.Status.REMOVED).hasSize(ours + 1);
        assertThat(mine).hasContent("#!/bin/sh\necho mine\n");
        assertThat(replaced).hasContent("#!/bin/sh\necho my viewer\n");
        assertThat(dirs.dataHome().resolve("nautilus/scripts/Open in disposable")).doesNotExist();
        assertThat(dirs.dataHome().resolve("airlock-desktop")).doesNotExist();
        assertThat(Installation.uninstall(host(), dirs)).allMatch(c -> c.status() == Installation.Status.NOT_OURS);
    }

    @Test
    void installNeverOverwritesAUsersFileOfTheSameName() throws Exception {
        Path theirs = Files.createDirectories(dirs.dataHome().resolve("nautilus/scripts"))
                .resolve("Open in disposable");
        Files.writeString(theirs, "#!/bin/sh\necho theirs\n");
        List<Installation.Change> changes = Installation.install(host(), dirs);
        assertThat(changes).contains(new Installation.Change(theirs, Installation.Status.NOT_OURS));
        assertThat(theirs).hasContent("#!/bin/sh\necho theirs\n");
    }

    @Test
    void installDoesNotWriteThroughASymlinkPlantedAtAnEntrysPath() throws Exception {
        Path target = Files.writeString(tmp.resolve("precious"), "precious " + FileManagers.MARKER);
        Path link = Files.createDirectories(dirs.dataHome().resolve("nautilus/scripts"))
                .resolve("Open in disposable");
        Files.createSymbolicLink(link, target);
        assertThat(Installation.install(host(), dirs))
                .contains(new Installation.Change(link, Installation.Status.NOT_OURS));
        assertThat(Installation.uninstall(host(), dirs))
                .contains(new Installation.Change(link, Installation.Status.NOT_OURS));
        assertThat(target).hasContent("precious " + FileManagers.MARKER);
        assertThat(Files.isSymbolicLink(link)).isTrue();
    }

    @Test
    void hostileFileNamesReachOpenInDvmAsOneAbsoluteArgumentEach() throws Exception {
        Installation.install(host(), dirs);
        Path folder = Files.createDirectories(tmp.resolve("Downloads"));
        List<String> names = List.of("plain.pdf", "with space.txt", "-rf", "--view-only", "line\nbreak",
                "it's \"quoted\"", "work:secret.txt", "$(touch pwned)", "`touch pwned`", "*", "back\\slash");
        for (String n : names) {
            Files.writeString(folder.resolve(n), n);
        }
        for (String script : List.of("nautilus/scripts/Open in disposable", "nemo/scripts/Open in disposable",
                "airlock-desktop/open-in-disposable")) {
            Threat.named("a file name steering the command line of " + script, () -> {
                Trees.delete(calls);
                // Nautilus passes names relative to the folder it runs the script in.
                run(dirs.dataHome().resolve(script), folder, Map.of(), names.toArray(String[]::new));
                List<List<String>> got = calls();
                assertThat(got).hasSize(names.size());
                for (String n : names) {
                    assertThat(got).contains(List.of("open-in-dvm", "--", folder.resolve(n).toString()));
                }
                assertThat(folder.resolve("pwned")).doesNotExist();
                assertThat(tmp.resolve("home/pwned")).doesNotExist();
            });
        }
    }

    @Test
    void viewInDisposablePassesViewOnlyBeforeTheFile() throws Exception {
        Installation.install(host(), dirs);
        Path f = Files.writeString(tmp.resolve("-x.txt"), "x");
        run(dirs.dataHome().resolve("nautilus/scripts/View in disposable"), tmp, Map.of(), f.toString());
        assertThat(calls()).containsExactly(List.of("open-in-dvm", "--view-only", "--", f.toString()));
    }

    @Test
    void sendToDomainCopiesToTheDomainChosenInTheDialog() throws Exception {
        Installation.install(host(), dirs);
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path shown = tmp.resolve("shown");
        // Stands for zenity: shows nothing, keeps what it was offered, and picks "vault".
        Path zenity = Files.writeString(bin.resolve("zenity"), "#!/bin/sh\ncat > '" + shown + "'\necho vault\n");
        Files.setPosixFilePermissions(zenity, PosixFilePermissions.fromString("rwx------"));
        Path f = Files.writeString(tmp.resolve("a b.txt"), "x");
        run(dirs.dataHome().resolve("nautilus/scripts/Send to domain..."), tmp,
                Map.of("PATH", bin + ":/usr/bin:/bin", "DISPLAY", ":99"), "a b.txt", "-dash");
        assertThat(shown).hasContent("work\nvault");
        assertThat(calls()).containsExactly(List.of("copy", "--", f.toString(), tmp.resolve("-dash").toString(),
                "vault"));
    }

    @Test
    void aDialogAnswerThatIsNoDomainNameSendsNothing() throws Exception {
        Installation.install(host(), dirs);
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path zenity = Files.writeString(bin.resolve("zenity"), "#!/bin/sh\ncat >/dev/null\necho '--help'\n");
        Files.setPosixFilePermissions(zenity, PosixFilePermissions.fromString("rwx------"));
        Files.writeString(tmp.resolve("f"), "x");
        run(dirs.dataHome().resolve("nautilus/scripts/Send to domain..."), tmp,
                Map.of("PATH", bin + ":/usr/bin:/bin", "DISPLAY", ":99"), "f");
        assertThat(calls).doesNotExist();
    }

    @Test
    void aDataFolderWithPercentIsRefusedRatherThanMisreadByThunar() {
        Installation.Dirs odd = new Installation.Dirs(tmp.resolve("100%F"), tmp.resolve("config"));
        assertThatThrownBy(() -> Installation.install(host(), odd)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("XDG_DATA_HOME");
    }

    private List<List<String>> calls() throws IOException {
        if (!Files.exists(calls)) {
            return List.of();
        }
        List<List<String>> all = new ArrayList<>();
        try (var files = Files.list(calls)) {
            for (Path call : files.sorted().toList()) {
                String text = Files.readString(call, StandardCharsets.UTF_8);
                all.add(Arrays.asList(text.substring(0, text.length() - 1).split("\0", -1)));
            }
        }
        return all;
    }

    private static void run(Path script, Path dir, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(script.toString()));
        cmd.addAll(List.of(args));
        run(dir, env, cmd);
    }

    /** Runs {@code cmd} in {@code dir} without a display (errors go to its output), and expects success. */
    private static void run(Path dir, Map<String, String> env, List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().remove("DISPLAY");
        pb.environment().remove("WAYLAND_DISPLAY");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    record Validation(int code, String output) {
    }

    static Validation validate(Path file) throws Exception {
        Process p = new ProcessBuilder("desktop-file-validate", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Validation(p.waitFor(), out);
    }

    static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void dolphinAndThunarFindTheScriptWhateverTheHomeFolderIsCalled() throws Exception {
        Installation.Dirs odd = Installation.Dirs.of(Map.of("HOME", tmp.resolve("it's a \"home\" $HOME `x`")
                .toString()));
        Installation.install(host(), odd);
        Path script = odd.dataHome().resolve("airlock-desktop/open-in-disposable");
        // Dolphin: the Exec line, read by the Desktop Entry rules, names the script, then the files (%F).
        String menu = Files.readString(odd.dataHome().resolve("kio/servicemenus/airlock-host-files.desktop"));
        String exec = menu.lines().filter(l -> l.startsWith("Exec=")).findFirst().orElseThrow();
        assertThat(AppEntry.parse("x", ("[Desktop Entry]\nType=Application\nName=x\n" + exec + "\n")
                .getBytes(StandardCharsets.UTF_8)).argv()).containsExactly(script.toString());
        // Thunar: %F becomes each path through g_shell_quote (single quotes), then the line is split like sh does.
        String uca = Files.readString(odd.configHome().resolve("Thunar/uca.xml"));
        String command = uca.substring(uca.indexOf("<command>") + 9, uca.indexOf("</command>"))
                .replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
        Path f = Files.writeString(tmp.resolve("a 'b'.txt"), "x");
        run(tmp, Map.of(), List.of("sh", "-c", command.replace("%F",
                "'" + f.toString().replace("'", "'\\''") + "'")));
        assertThat(calls()).containsExactly(List.of("open-in-dvm", "--", f.toString()));
    }
}
