package dev.airlock.policy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where the user's policy lives, and the default policy installed there on first use.
 * The folder is {@code $AIRLOCK_CONFIG/policy.d} if {@code AIRLOCK_CONFIG} is set, otherwise
 * {@code $XDG_CONFIG_HOME/airlock/policy.d}, with {@code ~/.config} when {@code XDG_CONFIG_HOME} is unset or
 * not absolute (as the XDG base directory rules say).
 *
 * <p>Beside it, {@code policy-4.0} is the legacy per-service folder that {@code !compat-4.0} reads (Qubes'
 * {@code /etc/qubes-rpc/policy}): files named SERVICE or SERVICE+ARGUMENT in the Qubes R4.0 format. airlock
 * never creates it; a missing folder counts as empty.
 */
public final class PolicyLocation {

    /** The name of the file that holds the default policy. */
    public static final String DEFAULT_FILE = "50-airlock-default.policy";

    /** The name of the legacy per-service folder, beside the policy folder. */
    public static final String LEGACY_DIRECTORY = "policy-4.0";

    /** The default policy of the spec, with a header for the person who opens the file. */
    public static final String DEFAULT_POLICY = """
            # airlock default policy, installed because the policy folder did not exist.
            #
            # Rules: SERVICE ARGUMENT SOURCE TARGET ACTION [PARAM=VALUE ...] (the Qubes qrexec policy language).
            # Files named *.policy in this folder are read in the order of their names and the first matching
            # rule decides; a call that no rule matches is denied. To change a decision, add a file whose name
            # sorts before this one (for example 30-user.policy). Check your changes with: airlock policy lint

            # Copying files: the user chooses the destination in a trusted prompt.
            qubes.Filecopy   *  @anyvm  @anyvm   ask

            # Opening a file in a new disposable is allowed; opening it in another domain asks.
            qubes.OpenInVM   *  @anyvm  @dispvm  allow
            qubes.OpenInVM   *  @anyvm  @anyvm   ask

            # The virtual pendrive (qubes_penctl, qvm-copy-to-vm --pendrive): each transfer asks, and so does
            # waiting for a receiver that still holds a pendrive.
            airlock.PendriveSend  *  @anyvm  @anyvm  ask
            airlock.PendriveWait  *  @anyvm  @anyvm  ask

            # Pasting the host's clipboard (airlock clipboard copy DOMAIN, then airlock clipboard paste DOMAIN), as
            # Qubes' Ctrl+Shift+C / Ctrl+Shift+V: allowed, the paste command being the user's explicit action; the
            # source is the domain the clipboard came from. Text only: content that is not text is decided under
            # the argument +binary, which this rule (+, no argument) does not match.
            qubes.ClipboardPaste  +  @anyvm  @anyvm  allow
            # Copying files into the host (qvm-copy-to-dom0, airlock copy work:FILE dom0) asks; the host is offered
            # only to a call that names it. Allow it from one domain with a rule in a file that sorts first:
            #   qubes.Filecopy  *  work  @adminvm  allow
            qubes.Filecopy   *  @anyvm  @adminvm  ask
            """;

    /**
     * The name of the file that makes copies with names of any characters ask. It sorts before the user's files
     * (30-user.policy in Qubes' convention), so that a rule written for ordinary copies does not cover them.
     */
    public static final String ALLOW_ALL_NAMES_FILE = "20-airlock-allow-all-names.policy";

    /** The rule of {@link #ALLOW_ALL_NAMES_FILE}, with a header saying why it is there and how to change it. */
    public static final String ALLOW_ALL_NAMES_POLICY = """
            # airlock default policy for copies with names of any characters, installed with the default policy.
            #
            # qvm-copy asks for qubes.Filecopy+allow-all-names when a name has characters the receiver would
            # otherwise refuse: terminal escapes, right-to-left overrides, invisible or look-alike characters. Such a
            # name can disguise what a file is, so these copies ask even where a rule of yours allows ordinary
            # copies: this file sorts before 30-user.policy. To allow them between two domains, write the rule in a
            # file whose name sorts before this one, for example 10-user.policy:
            #   qubes.Filecopy  +allow-all-names  work  personal  allow

            qubes.Filecopy  +allow-all-names  @anyvm  @anyvm  ask
            qubes.Filecopy  +allow-all-names  @anyvm  @adminvm  ask
            """;

    private PolicyLocation() {
    }

    /** The policy folder for this environment (see the class description). */
    public static Path directory(Map<String, String> env) {
        String config = env.get("AIRLOCK_CONFIG");
        if (config != null && !config.isEmpty()) {
            return Path.of(config, "policy.d");
        }
        String xdg = env.get("XDG_CONFIG_HOME");
        if (xdg != null && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "airlock", "policy.d");
        }
        String home = env.get("HOME");
        if (home == null || home.isEmpty()) {
            home = System.getProperty("user.home");
        }
        return Path.of(home, ".config", "airlock", "policy.d");
    }

    /** The legacy per-service folder that {@code !compat-4.0} in {@code policyDirectory} reads. */
    public static Path legacyDirectory(Path policyDirectory) {
        Path absolute = policyDirectory.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        return parent == null ? absolute.resolve(LEGACY_DIRECTORY) : parent.resolve(LEGACY_DIRECTORY);
    }

    /**
     * Creates the policy folder with the default policy ({@link #DEFAULT_FILE} and {@link #ALLOW_ALL_NAMES_FILE})
     * if the folder does not exist. The folder appears at
     * once with its file in it (built beside it, then renamed), so no reader ever sees it empty.
     *
     * @return true if the default policy was installed
     */
    public static boolean installDefaultIfMissing(Path directory) throws IOException {
        if (Files.exists(directory)) {
            return false;
        }
        Path parent = directory.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path staging = Files.createTempDirectory(parent, ".policy.d-");
        try {
            Files.writeString(staging.resolve(DEFAULT_FILE), DEFAULT_POLICY, StandardCharsets.UTF_8);
            Files.writeString(staging.resolve(ALLOW_ALL_NAMES_FILE), ALLOW_ALL_NAMES_POLICY, StandardCharsets.UTF_8);
            Files.move(staging, directory, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException e) {
            if (Files.isDirectory(directory)) {
                // Another process installed it first.
                return false;
            }
            throw e;
        } finally {
            deleteIfLeft(staging);
        }
    }

    private static void deleteIfLeft(Path staging) throws IOException {
        if (!Files.exists(staging)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(staging)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
