package dev.airlock.backup.io;

import dev.airlock.backup.BackupFormatException;
import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.Label;
import dev.airlock.domain.Registry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static dev.airlock.backup.io.Backups.backup;
import static dev.airlock.backup.io.Backups.fastOptions;
import static dev.airlock.backup.io.Backups.restoreOptions;
import static dev.airlock.backup.io.Backups.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** airlock's backups restored by airlock: the registry entries, homes and policy come back as they were. */
@Timeout(120)
class BackupRestoreTest {

    @TempDir
    Path source;

    @TempDir
    Path target;

    private Registry original() throws IOException {
        Registry r = Backups.sample(source.resolve("airlock"));
        Path policy = Files.createDirectories(source.resolve("config/policy.d"));
        Files.writeString(policy.resolve("30-user.policy"), "qubes.Filecopy * work @default ask\n");
        return r;
    }

    private Path policy() {
        return source.resolve("config/policy.d");
    }

    private Restorer.Summary restore(byte[] backup, Registry into, Restorer.Options options) throws IOException {
        return Restorer.restore(new ByteArrayInputStream(backup), into, options, Progress.NONE);
    }

    @Test
    void homesRegistryEntriesAndPolicyComeBackAsTheyWere() throws IOException {
        Registry from = original();
        byte[] b = backup(from, policy(), fastOptions());
        Registry into = Registry.open(target.resolve("airlock"));
        Restorer.Summary s = restore(b, into, restoreOptions(false, Restorer.Conflicts.FAIL));

        assertThat(s.restored()).containsEntry("work", "work").containsEntry("fedora", "fedora");
        for (String n : List.of("work", "fedora")) {
            assertThat(tree(into.domainFolder(n).resolve("home"))).as(n)
                    .isEqualTo(tree(from.domainFolder(n).resolve("home")));
        }
        Domain work = into.read(d -> d.require("work"));
        Domain was = from.read(d -> d.require("work"));
        assertThat(work.withTags(was.tags())).usingRecursiveComparison().ignoringFields("uuid").isEqualTo(was);
        assertThat(work.tags()).containsExactly("projects");
        assertThat(work.uuid()).as("a restored domain is a new domain").isNotEqualTo(was.uuid());
        assertThat(into.read(d -> d.require("fedora")).domainClass()).isEqualTo(DomainClass.TEMPLATE_VM);
        assertThat(s.policyFolder().resolve("policy.d/30-user.policy"))
                .hasContent("qubes.Filecopy * work @default ask");
        assertThat(leftovers(into)).isEmpty();
    }

    @Test
    void anUncompressedBackupWithExactlyFullChunksEndsEachPathWithAnEmptyChunk() throws IOException {
        Registry from = original();
        byte[] b = backup(from, policy(), new BackupWriter.Options(Backups.PASSPHRASE, null, Backups.FAST, 2,
                Backups.SMALL_CHUNK));
        List<Backups.Member> m = Backups.members(b);
        assertThat(new String(m.getFirst().data())).contains("compressed=False");
        // Inner tars are whole 10240-byte records, so every path ends in a chunk of no data.
        assertThat(m).filteredOn(x -> x.name().startsWith("vm2/home.")).last()
                .satisfies(x -> assertThat(x.data()).hasSize(128));
        Registry into = Registry.open(target.resolve("airlock"));
        restore(b, into, restoreOptions(false, Restorer.Conflicts.FAIL));
        assertThat(tree(into.domainFolder("work").resolve("home")))
                .isEqualTo(tree(from.domainFolder("work").resolve("home")));
    }

