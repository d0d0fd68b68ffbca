package dev.airlock.desktop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.broker.LiveDomains;
import dev.airlock.domain.Domain;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opening a file in a disposable as a person sees it (docs/desktop.md): the viewer the disposable's desktop
 * chooses for the type (here {@code xdg-mime default} in the template, an xterm showing the file and appending the
 * line the person types) appears on the host titled {@code [dispN] }, shows the file's text, an edit the person
 * types comes back, view-only returns nothing, and the disposable is gone afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(300)
class OpenInDvmDesktopIT {
    private static final Duration MAPPED = Duration.ofSeconds(40);
    private static final Duration PAINTED = Duration.ofSeconds(10);
    private static final Pattern DISPOSABLE = Pattern.compile("^\\[(disp[0-9]{1,4})\\] viewer$");
    /** The viewer's text colour: glyphs of the core "fixed" font are drawn in exactly this colour. */
    private static final int TEXT = 0x0000ff;
    private static final String XTERM = "xterm -T viewer -geometry 50x6+0+0 -bg white -fg blue -cr white";
    private static final String VIEWER = """
            #!/bin/sh
            exec %s -e sh -c 'cat "$1"; IFS= read -r line; chmod u+w "$1"; printf %%s "$line" >> "$1"' viewer "$1"
            """.formatted(XTERM);
    private static final String DESKTOP_ENTRY = """
            [Desktop Entry]
            Type=Application
            Name=Text viewer
            Exec=sh /home/user/.local/bin/textviewer %f
            MimeType=text/plain;
            Terminal=false
            """;
    /** Four lines of W, the widest glyph: text that cannot be mistaken for an empty window. */
    private static final String CONTENT = ("W".repeat(40) + "\n").repeat(4);

