package dev.airlock.pendrive.client;

import dev.airlock.openinvm.DvmHeader;
import dev.airlock.openinvm.FileEditor;
import dev.airlock.openinvm.NameField;
import dev.airlock.pendrive.Device;
import dev.airlock.pendrive.fat.BlockDevice;
import dev.airlock.pendrive.wire.ChannelCodec;
import dev.airlock.text.TerminalText;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Open-in-disposable through pendrives ({@code docs/design-notes.md}, "The pendrive exchange, wired"): no file system,
 * a {@link DvmHeader} and the content raw on the device. The source numbers its transactions in {@code ~/.dvm/seq} and
 * remembers each file's path in {@code ~/.dvm/SEQ}; the disposable edits the file with the same handler choice as
 * {@code qubes.OpenInVM} and sends it back only when it changed; the source then replaces the file (atomically) and
 * releases the pendrive.
 */
public final class DisposableTransactions {
    /** The source's folder of transactions, relative to its home. */
    public static final String FOLDER = ".dvm";
    private static final Pattern SEQ = Pattern.compile("[1-9][0-9]{0,8}");
    private static final int PIECE = ChannelCodec.MAX_BLOCK;

    private DisposableTransactions() {
    }

    /**
     * {@code qvm-open-in-dvm --pendrive FILE}: sends {@code file} to a new disposable; its edits come back later
     * through the incoming handler. Returns the exit code, having told the user on {@code err}.
     */
    public static int open(Path socket, Path home, Path file, PrintWriter err) throws IOException {
        Path source = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
            err.println("ERROR: " + TerminalText.escape(file.toString()) + " is not a regular file");
            return 1;
        }
        DvmHeader header = new DvmHeader(Files.size(source), source.getFileName().toString());
        Penctl.Result fresh = Penctl.request(socket, "new");
        if (!fresh.served()) {
            err.println("ERROR: no new pendrive: " + TerminalText.escape(fresh.text()));
            return 1;
        }
        int seq = nextSequence(home);
        Path record = home.resolve(FOLDER).resolve(Integer.toString(seq));
        Files.writeString(record, source + "\n");
        try (PenChannel ch = PenChannel.open(socket);
             RemoteBlockDevice device = RemoteBlockDevice.open(ch, Device.XVDG);
             InputStream content = Files.newInputStream(source, LinkOption.NOFOLLOW_LINKS)) {
            write(device, header, content);
        } catch (IOException e) {
            Files.deleteIfExists(record);
            throw e;
        }
        Penctl.Result sent = Penctl.request(socket, "send disposable " + seq);
        if (!sent.served()) {
            Files.deleteIfExists(record);
            err.println("ERROR: no disposable: " + TerminalText.escape(sent.text())
                    + " (the pendrive stays attached here)");
            return PendriveCopy.EXIT_REFUSED;
        }
        return 0;
    }

    /** Takes the next number from {@code ~/.dvm/seq}: 1 + the one stored there (none means 0). */
    private static int nextSequence(Path home) throws IOException {
        Path folder = Files.createDirectories(home.resolve(FOLDER));
        Path counter = folder.resolve("seq");
        int last = 0;
        if (Files.exists(counter, LinkOption.NOFOLLOW_LINKS)) {
            String text = Files.readString(counter).strip();
            if (!text.equals("0") && !SEQ.matcher(text).matches()) {
                throw new IOException(counter + " does not hold a transaction number");
            }
            last = Integer.parseInt(text);
        }
        int next = last == 999_999_999 ? 1 : last + 1;
        Files.writeString(counter, next + "\n");
        return next;
    }

    /**
     * In a disposable: opens the file of transaction {@code seq} from {@code source} with the domain's handler,
     * releases the pendrive, and sends the file back if it changed, else asks to be destroyed. Returns what
     * happened, for the report.
     */
    static String edit(Path socket, PenChannel ch, String source, String seq, Path home, Map<String, String> env,
                       PrintStream log) throws IOException {
        Path reply = Files.createTempFile("airlock-dvm-reply-", "",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            DvmHeader header;
            int exit;
            try (RemoteBlockDevice device = RemoteBlockDevice.open(ch, Device.XVDH)) {
                header = readHeader(device);
                byte[] field = NameField.encode(header.name().getBytes(StandardCharsets.UTF_8), false);
                InputStream in = new SequenceInputStream(new ByteArrayInputStream(field),
                        new DeviceInput(device, DvmHeader.SIZE, header.fileSize()));
                try (OutputStream out = Files.newOutputStream(reply)) {
                    exit = FileEditor.forDomain(home, env).serve(in, out, log);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while the file was open");
            } catch (IOException e) {
                // A header or device this disposable cannot use: nothing to edit, nothing to send back.
                finish(socket);
                return "transaction " + seq + " failed: " + e.getMessage() + "; destroyed";
            }
            if (exit != 0 || Files.size(reply) == 0) {
                finish(socket);
                return "transaction " + seq + ": " + (exit != 0 ? "the editor failed" : "unchanged") + ", destroyed";
            }
            Penctl.request(socket, "umount");
            Penctl.Result fresh = Penctl.request(socket, "new");
            if (!fresh.served()) {
                return "transaction " + seq + " failed: no new pendrive: " + fresh.text();
            }
            try (PenChannel out = PenChannel.open(socket); RemoteBlockDevice device = RemoteBlockDevice.open(out,
                    Device.XVDG); InputStream content = Files.newInputStream(reply)) {
                write(device, new DvmHeader(Files.size(reply), header.name()), content);
            }
            try {
                Penctl.Result sent = Penctl.request(socket, "send " + source + " " + seq);
                return "transaction " + seq + ": edited, " + (sent.served() ? "sent back to " + source
                        : "not sent back: " + sent.text());
            } catch (IOException e) {
                // The host destroys this disposable as it serves the send, often before its answer arrives.
                return "transaction " + seq + ": edited, sent back to " + source;
            }
        } finally {
            Files.deleteIfExists(reply);
        }
    }

    /** Releases the incoming pendrive and asks to be destroyed, which closes this domain's channel. */
    private static void finish(Path socket) throws IOException {
        Penctl.request(socket, "umount");
        try {
            Penctl.request(socket, "killme");
        } catch (IOException e) {
            // Destroyed before the answer came: what was asked for.
        }
    }

    /**
     * In the source: the file of transaction {@code seq} came back edited; it replaces the file whose path
     * {@code ~/.dvm/SEQ} holds, and the pendrive is released.
     */
    static String reply(Path socket, PenChannel ch, String seq, Path home) throws IOException {
        Path record = home.resolve(FOLDER).resolve(seq);
        if (!Files.isRegularFile(record, LinkOption.NOFOLLOW_LINKS)) {
            return "transaction " + seq + " failed: no such transaction here";
        }
        Path target = Path.of(Files.readString(record).strip());
        Path parent = target.getParent();
        if (!target.isAbsolute() || parent == null) {
            return "transaction " + seq + " failed: " + record + " does not hold an absolute path";
        }
        Path staged = Files.createTempFile(parent, ".airlock-dvm-", ".part");
        try {
            try (RemoteBlockDevice device = RemoteBlockDevice.open(ch, Device.XVDH);
                 OutputStream out = Files.newOutputStream(staged, StandardOpenOption.WRITE)) {
                DvmHeader header = readHeader(device);
                new DeviceInput(device, DvmHeader.SIZE, header.fileSize()).transferTo(out);
            } catch (IOException e) {
                Penctl.request(socket, "umount");
                return "transaction " + seq + " failed: " + e.getMessage() + "; " + target + " is unchanged";
            }
            // createTempFile made it 0600: the edited file keeps the mode the original had.
            if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
                Files.setPosixFilePermissions(staged, Files.getPosixFilePermissions(target, LinkOption.NOFOLLOW_LINKS));
            }
            Files.move(staged, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(staged);
        }
        Files.delete(record);
        Penctl.Result released = Penctl.request(socket, "umount");
        return "transaction " + seq + ": " + target + " updated" + (released.served() ? "" : "; " + released.text());
    }

    private static DvmHeader readHeader(BlockDevice device) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(DvmHeader.SIZE);
        device.read(0, b);
        try {
            return DvmHeader.decode(b.flip(), device.size() - DvmHeader.SIZE);
        } catch (DvmHeader.InvalidHeaderException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static void write(BlockDevice device, DvmHeader header, InputStream content) throws IOException {
        if (header.fileSize() > device.size() - DvmHeader.SIZE) {
            throw new IOException("the file (" + header.fileSize() + " bytes) does not fit on the pendrive ("
                    + device.size() + " bytes)");
        }
        device.write(0, ByteBuffer.wrap(header.encode()));
        long at = DvmHeader.SIZE;
        long left = header.fileSize();
        byte[] piece = new byte[PIECE];
        while (left > 0) {
            int n = content.readNBytes(piece, 0, (int) Math.min(piece.length, left));
            if (n == 0) {
                throw new IOException("the file shrank while it was written");
            }
            device.write(at, ByteBuffer.wrap(piece, 0, n));
            at += n;
            left -= n;
        }
    }

    /** {@code length} bytes of a device from {@code offset}, as a stream. */
    private static final class DeviceInput extends InputStream {
        private final BlockDevice device;
        private long at;
        private long left;

        DeviceInput(BlockDevice device, long offset, long length) {
            this.device = device;
            this.at = offset;
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (left == 0) {
                return -1;
            }
            int n = (int) Math.min(Math.min(len, left), PIECE);
            device.read(at, ByteBuffer.wrap(b, off, n));
            at += n;
            left -= n;
            return n;
        }
    }
}
