package dev.airlock.backup.io;

import dev.airlock.backup.BackupHeader;
import dev.airlock.backup.KeyStrings;
import dev.airlock.backup.QubesXml;
import dev.airlock.backup.ScryptFile;
import dev.airlock.backup.ScryptParams;
import dev.airlock.backup.TarEntry;
import dev.airlock.backup.TarWriter;
import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.Domains;
import dev.airlock.domain.ResourceLimits;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * Writes a Qubes format-4 backup ({@code docs/backup.md}) of domains' homes, their registry entries (in an
 * R4-shaped {@code qubes.xml}) and the policy directory, as one outer tar archive streamed to a sink.
 * <p>
 * Layout: {@code backup-header}, {@code backup-header.hmac}, {@code qubes.xml.000.enc}, then for each domain
 * (templates first) {@code vmN/home.NNN.enc}, whose inner archive holds {@code vmN/home/...}, and last
 * {@code dom0-home/airlock.NNN.enc} holding {@code dom0-home/airlock/policy.d/...}. Qubes' emergency procedure
 * (tar, scrypt, gzip) restores any of them.
 */
public final class BackupWriter {

    /** The plaintext size of every chunk but a path's last, as Qubes writes it (100 MiB). */
    public static final int CHUNK_BYTES = 100 << 20;

    /** The archive path of the host's airlock files (the policy directory). */
    public static final String HOST_PATH = "dom0-home/airlock";

    /**
     * How to write.
     *
     * @param compressFilter the compression program, or {@code null} for none
     * @param threads chunks encrypted at once
     * @param chunkBytes the plaintext chunk size ({@link #CHUNK_BYTES}; smaller only in tests)
     */
    public record Options(String passphrase, String compressFilter, ScryptParams params, int threads, int chunkBytes) {
        public Options {
            KeyStrings.requirePassphrase(passphrase);
            if (threads < 1 || chunkBytes < 1) {
                throw new IllegalArgumentException("threads and chunk size must be positive");
            }
        }

        /** The defaults: gzip, {@link ScryptParams#DEFAULT}, one thread per processor, 100 MiB chunks. */
        public static Options defaults(String passphrase) {
            return new Options(passphrase, "gzip", ScryptParams.DEFAULT,
                    Runtime.getRuntime().availableProcessors(), CHUNK_BYTES);
        }
    }

    /**
     * How many chunks to encrypt or decrypt at once within a Java heap of {@code heapBytes}: one per processor, fewer
     * when each thread's chunk buffer and key derivation would not fit beside the chunk being filled and some
     * headroom; at least one.
     */
    public static int threadsWithin(long heapBytes, int chunkBytes, ScryptParams params) {
        long perThread = chunkBytes + params.memoryBytes();
        long room = heapBytes - chunkBytes - (128L << 20);
        long fit = Math.max(1, room / perThread);
        return (int) Math.min(Runtime.getRuntime().availableProcessors(), fit);
    }

    /** What was written: the backup's id, the domains, the bytes of their files, and what was left out. */
    public record Summary(String backupId, List<String> domains, long fileBytes, List<String> skipped) {
    }

    private BackupWriter() {
    }

    /**
     * Writes the backup of {@code selected} (domains of {@code all}) to {@code out}.
     *
     * @param homeOf the home folder of a domain
     * @param policyDirectory the policy directory, backed up if it exists
     */
    public static Summary write(OutputStream out, Domains all, List<Domain> selected, Function<String, Path> homeOf,
                                Path policyDirectory, Options options, Progress progress) throws IOException {
        // Qubes writes time and pid; the random part keeps two backups of one second apart, so that a chunk of one
        // never authenticates in the other even under the same passphrase.
        String backupId = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss")) + "-"
                + ProcessHandle.current().pid() + "-" + Long.toString(new SecureRandom().nextLong() >>> 1, 36);
        BackupHeader header = new BackupHeader(options.compressFilter() != null,
                options.compressFilter() == null ? "gzip" : options.compressFilter(), backupId);
        List<Domain> ordered = new ArrayList<>(selected);
        ordered.sort(Comparator.comparing((Domain d) -> d.domainClass() != DomainClass.TEMPLATE_VM)
                .thenComparing(d -> !d.templateForDispvms()).thenComparing(Domain::name));
        Map<String, Integer> qids = new LinkedHashMap<>();
        for (Domain d : all.all()) {
            qids.put(d.name(), qids.size() + 1);
        }
        Map<String, TreeReader.Totals> totals = new LinkedHashMap<>();
        long total = 0;
        for (Domain d : ordered) {
            TreeReader.Totals t = TreeReader.count(homeOf.apply(d.name()));
            totals.put(d.name(), t);
            total += t.bytes();
        }
        boolean policy = Files.isDirectory(policyDirectory, LinkOption.NOFOLLOW_LINKS);
        TreeReader.Totals policyTotals = policy ? TreeReader.count(policyDirectory)
                : new TreeReader.Totals(0, 0, List.of());
        total += policyTotals.bytes();
        progress.start(total);

        long now = System.currentTimeMillis() / 1000;
        byte[] headerBytes = header.format();
        List<String> skipped = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(options.threads(), r -> {
            Thread t = new Thread(r, "backup-encrypt");
            t.setDaemon(true);
            return t;
        });
        try {
            TarWriter outer = new TarWriter(out, false);
            outer.add(TarEntry.file("backup-header", 0644, headerBytes.length, now), headerBytes);
            byte[] hmac = ScryptFile.sealWhole(KeyStrings.header(options.passphrase()), options.params(),
                    headerBytes);
            outer.add(TarEntry.file("backup-header.hmac", 0644, hmac.length, now), hmac);
            try (ChunkEncryptor chunks = new ChunkEncryptor(outer, pool, options.threads(), options.chunkBytes(),
                    backupId, options.passphrase(), options.params(), now)) {
                byte[] xml = qubesXml(all, selected, qids, totals, policyTotals).format();
                try (TarWriter inner = innerArchive(chunks, "qubes.xml", header)) {
                    inner.add(TarEntry.file("qubes.xml", 0644, xml.length, now), xml);
                }
                for (Domain d : ordered) {
                    String path = "vm" + qids.get(d.name()) + "/home";
                    try (TarWriter inner = innerArchive(chunks, path, header)) {
                        TreeReader.Totals t = TreeReader.write(homeOf.apply(d.name()), path, inner, progress);
                        requireWithin(d.name(), t, totals.get(d.name()));
                        t.skipped().forEach(s -> skipped.add(d.name() + ": " + s));
                    }
                }
                try (TarWriter inner = innerArchive(chunks, HOST_PATH, header)) {
                    inner.begin(new TarEntry(HOST_PATH, TarEntry.Type.DIRECTORY, 0700, 0, 0, 0, now, null));
                    if (policy) {
                        TreeReader.Totals t = TreeReader.write(policyDirectory, HOST_PATH + "/policy.d", inner,
                                progress);
                        requireWithin("the policy", t, policyTotals);
                        t.skipped().forEach(s -> skipped.add("policy: " + s));
                    }
                }
            }
            outer.close();
        } finally {
            pool.shutdownNow();
        }
        return new Summary(backupId, ordered.stream().map(Domain::name).toList(),
                total, List.copyOf(skipped));
    }

