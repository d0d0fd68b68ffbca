package dev.airlock.backup.io;

import dev.airlock.backup.BackupFormatException;
import dev.airlock.backup.QubesXml;
import dev.airlock.backup.TarReader;
import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.Domains;
import dev.airlock.domain.Label;
import dev.airlock.domain.Registry;
import dev.airlock.domain.ResourceLimits;
import dev.airlock.sys.ErrnoException;
import dev.airlock.sys.Fd;
import dev.airlock.sys.Posix;
import dev.airlock.sys.Trees;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.zip.ZipException;

/**
 * Restores domains from a format-4 backup written by {@link BackupWriter}: registry entries (through
 * {@link Registry#update}, with new uuids), homes, and the policy directory into a new folder for the user to
 * review. Nothing is written outside new folders: each home is extracted into a staging folder
 * {@code domains/.restore-*} (not a valid domain name, so nothing takes it for a domain) and becomes
 * {@code domains/NAME} only after the whole backup was read and authenticated; on any error every staging
 * folder is deleted, so nothing partial is left that looks complete.
 */
public final class Restorer {

    /** What to do with a domain whose name is taken on this host. */
    public enum Conflicts { FAIL, SKIP, RENAME }

    /**
     * What to restore.
     *
     * @param only the domains to restore, or empty for all in the backup
     * @param excluded domains not to restore
     * @param verifyOnly authenticate and check everything, create nothing
     */
    public record Options(BackupReader.Options reader, boolean verifyOnly, Conflicts conflicts, Set<String> only,
                          Set<String> excluded) {
        public Options {
            only = Set.copyOf(only);
            excluded = Set.copyOf(excluded);
        }
    }

    /**
     * What was done.
     *
     * @param restored each restored domain's name in the backup to its name here
     * @param skipped domains left out because their names are taken
     * @param policyFolder where the backed-up policy was put, or {@code null}
     */
    public record Summary(Map<String, String> restored, List<String> skipped, Path policyFolder, long fileBytes) {
    }

    private static final Pattern VM_PATH = Pattern.compile("vm[0-9]{1,6}/");
    private static final long MAX_DECLARED_BYTES = 1L << 50;
    private static final long DEFAULT_MAX_MEMBERS = 10_000_000;

    private record Planned(QubesXml.Vm vm, String newName, String path, long size, long members) {
    }

    private Restorer() {
    }

    /**
     * Restores the backup in {@code in} into the home of {@code registry}, or only verifies it; a verification
     * needs no registry ({@code null}) and touches none.
     */
    public static Summary restore(InputStream in, Registry registry, Options options, Progress progress)
            throws IOException {
        try (BackupReader reader = BackupReader.open(in, options.reader())) {
            return restore(reader, registry, options, progress);
        }
    }

