package dev.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.backup.BackupHeader;
import dev.airlock.backup.ScryptParams;
import dev.airlock.backup.io.BackupWriter;
import dev.airlock.backup.io.Progress;
import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import dev.airlock.domain.Domain;
import dev.airlock.domain.Domains;
import dev.airlock.domain.Registry;
import dev.airlock.policy.PolicyLocation;
import dev.airlock.sys.ErrnoException;
import dev.airlock.sys.Posix;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code airlock backup}: domains' homes, registry entries and the policy in a Qubes format-4 backup. */
@Command(name = "backup", mixinStandardHelpOptions = true,
        description = {"Back up domains (their homes and registry entries) and the policy into one file in Qubes' "
                + "backup format 4, which airlock restore and Qubes' emergency procedure (tar, scrypt, gzip) "
                + "read.",
                "Each 100 MiB chunk is encrypted with scrypt (N=2^17, r=8, p=1: 128 MiB, which scrypt dec accepts "
                        + "by default on any machine with 256 MiB of memory), several at once on all processors.",
                "The domains must be halted, so that each home is copied in one consistent state."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:written", "1:not written (the error says why; no file is left)", "2:bad usage"})
final class BackupCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HomeOption homeOption;

    @Option(names = {"-p", "--passphrase-file"}, paramLabel = "FILE",
            description = "Read the passphrase from the first line of FILE (- for standard input); without it, "
                    + "it is asked twice on the terminal.")
    String passphraseFile;

    @Option(names = {"-z", "--compress"}, negatable = true, defaultValue = "true",
            description = "Compress the data (the default); --no-compress stores it as plain tar.")
    boolean compress;

    @Option(names = {"-Z", "--compress-filter"}, paramLabel = "NAME",
            description = "The compression program: gzip (the default, built in), or bzip2, xz, lzma, pbzip2, pigz, "
                    + "zstd, zstdmt if installed.")
    String filter;

    @Option(names = {"-x", "--exclude"}, paramLabel = "DOMAIN", description = "Leave DOMAIN out; may be repeated.")
    List<String> excluded = new ArrayList<>();

    @Parameters(index = "0", paramLabel = "DEST",
            description = "The backup file to write, or a folder to write qubes-backup-YYYY-MM-DDTHHMMSS into.")
    Path destination;

    @Parameters(index = "1..*", paramLabel = "DOMAIN", description = "The domains to back up (default: all).")
    List<String> domains = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        if (filter != null && !BackupHeader.FILTERS.contains(filter)) {
            return PolicyCommand.usageError(spec, "compression filter \"" + filter + "\" is not one of "
                    + String.join(", ", BackupHeader.FILTERS));
        }
        Registry registry = homeOption.registry();
        Domains all = registry.read(d -> d);
        List<Domain> selected = select(all);
        refuseRunning(selected);
        Path file = target();
        Path domainsFolder = registry.home().resolve("domains");
        if (file.getParent().toRealPath().startsWith(domainsFolder)) {
            throw new IOException("the backup cannot be written inside " + domainsFolder + ": a domain could read "
                    + "it, and a home would hold its own backup");
        }
        String passphrase = BackupPassphrase.read(passphraseFile, true);
        BackupWriter.Options options = new BackupWriter.Options(passphrase, compress ? (filter == null ? "gzip"
                : filter) : null, ScryptParams.DEFAULT, BackupWriter.threadsWithin(Runtime.getRuntime().maxMemory(),
                BackupWriter.CHUNK_BYTES, ScryptParams.DEFAULT), BackupWriter.CHUNK_BYTES);
        Path partial = Files.createTempFile(file.getParent(), "." + file.getFileName() + ".", ".partial");
        boolean done = false;
        Progress progress = BackupProgress.onTerminal();
        try {
            BackupWriter.Summary summary;
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(partial,
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING), 1 << 20)) {
                summary = BackupWriter.write(out, all, selected, n -> registry.domainFolder(n).resolve("home"), PolicyLocation.directory(
                        Invocation.current().env()), options, progress);
            }
            try (var channel = java.nio.channels.FileChannel.open(partial, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            rename(partial, file);
            done = true;
            progress.finish(true);
            PrintWriter err = spec.commandLine().getErr();
            for (String s : summary.skipped()) {
                err.println("WARNING: not backed up: " + Messages.safe(s));
            }
            spec.commandLine().getOut().println("backup " + summary.backupId() + " of " + String.join(", ",
                    summary.domains()) + " (" + summary.fileBytes() + " bytes of files) written to " + file);
            return 0;
        } finally {
            if (!done) {
                progress.finish(false);
                Files.deleteIfExists(partial);
            }
        }
    }

    private List<Domain> select(Domains all) throws IOException {
        Set<String> names = new HashSet<>();
        for (String n : domains) {
            all.get(n).orElseThrow(() -> new IOException("no domain " + n));
            names.add(n);
        }
        for (String n : excluded) {
            all.get(n).orElseThrow(() -> new IOException("no domain " + n + " to exclude"));
        }
        List<Domain> out = new ArrayList<>();
        for (Domain d : all.all()) {
            if ((names.isEmpty() || names.contains(d.name())) && !excluded.contains(d.name())) {
                out.add(d);
            }
        }
        if (out.isEmpty()) {
            throw new IOException("no domain to back up");
        }
        return out;
    }

    /** A running domain changes its home while it is read: refused, as Qubes refuses running VMs' volumes. */
    private void refuseRunning(List<Domain> selected) throws IOException {
        AdminClient broker = new AdminClient(new AirlockHome(homeOption.resolved()));
        if (!broker.isRunning()) {
            return;
        }
        JsonNode answer = broker.call(AdminClient.request("running"));
        Set<String> running = new HashSet<>();
        answer.get("domains").forEach(n -> running.add(n.asText()));
        List<String> busy = selected.stream().map(Domain::name).filter(running::contains).toList();
        if (!busy.isEmpty()) {
            throw new IOException("domain" + (busy.size() > 1 ? "s " : " ") + String.join(", ", busy) + " "
                    + (busy.size() > 1 ? "are" : "is") + " running: shut " + (busy.size() > 1 ? "them" : "it")
                    + " down first (airlock shutdown), or leave " + (busy.size() > 1 ? "them" : "it") + " out with -x");
        }
    }

    private Path target() throws IOException {
        Path dest = destination.toAbsolutePath();
        if (Files.isDirectory(dest)) {
            return dest.resolve("qubes-backup-" + LocalDateTime.now().format(
                    DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HHmmss")));
        }
        if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(dest + " exists already; airlock backup never overwrites a file");
        }
        if (!Files.isDirectory(dest.getParent())) {
            throw new IOException("the folder " + dest.getParent() + " does not exist");
        }
        return dest;
    }

    private static void rename(Path from, Path to) throws IOException {
        try {
            Posix.renameat2(Posix.AT_FDCWD, from.toString().getBytes(StandardCharsets.UTF_8), Posix.AT_FDCWD,
                    to.toString().getBytes(StandardCharsets.UTF_8), Posix.RENAME_NOREPLACE);
        } catch (ErrnoException e) {
            throw new IOException("cannot name the backup " + to + ": " + e.getMessage(), e);
        }
    }
}
