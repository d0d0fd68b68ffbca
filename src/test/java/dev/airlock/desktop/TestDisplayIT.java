package dev.airlock.desktop;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixture the desktop tests stand on finds a mapped window by title, reads where it is, and sees its pixels in
 * a screenshot; and the clipboard round-trips on the host. A fixture that could not see a window would let every
 * "never appears" test pass without checking anything.
 */
@Timeout(120)
class TestDisplayIT {

    @Test
    void windowOfTheSessionIsFoundAndItsPixelsAreInTheScreenshot(@TempDir Path tmp) throws Exception {
        try (TestDisplay display = TestDisplay.start(tmp.resolve("display"))) {
            Process xterm = display.spawn("xterm", "-T", "fixture-probe", "-bg", "#12ab34", "-geometry", "40x10",
                    "-e", "sleep 60");
            try {
                long window = display.awaitWindow("^fixture-probe$", Duration.ofSeconds(20)).orElseThrow();
                assertThat(display.title(window)).isEqualTo("fixture-probe");
                TestDisplay.Geometry g = display.geometry(window);
                assertThat(g.width()).isGreaterThan(50);
                BufferedImage shot = display.screenshot(tmp.resolve("fixture.png"));
                assertThat(Pixels.hex(shot.getRGB(g.x() + g.width() / 2, g.y() + g.height() - 3)))
                        .isEqualTo("#12ab34");
                assertThat(Pixels.count(shot, 0x12ab34)).isGreaterThan(g.width() * g.height() / 2);
                assertThat(display.windows("^no-such-window$")).isEmpty();
            } finally {
                Commands.kill(xterm.toHandle());
            }
            assertThat(display.clipboard()).isEmpty();
            display.setClipboard("on the host clipboard");
            assertThat(display.clipboard()).contains("on the host clipboard");
        }
    }
}