    /**
     * A restore refuses more bytes or members than qubes.xml declares, so a home that grew between the count and
     * the copy would make the backup unrestorable: fail now instead.
     */
    private static void requireWithin(String what, TreeReader.Totals written, TreeReader.Totals declared)
            throws IOException {
        if (written.bytes() > declared.bytes() || written.members() > declared.members()) {
            throw new IOException("the files of " + what + " changed while the backup ran (" + written.bytes()
                    + " bytes in " + written.members() + " entries, counted " + declared.bytes() + " in "
                    + declared.members() + "); halt what changes them and try again");
        }
    }

    private static TarWriter innerArchive(ChunkEncryptor chunks, String path, BackupHeader header)
            throws IOException {
        OutputStream raw = chunks.open(path);
        return new TarWriter(header.compressed() ? Compression.compress(header.filter(), raw) : raw, true);
    }

    /** qubes.xml: every domain, those backed up with their backup-* features; dom0 carries the policy. */
    private static QubesXml qubesXml(Domains all, List<Domain> selected, Map<String, Integer> qids,
                                     Map<String, TreeReader.Totals> totals, TreeReader.Totals policy) {
        Map<String, String> host = new LinkedHashMap<>();
        if (all.defaultDispvm() != null) {
            host.put("default_dispvm", all.defaultDispvm());
        }
        List<QubesXml.Vm> vms = new ArrayList<>();
        Map<String, String> dom0 = new LinkedHashMap<>();
        dom0.put("qid", "0");
        dom0.put("name", "dom0");
        dom0.put("label", "black");
        vms.add(new QubesXml.Vm("AdminVM", dom0, Map.of("backup-content", "1", "backup-path", HOST_PATH,
                "backup-size", Long.toString(policy.bytes()), "backup-files", Long.toString(policy.members() + 1)),
                new TreeSet<>()));
        Set<String> chosen = new TreeSet<>();
        selected.forEach(d -> chosen.add(d.name()));
        for (Domain d : all.all()) {
            Map<String, String> p = new LinkedHashMap<>();
            int qid = qids.get(d.name());
            p.put("qid", Integer.toString(qid));
            p.put("name", d.name());
            p.put("uuid", d.uuid().toString());
            p.put("label", d.label().labelName());
            if (d.template() != null) {
                p.put("template", d.template());
            }
            if (d.defaultDispvm() != null) {
                p.put("default_dispvm", d.defaultDispvm());
            }
            p.put("template_for_dispvms", d.templateForDispvms() ? "True" : "False");
            p.put("autostart", d.autostart() ? "True" : "False");
            ResourceLimits l = d.limits();
            p.put("maxmem", Integer.toString(l.maxmem()));
            Map<String, String> f = new LinkedHashMap<>();
            if (d.gui() != null) {
                f.put("gui", d.gui() ? "1" : "");
            }
            f.put("airlock-maxprocs", Integer.toString(l.maxprocs()));
            f.put("airlock-cpu-weight", Integer.toString(l.cpuWeight()));
            f.put("airlock-nofile", Integer.toString(l.nofile()));
            f.put("airlock-private-max-size", Long.toString(l.privateMaxSize()));
            TreeReader.Totals t = totals.get(d.name());
            if (chosen.contains(d.name())) {
                f.put("backup-content", "1");
                f.put("backup-path", "vm" + qid + "/");
                f.put("backup-size", Long.toString(t.bytes()));
                f.put("backup-files", Long.toString(t.members()));
            } else {
                f.put("backup-content", "");
            }
            vms.add(new QubesXml.Vm(d.domainClass().typeName(), p, f, d.tags()));
        }
        return new QubesXml(host, vms);
    }
}
