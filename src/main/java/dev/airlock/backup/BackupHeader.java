package dev.airlock.backup;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code backup-header} file ({@code docs/backup.md} section 3). Parse it only after {@code backup-header.hmac}
 * authenticated it; even then, the compression filter is a program name that is run, so it must be one of
 * {@link #FILTERS} (QSB-051).
 *
 * @param compressed whether the inner streams are compressed
 * @param filter the compression program, one of {@link #FILTERS}
 * @param backupId the backup's identity, bound into every chunk's key string
 */
public record BackupHeader(boolean compressed, String filter, String backupId) {

    /** The largest header read; a real one is about 120 bytes. */
    public static final int MAX_BYTES = 4096;

    /** The compression programs a backup may name (those Qubes' restore accepts). */
    public static final List<String> FILTERS = List.of("gzip", "bzip2", "xz", "lzma", "pbzip2", "pigz", "zstd",
            "zstdmt");

    private static final Pattern VALUE = Pattern.compile("[A-Za-z0-9-]*");
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9-]*");
    private static final Pattern BACKUP_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{0,99}");
    private static final Set<String> KNOWN = Set.of("version", "encrypted", "compressed", "compression-filter",
            "crypto-algorithm", "hmac-algorithm", "backup-id");

    public BackupHeader {
        if (!FILTERS.contains(filter)) {
            throw new IllegalArgumentException("compression filter \"" + filter + "\" is not one of " + FILTERS);
        }
        if (!BACKUP_ID.matcher(backupId).matches()) {
            throw new IllegalArgumentException("backup-id \"" + backupId + "\" is not [A-Za-z0-9-]+ without a "
                    + "leading '-'");
        }
    }

    /** The file's bytes, {@code version} first, as Qubes R4 writes them. */
    public byte[] format() {
        return ("version=4\nencrypted=True\ncompressed=" + (compressed ? "True" : "False")
                + "\ncompression-filter=" + filter + "\nhmac-algorithm=scrypt\nbackup-id=" + backupId + "\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Parses an authenticated header.
     *
     * @throws BackupFormatException if it breaks a rule of section 3, is not version 4, or names a compression
     *                               filter that is not listed
     */
    public static BackupHeader parse(byte[] bytes) throws BackupFormatException {
        if (bytes.length > MAX_BYTES) {
            throw new BackupFormatException("backup-header is over " + MAX_BYTES + " bytes");
        }
        Map<String, String> values = new HashMap<>();
        for (byte c : bytes) {
            if (c < 0) {
                throw new BackupFormatException("backup-header is not ASCII");
            }
        }
        for (String line : new String(bytes, StandardCharsets.US_ASCII).split("\r\n|\r|\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] kv = line.split("=", -1);
            if (kv.length != 2 || !KEY.matcher(kv[0]).matches()) {
                throw new BackupFormatException("backup-header has a malformed line: " + printable(line));
            }
            if (!KNOWN.contains(kv[0])) {
                continue;
            }
            if (!VALUE.matcher(kv[1]).matches()) {
                throw new BackupFormatException("backup-header: " + kv[0] + " has a value outside [A-Za-z0-9-]");
            }
            if (values.put(kv[0], kv[1]) != null) {
                throw new BackupFormatException("backup-header: " + kv[0] + " is given twice");
            }
        }
        String version = require(values, "version");
        if (!version.equals("4")) {
            throw new BackupFormatException("backup format version " + printable(version) + " is not supported "
                    + "(only 4; versions 2 and 3 use weak unsalted keys)");
        }
        require(values, "encrypted");
        String hmac = require(values, "hmac-algorithm");
        if (!hmac.equals("scrypt")) {
            throw new BackupFormatException("backup-header: hmac-algorithm " + hmac + " is not scrypt");
        }
        boolean compressed = bool(require(values, "compressed"));
        String filter = values.getOrDefault("compression-filter", "gzip");
        if (!FILTERS.contains(filter)) {
            throw new BackupFormatException("the backup names compression filter \"" + filter + "\", which is not "
                    + "one of " + String.join(", ", FILTERS) + ": refused, it would be run as a program");
        }
        String id = require(values, "backup-id");
        if (!BACKUP_ID.matcher(id).matches()) {
            throw new BackupFormatException("backup-header: backup-id is empty, too long or starts with '-'");
        }
        return new BackupHeader(compressed, filter, id);
    }

    private static String require(Map<String, String> values, String key) throws BackupFormatException {
        String v = values.get(key);
        if (v == null) {
            throw new BackupFormatException("backup-header lacks " + key);
        }
        return v;
    }

    private static boolean bool(String v) {
        String l = v.toLowerCase(java.util.Locale.ROOT);
        return l.equals("1") || l.equals("true") || l.equals("yes");
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
            if (b.length() > 80) {
                b.append("...");
                break;
            }
        }
        return b.toString();
    }
}
