package dev.airlock.backup.io;

import dev.airlock.backup.ChunkName;
import dev.airlock.backup.KeyStrings;
import dev.airlock.backup.ScryptFile;
import dev.airlock.backup.ScryptParams;
import dev.airlock.backup.TarEntry;
import dev.airlock.backup.TarReader;
import dev.airlock.backup.TarWriter;
import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.DomainFolder;
import dev.airlock.domain.Domains;
import dev.airlock.domain.Label;
import dev.airlock.domain.Registry;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/** Test helpers: sample domains, backups written and taken apart member by member, trees compared. */
final class Backups {

    static final String PASSPHRASE = "correct horse battery staple";
    static final ScryptParams FAST = new ScryptParams(10, 8, 1);
    static final int SMALL_CHUNK = 10240;

    private Backups() {
    }

    /** One member of the outer archive. */
    record Member(String name, byte[] data) {
    }

    /** A home with fedora (TemplateVM) and work (AppVM on fedora), each with some files. */
    static Registry sample(Path home) throws IOException {
        Registry registry = Registry.open(home);
        registry.update(d -> d.add(Domain.of("fedora", DomainClass.TEMPLATE_VM, Label.BLACK))
                .add(Domain.of("work", DomainClass.APP_VM, Label.BLUE).withTemplate("fedora")
                        .withTags(java.util.Set.of("projects")).withAutostart(true)));
        for (String n : List.of("fedora", "work")) {
            DomainFolder.create(registry.domainFolder(n));
        }
        Path work = registry.domainFolder("work").resolve("home");
        Files.createDirectories(work.resolve("Documents/deep/er"));
        Files.writeString(work.resolve("Documents/notes.txt"), "notes\n");
        byte[] big = new byte[70_000];
        new java.util.Random(1).nextBytes(big);
        Files.write(work.resolve("Documents/deep/er/random.bin"), big);
        Files.write(work.resolve("empty"), new byte[0]);
        Files.createSymbolicLink(work.resolve("link-out"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(work.resolve("link-in"), Path.of("Documents/notes.txt"));
        Files.setPosixFilePermissions(work.resolve("Documents/notes.txt"), PosixFilePermissions.fromString("rw-r-----"));
        Files.createDirectory(work.resolve("empty-dir"));
        Files.writeString(work.resolve("Documents/" + "long-name-".repeat(20) + ".txt"), "long\n");
        Files.writeString(registry.domainFolder("fedora").resolve("home/.bashrc"), "alias ll='ls -l'\n");
        try (Stream<Path> s = Files.walk(registry.home().resolve("domains"))) {
            for (Path p : s.toList()) {
                if (!Files.isSymbolicLink(p)) {
                    Files.setLastModifiedTime(p, FileTime.fromMillis(1_600_000_000_000L));
                }
            }
        }
        return registry;
    }

    /** A backup of every domain of {@code registry} and the policy in {@code policy}. */
    static byte[] backup(Registry registry, Path policy, BackupWriter.Options options) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Domains all = registry.read(d -> d);
        BackupWriter.write(out, all, all.all(), n -> registry.domainFolder(n).resolve("home"), policy, options,
                Progress.NONE);
        return out.toByteArray();
    }

    static BackupWriter.Options fastOptions() {
        return new BackupWriter.Options(PASSPHRASE, "gzip", FAST, 2, SMALL_CHUNK);
    }

    static Restorer.Options restoreOptions(boolean verifyOnly, Restorer.Conflicts conflicts) {
        return new Restorer.Options(new BackupReader.Options(PASSPHRASE,
                new ScryptFile.Limits(64L << 20, 1L << 30), SMALL_CHUNK, 2), verifyOnly, conflicts, java.util.Set.of(),
                java.util.Set.of());
    }

    static List<Member> members(byte[] backup) throws IOException {
        TarReader r = new TarReader(new ByteArrayInputStream(backup), "test");
        List<Member> out = new ArrayList<>();
        for (TarEntry e = r.next(); e != null; e = r.next()) {
            out.add(new Member(e.name(), r.data().readAllBytes()));
        }
        return out;
    }

    static byte[] archive(List<Member> members) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarWriter w = new TarWriter(out, false)) {
            for (Member m : members) {
                w.add(TarEntry.file(m.name(), 0644, m.data().length, 0), m.data());
            }
        }
        return out.toByteArray();
    }

    static String backupId(List<Member> members) {
        String header = new String(members.getFirst().data(), StandardCharsets.US_ASCII);
        return header.lines().filter(l -> l.startsWith("backup-id=")).findFirst().orElseThrow().substring(10);
    }

    interface TarContent {
        void write(TarWriter w) throws IOException;
    }

    /** An inner archive, gzip-compressed. */
    static byte[] innerGzip(TarContent content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out); TarWriter w = new TarWriter(gz, false)) {
            content.write(w);
        }
        return out.toByteArray();
    }

    /** The encrypted chunks of {@code stream} as archive path {@code path} of backup {@code backupId}. */
    static List<Member> chunks(String backupId, String path, byte[] stream) {
        List<Member> out = new ArrayList<>();
        int index = 0;
        int at = 0;
        do {
            int n = Math.min(SMALL_CHUNK, stream.length - at);
            ChunkName c = new ChunkName(path, index++);
            out.add(new Member(c.memberName(), ScryptFile.sealWhole(KeyStrings.chunk(backupId, c.plainName(),
                    PASSPHRASE), FAST, java.util.Arrays.copyOfRange(stream, at, at + n))));
            at += n;
        } while (at < stream.length);
        return out;
    }

    /** Replaces the chunks of {@code path} with {@code replacement}, in place. */
    static List<Member> replacePath(List<Member> members, String path, List<Member> replacement) {
        List<Member> out = new ArrayList<>();
        boolean done = false;
        for (Member m : members) {
            if (m.name().startsWith(path + ".")) {
                if (!done) {
                    out.addAll(replacement);
                    done = true;
                }
            } else {
                out.add(m);
            }
        }
        return out;
    }

    /** Every path below {@code root}: type, mode, mtime, and content or link target. */
    static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String rel = root.relativize(p).toString();
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "link " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.put(rel, "dir " + mode + " " + Files.getLastModifiedTime(p).toMillis() / 1000);
                } else {
                    out.put(rel, "file " + mode + " " + Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS)
                            .toMillis() / 1000 + " " + java.util.HexFormat.of().formatHex(
                            java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
                }
            }
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }
}
