package dev.airlock.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FdTest {
    private static final int DIR = Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_CLOEXEC;

    private static byte[] b(Object s) {
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aClosedDescriptorIsNotUsedEvenWhenItsNumberWentToAnotherDirectory(@TempDir Path tmp) throws Exception {
        Files.createDirectory(tmp.resolve("a"));
        Files.createDirectory(tmp.resolve("b"));
        Files.writeString(tmp.resolve("b/secret"), "x");
        Fd a = Fd.CWD.open(b(tmp.resolve("a")), DIR, 0);
        int number = a.number();
        a.close();
        try (Fd b = Fd.CWD.open(b(tmp.resolve("b")), DIR, 0)) {
            // The kernel hands out the lowest free number: b now has a's, so a raw int would reach into b.
            assertThat(b.number()).isEqualTo(number);
            assertThatThrownBy(() -> a.stat(b("secret"), Posix.AT_SYMLINK_NOFOLLOW))
                    .isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> a.open(b("secret"), Posix.O_RDONLY, 0))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void closingTwiceNeverClosesTheDescriptorThatTookTheNumber(@TempDir Path tmp) throws Exception {
        Files.createDirectory(tmp.resolve("d"));
        Fd first = Fd.CWD.open(b(tmp), DIR, 0);
        first.close();
        try (Fd second = Fd.CWD.open(b(tmp), DIR, 0)) {
            first.close();
            assertThat(second.stat(b("d"), Posix.AT_SYMLINK_NOFOLLOW).isDirectory()).isTrue();
        }
    }

    @Test
    void theWorkingDirectoryIsNeverClosed(@TempDir Path tmp) throws Exception {
        Fd.CWD.close();
        assertThat(Fd.CWD.stat(b(tmp), Posix.AT_SYMLINK_NOFOLLOW).isDirectory()).isTrue();
    }
}
