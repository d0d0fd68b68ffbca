package dev.airlock.backup.io;

import dev.airlock.backup.ScryptParams;
import dev.airlock.domain.Registry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Qubes' emergency procedure ({@code docs/backup.md} section 10) restores a domain's home from an airlock backup
 * with nothing but GNU tar, tarsnap's scrypt (Debian package {@code scrypt}) and gzip, using the scrypt
 * parameters airlock writes by default, which {@code scrypt dec} must accept without {@code -f}.
 */
@Timeout(300)
class EmergencyRestoreTest {

    /**
     * The commands of section 10, in order; only the name-to-vmN lookup uses awk instead of xmlstarlet, which
     * the test machine lacks. Arguments: the backup file, the domain's name; the passphrase on standard input.
     */
    private static final String PROCEDURE = """
            set -euo pipefail
            backup=$1 name=$2
            tar -i -xvf "$backup" backup-header backup-header.hmac qubes.xml.000.enc
            read -r backup_pass; set +H
            echo "backup-header!$backup_pass" | scrypt dec -P backup-header.hmac backup-header.verified \\
              && diff -qs backup-header backup-header.verified
            grep -qx 'version=4' backup-header
            grep -qx 'compression-filter=gzip' backup-header
            backup_id=$(sed -n 's/^backup-id=//p' backup-header)
            echo "$backup_id!qubes.xml.000!$backup_pass" | scrypt dec -P qubes.xml.000.enc | gzip -d | tar -xv
            vm=$(awk '/<domain /{n="";p=""}
                      /<property name="name">/{sub(/.*<property name="name">/,""); sub(/<.*/,""); n=$0}
                      /<feature name="backup-path">/{sub(/.*<feature name="backup-path">/,""); sub(/<.*/,""); p=$0}
                      /<\\/domain>/{if (n != "") print n, p}' qubes.xml | awk -v n="$name" '$1 == n {print $2}')
            test -n "$vm"
            tar -i -xvf "$backup" "$vm"
            find "$vm" -name 'home.*.enc' | sort -V | while read f; do
              echo "$backup_id!${f%.enc}!$backup_pass" | scrypt dec -P "$f" || break; done | gzip -d | tar -xv
            echo "$vm"
            """;

    @TempDir
    Path source;

    @TempDir
    Path work;

    @Test
    void qubesEmergencyProcedureRestoresAHomeWithTarScryptAndGzip() throws Exception {
        for (String tool : List.of("/usr/bin/scrypt", "/usr/bin/tar", "/usr/bin/gzip")) {
            assumeTrue(Files.isExecutable(Path.of(tool)), tool + " is not installed (Debian: scrypt, tar, gzip)");
        }
        Registry registry = Backups.sample(source.resolve("airlock"));
        // The default parameters, so that scrypt dec must accept them as they are; small chunks, so that the
        // procedure's loop joins several.
        BackupWriter.Options options = new BackupWriter.Options(Backups.PASSPHRASE, "gzip", ScryptParams.DEFAULT, 2,
                32 * 1024);
        Path backup = work.resolve("qubes-backup-2026-01-01T000000");
        Files.write(backup, Backups.backup(registry, source.resolve("no-policy"), options));
        assertThat(Backups.members(Files.readAllBytes(backup))).extracting(Backups.Member::name)
                .contains("vm2/home.000.enc", "vm2/home.001.enc", "vm2/home.002.enc");

        Path script = Files.writeString(work.resolve("procedure.sh"), PROCEDURE);
        Path out = work.resolve("out");
        Files.createDirectory(out);
        Process p = new ProcessBuilder("bash", script.toString(), backup.toString(), "work").directory(out.toFile())
                .redirectErrorStream(true).start();
        p.getOutputStream().write((Backups.PASSPHRASE + "\n").getBytes());
        p.getOutputStream().close();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(log).isZero();
        assertThat(log).contains("backup-header and backup-header.verified are identical");
        String vm = log.strip().lines().reduce((a, b) -> b).orElseThrow();
        assertThat(vm).isEqualTo("vm2/");

        assertThat(Backups.tree(out.resolve("vm2/home")))
                .isEqualTo(Backups.tree(registry.domainFolder("work").resolve("home")));
    }
}
