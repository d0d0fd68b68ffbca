package dev.airlock.cli;

import dev.airlock.backup.io.BackupReader;
import dev.airlock.backup.io.Progress;
import dev.airlock.backup.io.Restorer;
import dev.airlock.domain.Registry;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code airlock restore}: domains from a Qubes format-4 backup that airlock backup wrote. */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Restore domains (registry entries and homes) from a backup written by airlock backup. "
                + "Every chunk is authenticated before it is used; the homes are written into new domain "
                + "folders only, and become domains only once the whole backup was read. The backed-up policy "
                + "is put in a new folder policy-restore-DATE in airlock's home folder, for you to review and "
                + "copy into the policy directory: a restore never changes the policy in force."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:restored (or verified)", "1:nothing restored (the error says why)", "2:bad usage"})
final class RestoreCommand implements Callable<Integer> {

    /** The most memory a backup's scrypt parameters may ask for unless --max-scrypt-memory says otherwise. */
    static long defaultScryptMemory() {
        return Math.max(64L << 20, Runtime.getRuntime().maxMemory() / 2);
    }

    @Spec
    CommandSpec spec;

    @Mixin
    HomeOption homeOption;

    @Option(names = {"-p", "--passphrase-file"}, paramLabel = "FILE",
            description = "Read the passphrase from the first line of FILE (- for standard input); without it, "
                    + "it is asked on the terminal.")
    String passphraseFile;

    @Option(names = "--verify-only", description = "Authenticate and check the whole backup; create nothing.")
    boolean verifyOnly;

    static final class ConflictChoice {
        @Option(names = "--skip-conflicting", description = "Leave out domains whose names are taken here.")
        boolean skip;

        @Option(names = "--rename-conflicting",
                description = "Restore domains whose names are taken here as NAME-1, NAME-2... (NAME cut to 29 "
                        + "characters).")
        boolean rename;
    }

    @ArgGroup(exclusive = true)
    ConflictChoice conflicts;

    @Option(names = {"-x", "--exclude"}, paramLabel = "DOMAIN", description = "Leave DOMAIN out; may be repeated.")
    List<String> excluded = new ArrayList<>();

    @Option(names = "--max-scrypt-memory", paramLabel = "MIB",
            description = "Refuse chunks whose scrypt parameters ask for more memory than this, in MiB (default: "
                    + "half of the Java heap).")
    Long maxScryptMemoryMib;

    @Parameters(index = "0", paramLabel = "BACKUP", description = "The backup file.")
    Path backup;

    @Parameters(index = "1..*", paramLabel = "DOMAIN", description = "The domains to restore (default: all).")
    List<String> domains = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        if (maxScryptMemoryMib != null && (maxScryptMemoryMib < 1 || maxScryptMemoryMib > 1L << 30)) {
            return PolicyCommand.usageError(spec, "--max-scrypt-memory must be between 1 and 2^30 MiB");
        }
        if (!Files.isRegularFile(backup)) {
            throw new IOException("no backup file " + backup);
        }
        Registry registry = verifyOnly ? null : homeOption.registry();
        String passphrase = BackupPassphrase.read(passphraseFile, false);
        long maxMemory = maxScryptMemoryMib != null ? maxScryptMemoryMib << 20 : defaultScryptMemory();
        Restorer.Conflicts mode = conflicts == null ? Restorer.Conflicts.FAIL
                : conflicts.skip ? Restorer.Conflicts.SKIP : Restorer.Conflicts.RENAME;
        Restorer.Options options = new Restorer.Options(BackupReader.Options.defaults(passphrase, maxMemory),
                verifyOnly, mode, Set.copyOf(domains), Set.copyOf(excluded));
        Progress progress = BackupProgress.onTerminal();
        Restorer.Summary summary;
        boolean done = false;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(backup), 1 << 20)) {
            summary = Restorer.restore(in, registry, options, progress);
            done = true;
        } finally {
            progress.finish(done);
        }
        PrintWriter out = spec.commandLine().getOut();
        for (String s : summary.skipped()) {
            out.println("skipped " + s + ": a domain of that name exists");
        }
        for (Map.Entry<String, String> e : summary.restored().entrySet()) {
            String renamed = e.getKey().equals(e.getValue()) ? "" : " as " + e.getValue();
            out.println((verifyOnly ? "verified " : "restored ") + e.getKey() + renamed);
        }
        if (summary.policyFolder() != null) {
            out.println("the backed-up policy is in " + summary.policyFolder() + "; review it before copying it "
                    + "into the policy directory");
        }
        return 0;
    }
}
