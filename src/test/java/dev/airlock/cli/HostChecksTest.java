package dev.airlock.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class HostChecksTest {

    @Test
    void rootStateFolderBehindAFolderDomainsCannotPassThroughFailsWithTheChmod(@TempDir Path dir) throws Exception {
        Path closed = Files.createDirectory(dir.resolve("closed"));
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        HostChecks.Check c = HostChecks.stateFolder(closed.resolve("airlock"), true);
        assertThat(c.status()).isEqualTo(HostChecks.Status.FAIL);
        assertThat(c.fix()).startsWith("chmod o+x " + closed);
        assertThat(HostChecks.stateFolder(closed.resolve("airlock"), false).status())
                .isEqualTo(HostChecks.Status.OK);
    }

    @Test
    void userNamespacesSwitchedOffFailsAndAppArmorRestrictionWarnsWithTheSysctl() {
        assertThat(HostChecks.userNamespaces(Optional.of("0"), Optional.of("100"), Optional.empty()))
                .satisfies(c -> {
                    assertThat(c.status()).isEqualTo(HostChecks.Status.FAIL);
                    assertThat(c.fix()).contains("sysctl -w kernel.unprivileged_userns_clone=1");
                });
        assertThat(HostChecks.userNamespaces(Optional.empty(), Optional.of("0"), Optional.empty()).status())
                .isEqualTo(HostChecks.Status.FAIL);
        assertThat(HostChecks.userNamespaces(Optional.empty(), Optional.of("100"), Optional.of("1")))
                .satisfies(c -> {
                    assertThat(c.status()).isEqualTo(HostChecks.Status.WARN);
                    assertThat(c.fix()).contains("kernel.apparmor_restrict_unprivileged_userns=0");
                });
        assertThat(HostChecks.userNamespaces(Optional.of("1"), Optional.of("100"), Optional.of("0")).status())
                .isEqualTo(HostChecks.Status.OK);
    }

    @Test
    void oldKernelAndMissingLandlockWarnOneLineEachWithAFix() {
        HostChecks.Check old = HostChecks.kernel(Optional.of("5.10.0-28-amd64"));
        assertThat(old.status()).isEqualTo(HostChecks.Status.WARN);
        assertThat(old.line()).contains("5.10.0-28-amd64").contains("\n  fix: upgrade");
        assertThat(HostChecks.kernel(Optional.of("6.1.0-13-amd64")).line()).isEqualTo("kernel: 6.1.0-13-amd64");
        assertThat(HostChecks.landlock(0).status()).isEqualTo(HostChecks.Status.WARN);
        assertThat(HostChecks.landlock(4).line()).isEqualTo("landlock: ABI 4");
    }

    @Test
    void missingNotifySendWarnsWithThePackageAndARelativePathEntryNeverCounts(@TempDir Path dir) throws Exception {
        Path tool = Files.writeString(dir.resolve("notify-send"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(HostChecks.notifications(dir.toString()).status()).isEqualTo(HostChecks.Status.OK);
        HostChecks.Check none = HostChecks.notifications("relative/bin:" + dir.resolve("empty"));
        assertThat(none.status()).isEqualTo(HostChecks.Status.WARN);
        assertThat(none.fix()).isEqualTo("apt-get install libnotify-bin");
    }

    @Test
    void noDisplayOnlyWarns() {
        assertThat(HostChecks.display(Map.of()).status()).isEqualTo(HostChecks.Status.WARN);
        assertThat(HostChecks.display(Map.of("DISPLAY", ":0")).line()).isEqualTo("display: X display :0");
    }
}