    @Test
    void aBackupCompressedByAnotherListedProgramRestores() throws IOException {
        for (String filter : List.of("xz", "zstd")) {
            org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/" + filter)),
                    filter + " is not installed");
        }
        Registry from = original();
        for (String filter : List.of("xz", "zstd")) {
            byte[] b = backup(from, policy(), new BackupWriter.Options(Backups.PASSPHRASE, filter, Backups.FAST, 2,
                    Backups.SMALL_CHUNK));
            assertThat(new String(Backups.members(b).getFirst().data())).contains("compression-filter=" + filter);
            Registry into = Registry.open(target.resolve(filter));
            restore(b, into, restoreOptions(false, Restorer.Conflicts.FAIL));
            assertThat(tree(into.domainFolder("work").resolve("home")))
                    .isEqualTo(tree(from.domainFolder("work").resolve("home")));
        }
    }

    @Test
    void aSymlinkInAHomeIsBackedUpAsALinkNeverFollowed() throws IOException {
        Registry from = original();
        Path secret = Files.writeString(source.resolve("secret"), "host secret 8c1f");
        Path home = from.domainFolder("work").resolve("home");
        Files.createSymbolicLink(home.resolve("steal-file"), secret);
        Files.createSymbolicLink(home.resolve("steal-dir"), source.resolve("config"));
        Registry into = Registry.open(target.resolve("airlock"));
        restore(backup(from, policy(), fastOptions()), into, restoreOptions(false, Restorer.Conflicts.FAIL));

        Path restored = into.domainFolder("work").resolve("home");
        assertThat(Files.readSymbolicLink(restored.resolve("steal-file"))).isEqualTo(secret);
        assertThat(Files.readSymbolicLink(restored.resolve("steal-dir"))).isEqualTo(source.resolve("config"));
        assertThat(tree(restored).values()).noneMatch(v -> v.startsWith("file") && v.contains(
                java.util.HexFormat.of().formatHex(sha256("host secret 8c1f"))));
    }

    @Test
    void aHomeSwappedForASymlinkIsNotFollowed() throws IOException {
        Registry from = original();
        Path home = from.domainFolder("work").resolve("home");
        dev.airlock.sys.Trees.delete(home);
        Files.createSymbolicLink(home, source.resolve("config"));
        assertThatThrownBy(() -> backup(from, policy(), fastOptions())).isInstanceOf(IOException.class)
                .hasMessageContaining("cannot read " + home);
    }

    @Test
    void aHomeThatGrowsWhileItIsBackedUpFailsTheBackupInsteadOfMakingItUnrestorable() throws IOException {
        Registry from = original();
        Path grown = Files.createDirectories(source.resolve("grown"));
        Files.write(grown.resolve("more"), new byte[100_000]);
        int[] calls = {0};
        // The writer looks a home up once to count it and once to copy it: the second look sees more.
        java.util.function.Function<String, Path> homeOf = n -> n.equals("work") && calls[0]++ > 0 ? grown
                : from.domainFolder(n).resolve("home");
        var all = from.read(d -> d);
        assertThatThrownBy(() -> BackupWriter.write(new java.io.ByteArrayOutputStream(), all, all.all(), homeOf,
                policy(), fastOptions(), Progress.NONE)).isInstanceOf(IOException.class)
                .hasMessageContaining("the files of work changed while the backup ran");
    }

    private static byte[] sha256(String s) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void verifyOnlyCreatesNothing() throws IOException {
        byte[] b = backup(original(), policy(), fastOptions());
        Registry into = Registry.open(target.resolve("airlock"));
        List<Path> before = listing(target);
        Restorer.Summary s = restore(b, into, restoreOptions(true, Restorer.Conflicts.FAIL));
        assertThat(s.restored()).containsOnlyKeys("work", "fedora");
        assertThat(listing(target)).isEqualTo(before);
    }

    @Test
    void aNameTakenHereIsAnErrorUnlessSkippedOrRenamed() throws IOException {
        Registry from = original();
        byte[] b = backup(from, policy(), fastOptions());
        Registry into = Registry.open(target.resolve("airlock"));
        restore(b, into, restoreOptions(false, Restorer.Conflicts.FAIL));

        assertThatThrownBy(() -> restore(b, into, restoreOptions(false, Restorer.Conflicts.FAIL)))
                .hasMessage("domains fedora, work exist already; use --skip-conflicting or --rename-conflicting");
        Restorer.Summary skipped = restore(b, into, restoreOptions(false, Restorer.Conflicts.SKIP));
        assertThat(skipped.restored()).isEmpty();
        assertThat(skipped.skipped()).containsExactlyInAnyOrder("fedora", "work");

        Restorer.Summary renamed = restore(b, into, restoreOptions(false, Restorer.Conflicts.RENAME));
        assertThat(renamed.restored()).containsEntry("work", "work-1").containsEntry("fedora", "fedora-1");
        String template = into.read(d -> d.require("work-1").template());
        assertThat(template).as("references follow the rename").isEqualTo("fedora-1");
        assertThat(tree(into.domainFolder("work-1").resolve("home")))
                .isEqualTo(tree(from.domainFolder("work").resolve("home")));
    }

    @Test
    void onlyTheNamedDomainsAreRestoredAndTheirTemplatesMustExist() throws IOException {
        Registry from = original();
        byte[] b = backup(from, policy(), fastOptions());
        Registry into = Registry.open(target.resolve("airlock"));
        Restorer.Options onlyWork = new Restorer.Options(restoreOptions(false, Restorer.Conflicts.FAIL).reader(),
                false, Restorer.Conflicts.FAIL, java.util.Set.of("work"), java.util.Set.of());
        assertThatThrownBy(() -> restore(b, into, onlyWork))
                .hasMessage("domain work needs fedora, which is neither restored nor on this host; restore it too");
        into.update(d -> d.add(Domain.of("fedora", DomainClass.TEMPLATE_VM, Label.GRAY)));
        assertThat(restore(b, into, onlyWork).restored()).containsOnlyKeys("work");
        Label kept = into.read(d -> d.require("fedora").label());
        assertThat(kept).isEqualTo(Label.GRAY);
    }

    @Test
    void aWrongPassphraseIsRefusedAtTheHeader() throws IOException {
        byte[] b = backup(original(), policy(), fastOptions());
        Registry into = Registry.open(target.resolve("airlock"));
        Restorer.Options wrong = new Restorer.Options(new BackupReader.Options("not it",
                restoreOptions(false, Restorer.Conflicts.FAIL).reader().scrypt(), Backups.SMALL_CHUNK, 2), false,
                Restorer.Conflicts.FAIL, java.util.Set.of(), java.util.Set.of());
        assertThatThrownBy(() -> restore(b, into, wrong)).isInstanceOf(BackupFormatException.class)
                .hasMessage("backup-header.hmac: the passphrase is incorrect, or it belongs to another file or "
                        + "another backup");
    }

    @Test
    void parallelismShrinksToWhatTheHeapHolds() {
        int cores = Runtime.getRuntime().availableProcessors();
        long chunk = BackupWriter.CHUNK_BYTES;
        long kdf = dev.airlock.backup.ScryptParams.DEFAULT.memoryBytes();
        assertThat(BackupWriter.threadsWithin(64L << 30, BackupWriter.CHUNK_BYTES,
                dev.airlock.backup.ScryptParams.DEFAULT)).isEqualTo(cores);
        assertThat(BackupWriter.threadsWithin(512L << 20, BackupWriter.CHUNK_BYTES,
                dev.airlock.backup.ScryptParams.DEFAULT)).isEqualTo(1);
        assertThat(BackupWriter.threadsWithin(chunk + (128L << 20) + 2 * (chunk + kdf),
                BackupWriter.CHUNK_BYTES, dev.airlock.backup.ScryptParams.DEFAULT)).isEqualTo(Math.min(cores, 2));
    }

    static List<Path> leftovers(Registry r) throws IOException {
        try (Stream<Path> s = Files.list(r.home().resolve("domains"))) {
            return s.filter(p -> p.getFileName().toString().startsWith(".")).toList();
        }
    }

    static List<Path> listing(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.sorted().toList();
        }
    }
}
