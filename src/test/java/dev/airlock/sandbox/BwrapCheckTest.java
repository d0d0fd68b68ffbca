package dev.airlock.sandbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

class BwrapCheckTest {

    @TempDir
    Path dir;

    @Test
    void missingBwrapSaysWhatToInstall() {
        BwrapCheck.Result r = BwrapCheck.probe(dir.toString(), false);
        assertThat(r).isInstanceOf(BwrapCheck.Missing.class);
        assertThat(r.message()).isEqualTo("bubblewrap is not installed: install it with `apt-get install bubblewrap`"
                + " (Debian/Ubuntu) or `dnf install bubblewrap` (Fedora)");
    }

    @Test
    void failingBwrapReportsItsErrorAndTheSysctlsToCheck() throws IOException {
        Path fake = dir.resolve("bwrap");
        Files.writeString(fake, "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        BwrapCheck.Result r = BwrapCheck.probe(dir + ":/usr/bin:/bin", false);
        assertThat(r).isInstanceOf(BwrapCheck.Broken.class);
        assertThat(r.message()).contains("No permissions to create new namespace", "kernel.unprivileged_userns_clone",
                "user.max_user_namespaces", "kernel.apparmor_restrict_unprivileged_userns");
    }

    @Test
    void relativePathEntriesAreIgnored() throws IOException {
        Path fake = dir.resolve("bwrap");
        Files.writeString(fake, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(BwrapCheck.onPath("::.:relative", "bwrap")).isEmpty();
        assertThat(BwrapCheck.onPath(dir.toString(), "bwrap")).contains(fake);
    }
}
