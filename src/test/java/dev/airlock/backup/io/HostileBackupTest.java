package dev.airlock.backup.io;

import dev.airlock.backup.BackupFormatException;
import dev.airlock.backup.KeyStrings;
import dev.airlock.backup.ScryptFile;
import dev.airlock.backup.TarEntry;
import dev.airlock.domain.Domains;
import dev.airlock.domain.Registry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static dev.airlock.backup.io.Backups.Member;
import static dev.airlock.backup.io.Backups.archive;
import static dev.airlock.backup.io.Backups.backupId;
import static dev.airlock.backup.io.Backups.chunks;
import static dev.airlock.backup.io.Backups.innerGzip;
import static dev.airlock.backup.io.Backups.members;
import static dev.airlock.backup.io.Backups.replacePath;
import static dev.airlock.backup.io.Backups.restoreOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Backups built to attack the restore: each is refused with a clear message, writes nothing outside the new
 * domains' folders, and leaves no domain and no staging folder behind.
 */
@Timeout(120)
class HostileBackupTest {

    @TempDir
    Path source;

    @TempDir
    Path target;

    @TempDir
    Path outside;

    private Registry into;
    private List<Member> good;
    private List<Member> other;
    private String id;

    @BeforeEach
    void backups() throws IOException {
        Registry from = Backups.sample(source.resolve("airlock"));
        Files.writeString(Files.createDirectories(source.resolve("policy.d")).resolve("a.policy"), "x\n");
        good = members(Backups.backup(from, source.resolve("policy.d"), Backups.fastOptions()));
        other = members(Backups.backup(from, source.resolve("policy.d"), Backups.fastOptions()));
        id = backupId(good);
        into = Registry.open(target.resolve("airlock"));
    }

    /** The restore of {@code backup} fails with a message containing {@code message}, and leaves nothing. */
    private void refused(List<Member> backup, String message) throws IOException {
        refused(archive(backup), message, restoreOptions(false, Restorer.Conflicts.FAIL));
    }

