package dev.airlock.xdg;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.airlock.menu.AppEntry;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of the {@code .desktop} parser (issue 17): a domain writes these files. Only
 * {@link MalformedEntryException} may escape; an accepted entry keeps the parser's own promises: at most one file
 * code, a bounded argument count, no control character in what it returns but those its escapes make, and a command
 * line that names the file exactly where the file code stood; and the menu's reading of it draws one line.
 */
class DesktopFileFuzzTest {
    private static final String FILE = "/home/user/QubesIncoming/x/report.pdf";

    @FuzzTest(maxDuration = "10m")
    void desktopFile(byte[] data) {
        DesktopFile entry;
        try {
            entry = DesktopFile.parse(data);
        } catch (MalformedEntryException refused) {
            return;
        }
        assertThat(data.length).isLessThanOrEqualTo(DesktopFile.MAX_BYTES);
        Exec exec = entry.exec();
        assertThat(exec.args()).isNotEmpty().hasSizeLessThanOrEqualTo(256);
        assertThat(exec.fileCodes()).isLessThanOrEqualTo(1);
        // Only the escapes \t \n \r make control characters, and only in Name and Icon.
        assertThat(entry.name() + entry.icon()).doesNotMatch("(?s).*[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f].*");
        menuEntry(data);
        List<String> argv = exec.argvFor(FILE);
        List<String> bare = exec.argvWithoutFile();
        assertThat(argv).hasSizeLessThanOrEqualTo(exec.args().size());
        // The entry's own text may spell the path too: only the arguments the file changes count.
        long named = argv.stream().filter(a -> a.contains(FILE)).count();
        long spelled = bare.stream().filter(a -> a.contains(FILE)).count();
        assertThat(named - spelled).as("arguments the file was put into").isBetween(0L, (long) exec.fileCodes());
    }

    /** The menu's reading of the same file: a name it accepts draws one line, with nothing hidden in it. */
    private static void menuEntry(byte[] data) {
        AppEntry app;
        try {
            app = AppEntry.parse("fuzzed", data);
        } catch (MalformedEntryException refused) {
            return;
        }
        assertThat(app.name().codePoints()).as("characters of the menu name %s", app.name())
                .noneMatch(c -> Character.getType(c) == Character.CONTROL || Character.getType(c) == Character.FORMAT);
    }
}
