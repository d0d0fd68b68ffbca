package dev.airlock.filecopy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The receiver's per-entry account of name conflicts, an airlock extension sent after the Qubes reply only to a
 * sender that asked for it (so a Qubes sender never sees it). At most {@link #MAX_LISTED} entries and
 * {@link #MAX_LISTED_BYTES} of names are listed; the rest are only counted, so a stream of a million conflicting
 * names costs the receiver bounded memory.
 *
 * <p>Wire form, little-endian: {@code u32 magic "ALCR"; u32 listed; u32 moreSkipped; u32 moreRenamed;} then per
 * listed entry {@code u8 kind (1 skipped, 2 renamed); u32 len; name;} and for a renamed one {@code u32 len; new name}.
 *
 * @param listed      the entries listed
 * @param moreSkipped skipped entries beyond the listing
 * @param moreRenamed renamed entries beyond the listing
 */
public record ConflictReport(List<Conflict> listed, long moreSkipped, long moreRenamed) {
    /** Most entries listed. */
    public static final int MAX_LISTED = 1000;
    /** Most bytes of names listed. */
    public static final int MAX_LISTED_BYTES = 256 * 1024;
    private static final int MAGIC = 0x52434c41; // "ALCR" read little-endian
    private static final byte SKIPPED = 1;
    private static final byte RENAMED = 2;

    public ConflictReport {
        listed = List.copyOf(listed);
        if (moreSkipped < 0 || moreRenamed < 0) {
            throw new IllegalArgumentException("negative count");
        }
    }

    /** No conflict at all. */
    public static final ConflictReport NONE = new ConflictReport(List.of(), 0, 0);

    /** True when any entry, listed or only counted, was skipped: its data did not arrive. */
    public boolean anySkipped() {
        return moreSkipped > 0 || listed.stream().anyMatch(c -> c instanceof Conflict.Skipped);
    }

    /**
     * True when the receiver may lack anything sent for the sender's argument {@code argument} (a path as given to
     * the sender): something under its name in the stream was skipped, or skipped entries were only counted. A
     * move keeps such an argument.
     */
    public boolean skippedAnythingOf(String argument) {
        if (moreSkipped > 0) {
            return true;
        }
        String top = argument;
        while (top.endsWith("/") && top.length() > 1) {
            top = top.substring(0, top.length() - 1);
        }
        top = top.substring(top.lastIndexOf('/') + 1);
        for (Conflict c : listed) {
            if (c instanceof Conflict.Skipped(String name) && (name.equals(top) || name.startsWith(top + "/"))) {
                return true;
            }
        }
        return false;
    }

    /** True when no conflict happened. */
    public boolean isEmpty() {
        return listed.isEmpty() && moreSkipped == 0 && moreRenamed == 0;
    }

    byte[] encode() {
        int size = HEAD_SIZE;
        for (Conflict c : listed) {
            size += 5 + utf8(c.name()).length + (c instanceof Conflict.Renamed r ? 4 + utf8(r.as()).length : 0);
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(listed.size()).putInt((int) Math.min(moreSkipped, 0xffffffffL))
                .putInt((int) Math.min(moreRenamed, 0xffffffffL));
        for (Conflict c : listed) {
            switch (c) {
                case Conflict.Skipped s -> putName(b.put(SKIPPED), s.name());
                case Conflict.Renamed r -> putName(putName(b.put(RENAMED), r.name()), r.as());
            }
        }
        return b.array();
    }

    private static ByteBuffer putName(ByteBuffer b, String name) {
        byte[] n = utf8(name);
        return b.putInt(n.length).put(n);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Size of the report's fixed head. */
    static final int HEAD_SIZE = 16;

    /**
     * Reads a report, whose {@link #HEAD_SIZE} first bytes are {@code head} (little-endian), from an untrusted
     * receiver; anything malformed or over the limits is garbage.
     */
    static ConflictReport read(ByteBuffer head, ReadableByteChannel in) throws IOException {
        if (head.getInt(0) != MAGIC) {
            throw garbage("its conflict report does not start as one");
        }
        long count = Integer.toUnsignedLong(head.getInt(4));
        if (count > MAX_LISTED) {
            throw garbage("its conflict report lists " + count + " entries");
        }
        long[] budget = {MAX_LISTED_BYTES};
        List<Conflict> listed = new ArrayList<>((int) count);
        for (int i = 0; i < count; i++) {
            byte kind = fill(in, 1).get(0);
            if (kind != SKIPPED && kind != RENAMED) {
                throw garbage("its conflict report has an entry of kind " + kind);
            }
            String name = readName(in, budget);
            listed.add(kind == SKIPPED ? new Conflict.Skipped(name) : new Conflict.Renamed(name, readName(in, budget)));
        }
        return new ConflictReport(listed, Integer.toUnsignedLong(head.getInt(8)),
                Integer.toUnsignedLong(head.getInt(12)));
    }

    /** Reads one name, charging its length to {@code budget[0]}. */
    private static String readName(ReadableByteChannel in, long[] budget) throws IOException {
        long len = Integer.toUnsignedLong(fill(in, 4).getInt(0));
        if (len > Reply.MAX_LAST_NAME || len > budget[0]) {
            throw garbage("its conflict report names a file of " + len + " bytes");
        }
        budget[0] -= len;
        return new String(fill(in, (int) len).array(), StandardCharsets.UTF_8);
    }

    private static ByteBuffer fill(ReadableByteChannel in, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (in.read(b) < 0) {
                throw garbage("its conflict report is truncated");
            }
        }
        return b;
    }

    private static TransferException garbage(String why) {
        return new TransferException("the receiver answered garbage: " + why);
    }

    /** Builds a report on the receiving side within the limits. */
    static final class Collector {
        private final List<Conflict> listed = new ArrayList<>();
        private long listedBytes;
        private long moreSkipped;
        private long moreRenamed;

        void skipped(byte[] name) {
            if (fits(name.length, 0)) {
                listed.add(new Conflict.Skipped(new String(name, StandardCharsets.UTF_8)));
            } else {
                moreSkipped++;
            }
        }

        void renamed(byte[] name, byte[] as) {
            if (fits(name.length, as.length)) {
                listed.add(new Conflict.Renamed(new String(name, StandardCharsets.UTF_8),
                        new String(as, StandardCharsets.UTF_8)));
            } else {
                moreRenamed++;
            }
        }

        /**
         * Whether names of these raw lengths can still be listed. Invalid UTF-8 is listed decoded, and a byte
         * that becomes a replacement character grows to three: the limits are checked against that worst case.
         */
        private boolean fits(int nameBytes, int asBytes) {
            long worst = 3L * (nameBytes + asBytes);
            if (3L * Math.max(nameBytes, asBytes) > Reply.MAX_LAST_NAME || listed.size() >= MAX_LISTED
                    || listedBytes + worst > MAX_LISTED_BYTES) {
                return false;
            }
            listedBytes += worst;
            return true;
        }

        ConflictReport report() {
            return new ConflictReport(listed, moreSkipped, moreRenamed);
        }
    }
}