    private DesktopSession session;
    private TestDisplay host;
    private LiveDomains live;
    private Path tmp;
    private long referenceGlyphPixels;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        this.tmp = tmp;
        session = DesktopSession.withDisplay(tmp, "qubes.OpenInVM * work @dispvm allow\n", "work", "default-dvm");
        host = session.display();
        live = session.live();
        // The template's desktop, set up inside it as a person would: a viewer registered for text/plain.
        LiveDomains.Result setup = live.sh("default-dvm", """
                mkdir -p .local/bin .local/share/applications
                cat > .local/bin/textviewer <<'EOF'
                %sEOF
                cat > .local/share/applications/textviewer.desktop <<'EOF'
                %sEOF
                xdg-mime default textviewer.desktop text/plain && xdg-mime query default text/plain
                """.formatted(VIEWER, DESKTOP_ENTRY));
        assertThat(setup.out().strip()).as(setup.err()).isEqualTo("textviewer.desktop");
        assertThat(session.airlock("shutdown", "default-dvm").code()).isZero();
        // As a person sets it up: the template's desktop first, then it serves disposables, by default.
        Commands.Result template = session.airlock("prefs", "default-dvm", "template_for_dispvms", "true");
        assertThat(template.code()).as(template.err()).isZero();
        Commands.Result global = session.airlock("prefs", "--global", "default_dispvm", "default-dvm");
        assertThat(global.code()).as(global.err()).isZero();
        referenceGlyphPixels = referenceRendering();
    }

    /** The text's pixels in the same xterm on the host: what the viewer must show of it. */
    private long referenceRendering() throws Exception {
        Path file = Files.writeString(tmp.resolve("reference.txt"), CONTENT);
        Process reference = host.spawn("sh", "-c", XTERM.replace("viewer", "reference") + " -e sh -c 'cat "
                + file + "; sleep 60'");
        try {
            long window = host.awaitWindow("^reference$", MAPPED).orElseThrow();
            TestDisplay.Geometry g = host.geometry(window);
            BufferedImage shot = host.screenshotOnce(tmp.resolve("reference.png"),
                    s -> Pixels.count(s, TEXT, g) > 1000, PAINTED);
            long n = Pixels.count(shot, TEXT, g);
            assertThat(n).as("the reference shows the text").isGreaterThan(1000);
            return n;
        } finally {
            Commands.kill(reference.toHandle());
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (session != null) {
            session.close();
        }
    }

    @Test
    void hostFileShownInADisposableViewerAndEditedThereComesBack() throws Exception {
        Path file = Files.writeString(tmp.resolve("report.txt"), CONTENT);
        Process open = session.airlockInBackground("open-in-dvm", file.toString());
        String disposable = viewerShowsTheText(open, "host-file");
        host.type(" edited-by-person");
        host.key("Return");
        assertThat(open.waitFor(60, TimeUnit.SECONDS)).as("open-in-dvm ends with the viewer").isTrue();
        assertThat(open.exitValue()).as(session.output(open)).isZero();
        assertThat(Files.readString(file)).isEqualTo(CONTENT + " edited-by-person");
        assertGone(disposable);
    }

    @Test
    void viewOnlyShowsTheFileAndReturnsNothing() throws Exception {
        Path file = Files.writeString(tmp.resolve("notes.txt"), CONTENT);
        Object inode = Files.getAttribute(file, "unix:ino");
        // The pool refills after each call: a started disposable, its display attached, waits for this one.
        String pooled = awaitPooled();
        Process open = session.airlockInBackground("open-in-dvm", "--view-only", file.toString());
        String disposable = viewerShowsTheText(open, "view-only, pooled");
        assertThat(disposable).isEqualTo(pooled);
        host.type(" edited-by-person");
        host.key("Return");
        assertThat(open.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(open.exitValue()).as(session.output(open)).isZero();
        assertThat(Files.readString(file)).isEqualTo(CONTENT);
        assertThat(Files.getAttribute(file, "unix:ino")).isEqualTo(inode);
        assertGone(disposable);
    }

    @Test
    void domainFileShownInADisposableViewerAndEditedThereComesBackToTheDomain() throws Exception {
        assertThat(live.run("work", CONTENT, "sh", "-c", "cat > letter.txt").code()).isZero();
        Process open = session.airlockInBackground("open-in-dvm", "work:letter.txt");
        String disposable = viewerShowsTheText(open, "domain-file");
        host.type(" edited-by-person");
        host.key("Return");
        assertThat(open.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(open.exitValue()).as(session.output(open)).isZero();
        assertThat(live.run("work", "", "cat", "letter.txt").out()).isEqualTo(CONTENT + " edited-by-person");
        assertGone(disposable);
    }

    /**
     * Waits for the viewer's window, checks its title and that it shows the text as the host's own xterm does,
     * focuses it for the person's typing, and returns the disposable's name.
     */
    private String viewerShowsTheText(Process open, String shot) throws Exception {
        long t0 = open.info().startInstant().map(i -> i.toEpochMilli()).orElseThrow();
        Optional<Long> found = host.awaitWindow("^\\[disp[0-9]+\\] viewer$", MAPPED);
        System.out.printf("measured: open-in-dvm (%s) until the viewer is mapped: %d ms%n", shot,
                System.currentTimeMillis() - t0);
        assertThat(found).as("a viewer window [dispN] viewer on the host display; open-in-dvm said: %s",
                session.output(open)).isPresent();
        long window = found.get();
        Matcher m = DISPOSABLE.matcher(host.title(window));
        assertThat(m.matches()).isTrue();
        Path png = tmp.resolve(shot + ".png");
        TestDisplay.Geometry g = host.geometry(window);
        long low = referenceGlyphPixels * 9 / 10;
        long high = referenceGlyphPixels * 11 / 10;
        BufferedImage image = host.screenshotOnce(png, s -> {
            long n = Pixels.count(s, TEXT, g);
            return n >= low && n <= high;
        }, PAINTED);
        assertThat(Pixels.count(image, TEXT, g)).as("the text in the viewer (target/desktop-screenshots/%s.png)", shot)
                .isBetween(low, high);
        host.activate(window);
        return m.group(1);
    }

    /** The name of a pooled disposable once {@code airlock ls} lists one (at most 90 s). */
    private String awaitPooled() throws Exception {
        for (int i = 0; i < 90; i++) {
            Optional<String> pooled = session.airlock("ls").out().lines().map(l -> l.split("\\s+"))
                    .filter(f -> f.length > 2 && f[1].equals("DispVM") && f[2].equals("Pooled")).map(f -> f[0])
                    .findFirst();
            if (pooled.isPresent()) {
                return pooled.get();
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("no pooled disposable: " + session.airlock("ls").out());
    }

    private void assertGone(String disposable) throws Exception {
        for (int i = 0; i < 200 && live.registry().read(all -> all.get(disposable)).isPresent(); i++) {
            Thread.sleep(50);
        }
        Optional<String> listed = live.registry().read(all -> all.get(disposable).map(Domain::name));
        assertThat(listed).as("%s in the registry", disposable).isEmpty();
        assertThat(live.running()).doesNotContain(disposable);
        assertThat(host.windows("^\\[" + disposable + "\\] ")).isEmpty();
    }
}