    private void refused(byte[] backup, String message, Restorer.Options options) throws IOException {
        assertThatThrownBy(() -> Restorer.restore(new ByteArrayInputStream(backup), into, options, Progress.NONE))
                .isInstanceOf(IOException.class).hasMessageContaining(message);
        int domains = into.read(Domains::size);
        assertThat(domains).as("no domain was added").isZero();
        Path d = into.home().resolve("domains");
        if (Files.exists(d)) {
            try (var s = Files.list(d)) {
                assertThat(s.toList()).as("no folder is left in domains/").isEmpty();
            }
        }
        try (var s = Files.list(into.home())) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("policy-restore")).toList())
                    .as("no policy folder").isEmpty();
        }
        try (var s = Files.list(outside)) {
            assertThat(s.toList()).as("nothing written outside").isEmpty();
        }
    }

    private List<Member> hostileHome(Backups.TarContent content) throws IOException {
        return replacePath(good, "vm2/home", chunks(id, "vm2/home", innerGzip(content)));
    }

    private static TarEntry file(String name, String data) {
        return TarEntry.file(name, 0644, data.length(), 0);
    }

    private static void add(dev.airlock.backup.TarWriter w, String name, String data) throws IOException {
        w.add(file(name, data), data.getBytes(StandardCharsets.UTF_8));
    }

    private static TarEntry dir(String name) {
        return new TarEntry(name, TarEntry.Type.DIRECTORY, 0755, 0, 0, 0, 0, null);
    }

    @Test
    void theBackupIsSoundBeforeItIsAttacked() throws IOException {
        Restorer.Summary s = Restorer.restore(new ByteArrayInputStream(archive(good)), into,
                restoreOptions(false, Restorer.Conflicts.FAIL), Progress.NONE);
        assertThat(s.restored()).containsOnlyKeys("work", "fedora");
        assertThat(good).extracting(Member::name).contains("vm2/home.000.enc", "vm2/home.001.enc");
    }

    @Test
    void memberNameWithDotDotCannotWriteOutsideTheNewHome() throws IOException {
        Path escape = target.relativize(outside);
        refused(hostileHome(w -> {
            w.begin(dir("vm2/home"));
            add(w, "vm2/home/../../../../" + escape + "/evil", "x");
        }), "'..' component");
        refused(hostileHome(w -> {
            w.begin(dir("vm2/home"));
            add(w, "vm2/../../evil", "x");
        }), "is outside vm2/home/");
    }

    @Test
    void absoluteMemberNameIsRefused() throws IOException {
        refused(hostileHome(w -> {
            w.begin(dir("vm2/home"));
            add(w, outside.resolve("evil").toString(), "x");
        }), "absolute name");
    }

    @Test
    void memberNameWithNulIsRefused() throws IOException {
        // A pax path (a name too long for ustar) can carry a NUL, which C code would cut the name at.
        refused(hostileHome(w -> {
            w.begin(dir("vm2/home"));
            add(w, "vm2/home/" + "a".repeat(120) + "\0" + "b".repeat(120), "x");
        }), "NUL");
    }

    @Test
    void symlinkThenFileThroughItCannotWriteOutside() throws IOException {
        refused(hostileHome(w -> {
            w.begin(dir("vm2/home"));
            w.begin(new TarEntry("vm2/home/link", TarEntry.Type.SYMLINK, 0777, 0, 0, 0, 0, outside.toString()));
            add(w, "vm2/home/link/evil", "x");
        }), "would pass through a symbolic link");
    }

    @Test
    void aMemberGivenTwiceCannotReplaceTheFirst() throws IOException {
        refused(hostileHome(w -> {
            w.begin(dir("vm2/home"));
            add(w, "vm2/home/f", "first");
            w.begin(new TarEntry("vm2/home/f", TarEntry.Type.SYMLINK, 0777, 0, 0, 0, 0, "/etc/shadow"));
        }), "there already");
    }

    @Test
    void aMemberOfAnotherDomainInAHomeArchiveIsRefused() throws IOException {
        refused(hostileHome(w -> {
            w.begin(dir("vm2/home"));
            add(w, "vm1/home/planted", "x");
        }), "is outside vm2/home/");
    }

    @Test
    void chunkFromAnotherFileIsRefused() throws IOException {
        List<Member> b = new ArrayList<>(good);
        int work = indexOf(b, "vm2/home.000.enc");
        int fedora = indexOf(b, "vm1/home.000.enc");
        b.set(work, new Member("vm2/home.000.enc", b.get(fedora).data()));
        refused(b, "vm2/home.000.enc: the passphrase is incorrect, or it belongs to another file");
    }

    @Test
    void chunkFromAnotherBackupWithTheSamePassphraseIsRefused() throws IOException {
        assertThat(backupId(other)).isNotEqualTo(id);
        List<Member> b = new ArrayList<>(good);
        int at = indexOf(b, "vm2/home.001.enc");
        b.set(at, new Member("vm2/home.001.enc", other.get(indexOf(other, "vm2/home.001.enc")).data()));
        refused(b, "vm2/home.001.enc: the passphrase is incorrect, or it belongs to another file or another backup");
    }

    @Test
    void chunksReorderedAreRefused() throws IOException {
        List<Member> b = new ArrayList<>(good);
        int first = indexOf(b, "vm2/home.001.enc");
        int second = indexOf(b, "vm2/home.002.enc");
        Member m = b.get(first);
        b.set(first, b.get(second));
        b.set(second, m);
        refused(b, "chunk vm2/home.002.enc is out of order (expected index 001)");
    }

    @Test
    void aPathsChunksSplitByAnotherPathAreRefused() throws IOException {
        List<Member> b = new ArrayList<>(good);
        Member moved = b.remove(indexOf(b, "vm1/home.000.enc"));
        b.add(indexOf(b, "vm2/home.001.enc"), moved);
        refused(b, "vm2/home is cut or corrupt");
    }

    @Test
    void aMissingChunkIsRefused() throws IOException {
        List<Member> middle = new ArrayList<>(good);
        middle.remove(indexOf(middle, "vm2/home.001.enc"));
        refused(middle, "out of order (expected index 001)");

        List<Member> last = new ArrayList<>(good);
        int end = indexOf(last, "vm2/home.000.enc");
        while (last.get(end + 1).name().startsWith("vm2/home.")) {
            end++;
        }
        last.remove(end);
        refused(last, "vm2/home is cut or corrupt");

        List<Member> whole = new ArrayList<>(good);
        whole.removeIf(m -> m.name().startsWith("vm2/home."));
        refused(whole, "the backup lacks vm2/home (the home of work)");
    }

    @Test
    void aTruncatedChunkIsRefused() throws IOException {
        List<Member> b = new ArrayList<>(good);
        int at = indexOf(b, "vm2/home.001.enc");
        byte[] data = b.get(at).data();
        b.set(at, new Member("vm2/home.001.enc", Arrays.copyOf(data, data.length - 100)));
        refused(b, "vm2/home.001.enc: its data was changed or cut");

        byte[] whole = archive(good);
        int cut = whole.length / 2;
        refused(Arrays.copyOf(whole, cut), "truncated", restoreOptions(false, Restorer.Conflicts.FAIL));
    }

    @Test
    void aModifiedHeaderIsRefused() throws IOException {
        List<Member> b = new ArrayList<>(good);
        String header = new String(b.getFirst().data(), StandardCharsets.US_ASCII);
        b.set(0, new Member("backup-header", header.replace("compressed=True", "compressed=False")
                .getBytes(StandardCharsets.US_ASCII)));
        refused(b, "backup-header was modified");
    }

    @Test
    void aHeaderHmacOver4KiBIsRefused() throws IOException {
        List<Member> b = new ArrayList<>(good);
        b.set(1, new Member("backup-header.hmac", new byte[4097]));
        refused(b, "backup-header.hmac is 4097 bytes, over the 4096-byte limit");
    }

    @Test
    void aCompressionFilterNotOnTheListIsRefusedEvenWhenAuthentic() throws IOException {
        // The attacker knows the passphrase (a compromised source): the header authenticates, its filter is a command.
        List<Member> b = new ArrayList<>(good);
        String header = new String(b.getFirst().data(), StandardCharsets.US_ASCII)
                .replace("compression-filter=gzip", "compression-filter=touch-pwned");
        byte[] bytes = header.getBytes(StandardCharsets.US_ASCII);
        b.set(0, new Member("backup-header", bytes));
        b.set(1, new Member("backup-header.hmac", ScryptFile.sealWhole(KeyStrings.header(Backups.PASSPHRASE),
                Backups.FAST, bytes)));
        refused(b, "compression filter \"touch-pwned\", which is not one of gzip, bzip2, xz");
    }

    @Test
    void scryptParametersAskingForMoreMemoryThanAllowedAreRefused() throws IOException {
        // Written with N=2^10, r=8: 1 MiB. A reader allowing half of that refuses before deriving a key.
        Restorer.Options small = new Restorer.Options(new BackupReader.Options(Backups.PASSPHRASE,
                new ScryptFile.Limits(512 << 10, 1L << 30), Backups.SMALL_CHUNK, 2), false, Restorer.Conflicts.FAIL,
                Set.of(), Set.of());
        refused(archive(good), "ask for 1 MiB of memory", small);
    }

    @Test
    void aHugeDeclaredChunkSizeIsRefusedBeforeReading() throws IOException {
        byte[] b = archive(good);
        int header = offsetOfHeader(b, "vm2/home.000.enc");
        // size field: 11 octal digits at 124; 077777777777 is 8 GiB - 1.
        byte[] size = "77777777777".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(size, 0, b, header + 124, 11);
        fixChecksum(b, header);
        refused(b, "vm2/home.000.enc declares 8589934591 bytes, more than a chunk holds",
                restoreOptions(false, Restorer.Conflicts.FAIL));
    }

    @Test
    void aMemberLargerThanTheDeclaredHomeSizeIsRefused() throws IOException {
        refused(hostileHome(w -> {
            w.begin(dir("vm2/home"));
            w.add(TarEntry.file("vm2/home/huge", 0644, 1 << 20, 0), new byte[1 << 20]);
        }), "declares 1048576 bytes, more than the");
    }

    @Test
    void aMemberThatIsNotAChunkIsRefused() throws IOException {
        List<Member> b = new ArrayList<>(good);
        b.add(3, new Member("vm2/home", new byte[10]));
        refused(b, "backup member vm2/home is not an encrypted chunk");
    }

    @Test
    void aHugeDeclaredHomeSizeIsRefusedBeforeAnythingIsWritten() throws IOException {
        // qubes.xml authenticates (the source knows the passphrase) but declares a petabyte for work's home.
        byte[] xml;
        try (BackupReader r = BackupReader.open(new ByteArrayInputStream(archive(good)),
                restoreOptions(false, Restorer.Conflicts.FAIL).reader())) {
            xml = r.qubesXml().format();
        }
        String text = new String(xml, StandardCharsets.UTF_8).replaceFirst(
                "(<feature name=\"backup-path\">vm2/</feature>\\s*<feature name=\"backup-size\">)[0-9]+", "$1"
                        + (1L << 50));
        assertThat(text).contains(Long.toString(1L << 50));
        byte[] patched = text.getBytes(StandardCharsets.UTF_8);
        List<Member> b = replacePath(good, "qubes.xml", chunks(id, "qubes.xml", innerGzip(w ->
                w.add(TarEntry.file("qubes.xml", 0644, patched.length, 0), patched))));
        refused(b, "bytes to restore, but only");
    }

    @Test
    void aQubesVmImageIsRefusedWithTheReason() throws IOException {
        List<Member> b = new ArrayList<>(good);
        b.addAll(indexOf(b, "vm2/home.000.enc"), chunks(id, "vm2/private.img", new byte[100]));
        refused(b, "the backup holds vm2/private.img, a Qubes disk image or dom0 home: it was written by Qubes");
    }

    private static int indexOf(List<Member> b, String name) {
        for (int i = 0; i < b.size(); i++) {
            if (b.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new AssertionError(name + " not in the backup");
    }

    private static int offsetOfHeader(byte[] archive, String name) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        for (int at = 0; at + 512 <= archive.length; at += 512) {
            if (Arrays.equals(archive, at, at + n.length, n, 0, n.length) && archive[at + n.length] == 0
                    && archive[at + 257] == 'u') {
                return at;
            }
        }
        throw new AssertionError(name + " not found");
    }

    private static void fixChecksum(byte[] b, int at) {
        Arrays.fill(b, at + 148, at + 156, (byte) ' ');
        int sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += b[at + i] & 0xff;
        }
        byte[] digits = String.format("%06o", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(digits, 0, b, at + 148, 6);
        b[at + 154] = 0;
    }
}