    private static Summary restore(BackupReader reader, Registry registry, Options options, Progress progress)
            throws IOException {
        QubesXml xml = reader.qubesXml();
        Domains existing = options.verifyOnly() ? Domains.empty() : registry.read(d -> d);
        List<String> skipped = new ArrayList<>();
        List<Planned> plan = plan(xml, existing, options, skipped);
        Map<String, Planned> byPath = new LinkedHashMap<>();
        plan.forEach(p -> byPath.put(p.path(), p));
        Set<String> knownPaths = new HashSet<>();
        long hostSize = 0;
        long hostMembers = DEFAULT_MAX_MEMBERS;
        for (QubesXml.Vm vm : xml.domains()) {
            if (vm.included()) {
                if ("AdminVM".equals(vm.className())) {
                    if (!BackupWriter.HOST_PATH.equals(vm.features().get("backup-path"))) {
                        throw new BackupFormatException("qubes.xml: dom0's backup-path is not "
                                + BackupWriter.HOST_PATH);
                    }
                    knownPaths.add(BackupWriter.HOST_PATH);
                    hostSize = number(vm, "backup-size", MAX_DECLARED_BYTES, -1);
                    hostMembers = number(vm, "backup-files", DEFAULT_MAX_MEMBERS, DEFAULT_MAX_MEMBERS);
                } else {
                    knownPaths.add(homePath(vm));
                }
            }
        }
        long total = hostSize;
        for (Planned p : plan) {
            total += p.size();
        }
        Path home = options.verifyOnly() ? null : registry.home();
        if (!options.verifyOnly()) {
            long free = Files.getFileStore(home).getUsableSpace();
            if (total > free) {
                throw new IOException("the backup declares " + total + " bytes to restore, but only " + free
                        + " are free in " + home);
            }
        }
        progress.start(total);
        Path domains = options.verifyOnly() ? null : home.resolve("domains");
        Map<String, Path> staged = new LinkedHashMap<>();
        Path policyStaged = null;
        long bytes = 0;
        boolean ok = false;
        try {
            if (!options.verifyOnly()) {
                if (Files.isSymbolicLink(domains)) {
                    throw new IOException(domains + " is a symbolic link; airlock does not follow it");
                }
                Files.createDirectories(domains, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            }
            Set<String> restoredPaths = new HashSet<>();
            for (String path = reader.nextPath(); path != null; path = reader.nextPath()) {
                if (!knownPaths.contains(path)) {
                    if (path.endsWith(".img") || path.startsWith("dom0-home/")) {
                        throw new BackupFormatException("the backup holds " + path + ", a Qubes disk image or "
                                + "dom0 home: it was written by Qubes, not airlock; restore it with "
                                + "qvm-backup-restore, or take files out with the emergency procedure");
                    }
                    throw new BackupFormatException("the backup holds chunks of " + path + ", which its qubes.xml "
                            + "does not list");
                }
                Planned p = byPath.get(path);
                boolean host = path.equals(BackupWriter.HOST_PATH);
                if (p == null && !host) {
                    reader.skip(path);
                    continue;
                }
                Path target = null;
                if (!options.verifyOnly()) {
                    target = Files.createTempDirectory(domains, ".restore-");
                    if (host) {
                        policyStaged = target;
                    } else {
                        staged.put(p.newName(), target);
                        target = Files.createDirectory(target.resolve("home"));
                    }
                }
                String prefix = host ? BackupWriter.HOST_PATH : path;
                long maxBytes = host ? hostSize : p.size();
                long maxMembers = host ? hostMembers : p.members();
                try (InputStream inner = reader.open(path)) {
                    bytes += extract(inner, target, prefix, maxBytes, maxMembers, progress);
                } catch (ZipException | EOFException e) {
                    throw new BackupFormatException(path + " is cut or corrupt (" + e.getMessage() + "): chunks are "
                            + "missing");
                }
                reader.finish();
                restoredPaths.add(path);
            }
            for (Planned p : plan) {
                if (!restoredPaths.contains(p.path())) {
                    throw new BackupFormatException("the backup lacks " + p.path() + " (the home of "
                            + p.vm().name() + "): it was cut, or chunks were removed");
                }
            }
            Map<String, String> restored = new LinkedHashMap<>();
            plan.forEach(p -> restored.put(p.vm().name(), p.newName()));
            Path policyFolder = null;
            if (!options.verifyOnly()) {
                commit(registry, plan, staged);
                staged.clear();
                if (policyStaged != null) {
                    policyFolder = placePolicy(policyStaged.resolve("airlock"), home);
                    Trees.delete(policyStaged);
                    policyStaged = null;
                }
            }
            ok = true;
            return new Summary(restored, List.copyOf(skipped), policyFolder, bytes);
        } finally {
            if (!ok) {
                for (Path s : staged.values()) {
                    Trees.deleteForcibly(s);
                }
                if (policyStaged != null) {
                    Trees.deleteForcibly(policyStaged);
                }
            }
        }
    }

    /** The archive path of a domain's home: its backup-path, {@code vmN/}, then {@code home}. */
    private static String homePath(QubesXml.Vm vm) throws BackupFormatException {
        String path = vm.features().get("backup-path");
        if (path == null || !VM_PATH.matcher(path).matches()) {
            throw new BackupFormatException("qubes.xml: domain " + printable(vm.name()) + " has backup-path "
                    + (path == null ? "missing" : printable(path)) + ", expected vmN/");
        }
        return path + "home";
    }

    private static long extract(InputStream inner, Path target, String prefix, long maxBytes, long maxMembers,
                                Progress progress) throws IOException {
        TarReader tar = new TarReader(inner, prefix);
        if (target == null) {
            TreeWriter w = new TreeWriter(null, prefix, maxBytes, maxMembers, progress);
            w.extract(tar);
            return w.bytes();
        }
        try (Fd root = Fd.CWD.open(target.toString().getBytes(StandardCharsets.UTF_8),
                Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW | Posix.O_CLOEXEC, 0)) {
            // The host path's members live under dom0-home/airlock: extract into that folder inside the staging.
            Fd into = root;
            Fd made = null;
            if (prefix.equals(BackupWriter.HOST_PATH)) {
                root.mkdir("airlock".getBytes(StandardCharsets.US_ASCII), 0700);
                made = root.open("airlock".getBytes(StandardCharsets.US_ASCII),
                        Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_NOFOLLOW | Posix.O_CLOEXEC, 0);
                into = made;
            }
            try {
                TreeWriter w = new TreeWriter(into, prefix, maxBytes, maxMembers, progress);
                w.extract(tar);
                return w.bytes();
            } finally {
                if (made != null) {
                    made.close();
                }
            }
        } catch (ErrnoException e) {
            throw new IOException("cannot write into " + target + ": " + e.getMessage(), e);
        }
    }

    /** Which domains to restore under which names, checked against the registry. */
    private static List<Planned> plan(QubesXml xml, Domains existing, Options options, List<String> skipped)
            throws IOException {
        Map<String, QubesXml.Vm> inBackup = new LinkedHashMap<>();
        for (QubesXml.Vm vm : xml.domains()) {
            if (vm.included() && !"AdminVM".equals(vm.className())) {
                String name = vm.name();
                if (name == null || inBackup.put(name, vm) != null) {
                    throw new BackupFormatException("qubes.xml: a domain has no name, or a name given twice");
                }
            }
        }
        for (String n : union(options.only(), options.excluded())) {
            if (!inBackup.containsKey(n)) {
                throw new IOException("domain " + n + " is not in the backup");
            }
        }
        Set<String> taken = new HashSet<>();
        existing.all().forEach(d -> taken.add(d.name()));
        List<Planned> plan = new ArrayList<>();
        Map<String, String> renames = new LinkedHashMap<>();
        List<String> conflicts = new ArrayList<>();
        for (QubesXml.Vm vm : inBackup.values()) {
            String name = vm.name();
            if (!options.only().isEmpty() && !options.only().contains(name) || options.excluded().contains(name)) {
                continue;
            }
            String newName = name;
            if (taken.contains(name)) {
                switch (options.conflicts()) {
                    case FAIL -> {
                        conflicts.add(name);
                        continue;
                    }
                    case SKIP -> {
                        skipped.add(name);
                        continue;
                    }
                    case RENAME -> newName = rename(name, taken);
                }
            }
            taken.add(newName);
            renames.put(name, newName);
            plan.add(new Planned(vm, newName, homePath(vm),
                    number(vm, "backup-size", MAX_DECLARED_BYTES, -1),
                    number(vm, "backup-files", DEFAULT_MAX_MEMBERS, DEFAULT_MAX_MEMBERS)));
        }
        if (!conflicts.isEmpty()) {
            throw new IOException("domain" + (conflicts.size() > 1 ? "s " : " ") + String.join(", ", conflicts)
                    + " exist" + (conflicts.size() > 1 ? "" : "s") + " already; use --skip-conflicting or "
                    + "--rename-conflicting");
        }
        List<Planned> out = new ArrayList<>();
        for (Planned p : plan) {
            Domain d = domain(p.vm(), p.newName(), renames);
            for (String ref : new String[] {d.template(), d.defaultDispvm()}) {
                if (ref != null && !renames.containsValue(ref) && existing.get(ref).isEmpty()) {
                    throw new IOException("domain " + p.vm().name() + " needs " + ref + ", which is neither "
                            + "restored nor on this host; restore it too");
                }
            }
            out.add(p);
        }
        return out;
    }

    /** {@code NAME-n} with the name cut to 29 characters, n from 1 to 99, as qvm-backup-restore renames. */
    private static String rename(String name, Set<String> taken) throws IOException {
        String base = name.length() > 29 ? name.substring(0, 29) : name;
        for (int n = 1; n <= 99; n++) {
            String candidate = base + "-" + n;
            if (!taken.contains(candidate)) {
                return candidate;
            }
        }
        throw new IOException("domain " + name + ": no free name from " + base + "-1 to " + base + "-99");
    }

    /** The registry entry of a backed-up domain, under its new name and a new uuid. */
    private static Domain domain(QubesXml.Vm vm, String newName, Map<String, String> renames)
            throws BackupFormatException {
        Map<String, String> p = vm.properties();
        Map<String, String> f = vm.features();
        try {
            String template = p.get("template");
            String dispvm = p.get("default_dispvm");
            ResourceLimits l = ResourceLimits.DEFAULT;
            if (p.containsKey("maxmem")) {
                l = l.withMaxmem((int) number(vm, p, "maxmem", Integer.MAX_VALUE));
            }
            if (f.containsKey("airlock-maxprocs")) {
                l = l.withMaxprocs((int) number(vm, f, "airlock-maxprocs", Integer.MAX_VALUE));
            }
            if (f.containsKey("airlock-cpu-weight")) {
                l = l.withCpuWeight((int) number(vm, f, "airlock-cpu-weight", Integer.MAX_VALUE));
            }
            if (f.containsKey("airlock-nofile")) {
                l = l.withNofile((int) number(vm, f, "airlock-nofile", Integer.MAX_VALUE));
            }
            if (f.containsKey("airlock-private-max-size")) {
                l = l.withPrivateMaxSize(number(vm, f, "airlock-private-max-size", Long.MAX_VALUE));
            }
            Boolean gui = f.containsKey("gui") ? "1".equals(f.get("gui")) : null;
            return new Domain(newName, DomainClass.of(vm.className()), Label.of(p.getOrDefault("label", "red")),
                    template == null ? null : renames.getOrDefault(template, template),
                    dispvm == null ? null : renames.getOrDefault(dispvm, dispvm),
                    "True".equals(p.get("template_for_dispvms")), "True".equals(p.get("autostart")),
                    new TreeSet<>(vm.tags()), UUID.randomUUID(), l, gui);
        } catch (IllegalArgumentException e) {
            throw new BackupFormatException("qubes.xml: domain " + printable(vm.name()) + ": " + e.getMessage());
        }
    }

    /** Renames the staged homes into place and adds the domains, in one registry update. */
    private static void commit(Registry registry, List<Planned> plan, Map<String, Path> staged) throws IOException {
        Map<String, String> renames = new LinkedHashMap<>();
        plan.forEach(p -> renames.put(p.vm().name(), p.newName()));
        try {
            registry.update(all -> {
                Domains next = all;
                List<Domain> left = new ArrayList<>();
                for (Planned p : plan) {
                    try {
                        left.add(domain(p.vm(), p.newName(), renames));
                    } catch (BackupFormatException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                // Templates before the domains that name them: add whatever can be added until all are.
                while (!left.isEmpty()) {
                    int before = left.size();
                    for (var it = left.iterator(); it.hasNext(); ) {
                        Domain d = it.next();
                        try {
                            next = next.add(d);
                            it.remove();
                        } catch (IllegalArgumentException e) {
                            if (before == 1) {
                                throw e;
                            }
                        }
                    }
                    if (left.size() == before) {
                        throw new IllegalArgumentException("the restored domains refer to each other in a way the "
                                + "registry refuses: " + left.getFirst().name());
                    }
                }
                List<Path> moved = new ArrayList<>();
                try {
                    for (Planned p : plan) {
                        Path to = registry.domainFolder(p.newName());
                        rename(staged.get(p.newName()), to);
                        moved.add(to);
                    }
                } catch (IOException e) {
                    for (Path m : moved) {
                        try {
                            Trees.deleteForcibly(m);
                        } catch (IOException ignored) {
                            e.addSuppressed(ignored);
                        }
                    }
                    throw new UncheckedIOException(e);
                }
                return next;
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Moves the restored policy to a new {@code policy-restore-DATE[-n]} folder; never into a folder that exists. */
    private static Path placePolicy(Path staged, Path home) throws IOException {
        String base = "policy-restore-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern(
                "yyyy-MM-dd'T'HHmmss"));
        for (int n = 0; n < 100; n++) {
            Path to = home.resolve(n == 0 ? base : base + "-" + n);
            if (!Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    rename(staged, to);
                    return to;
                } catch (IOException e) {
                    if (!Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
                        throw e;
                    }
                }
            }
        }
        throw new IOException("no free name for the restored policy: " + home.resolve(base) + "-1 to -99 exist");
    }

    /** Renames {@code from} to {@code to}, which must not exist: a folder left there is never replaced. */
    private static void rename(Path from, Path to) throws IOException {
        try {
            Posix.renameat2(Posix.AT_FDCWD, from.toString().getBytes(StandardCharsets.UTF_8), Posix.AT_FDCWD,
                    to.toString().getBytes(StandardCharsets.UTF_8), Posix.RENAME_NOREPLACE);
        } catch (ErrnoException e) {
            throw new IOException("cannot move the restored files to " + to + ": " + e.getMessage()
                    + (Files.exists(to, LinkOption.NOFOLLOW_LINKS) ? " (a folder of that name is left from an "
                    + "earlier domain; remove it or use --rename-conflicting)" : ""), e);
        }
    }

    private static long number(QubesXml.Vm vm, String feature, long max, long absent) throws BackupFormatException {
        if (!vm.features().containsKey(feature)) {
            if (absent < 0) {
                throw new BackupFormatException("qubes.xml: domain " + printable(vm.name()) + " lacks " + feature);
            }
            return absent;
        }
        return number(vm, vm.features(), feature, max);
    }

    private static long number(QubesXml.Vm vm, Map<String, String> values, String key, long max)
            throws BackupFormatException {
        String v = values.get(key);
        if (v == null || v.isEmpty() || v.length() > 19 || !v.chars().allMatch(c -> c >= '0' && c <= '9')
                || Long.parseLong(v) > max) {
            throw new BackupFormatException("qubes.xml: domain " + printable(vm.name()) + ": " + key + " \""
                    + printable(v) + "\" is not a number up to " + max);
        }
        return Long.parseLong(v);
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new TreeSet<>(a);
        u.addAll(b);
        return u;
    }

    private static String printable(String s) {
        if (s == null) {
            return "(none)";
        }
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.length() > 64 ? b.substring(0, 64) + "..." : b.toString();
    }
}
