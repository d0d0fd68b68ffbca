package dev.airlock.pendrive.client;

import dev.airlock.pendrive.Device;
import dev.airlock.pendrive.KeyStoreFeed;
import dev.airlock.pendrive.fat.Extractor;
import dev.airlock.pendrive.fat.FatReader;
import dev.airlock.pendrive.wire.ChannelResponse;
import dev.airlock.text.TerminalText;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The incoming handler (the udev script's role in Qubes): waits for the host to announce an incoming pendrive
 * ({@code device/xvdh}) and, for an ordinary transfer (transaction 0), extracts its files with the hardened FAT
 * reader into a new folder {@code ~/QubesIncoming/pendrive-SOURCE} (a second one from the same source gets
 * {@code -2}, ...). Nothing is mounted: the files are copies, so they stay when the user releases the pendrive
 * with {@code qubes_penctl umount}. A pendrive of a transaction (SEQ above 0) is a file to edit in a disposable
 * (the host marks those with {@code qubes_vm_type} = {@code DispVM}) or, elsewhere, the edited file coming
 * back ({@link DisposableTransactions}). What happened is written to this domain's key {@value #REPORT_KEY} as
 * {@code IMAGE WHAT} or {@code IMAGE failed: WHY}.
 */
public final class IncomingPendrives {
    /** This domain's key that tells where the last incoming pendrive's files went. */
    public static final String REPORT_KEY = "pendrive/incoming";
    private static final String DEVICE_KEY = "device/" + Device.XVDH.deviceName();
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,31}");
    private static final long RETRY_MILLIS = 1000;

    private static final Pattern SEQ = Pattern.compile("[1-9][0-9]{0,8}");

    private final Path socket;
    private final Path home;
    private final Path incoming;
    private final Map<String, String> env;
    private final PrintStream log;

    /**
     * @param socket the pendrive socket
     * @param home   the user's home: pendrives' folders go to its {@code QubesIncoming}, transactions are in its
     *               {@code .dvm}
     * @param env    the environment the file handler of a disposable sees ({@code $EDITOR})
     * @param log    where the handler says what it did
     */
    public IncomingPendrives(Path socket, Path home, Map<String, String> env, PrintStream log) {
        this.socket = socket;
        this.home = home;
        this.incoming = home.resolve("QubesIncoming");
        this.env = Map.copyOf(env);
        this.log = log;
    }

    /** Runs the handler in a daemon thread of its own, for as long as the process runs. */
    public Thread start() {
        return Thread.ofPlatform().daemon().name("airlock-pendrive-incoming").start(this::run);
    }

    /** Watches and handles, reconnecting when the host goes away (a broker restart) until interrupted. */
    void run() {
        while (!Thread.currentThread().isInterrupted()) {
            try (PenChannel watch = PenChannel.open(socket)) {
                watch.watch(DEVICE_KEY);
                try (PenChannel ch = PenChannel.open(socket)) {
                    Optional<String> already = ch.read(DEVICE_KEY);
                    if (already.isPresent()) {
                        handle(already.get());
                    }
                }
                for (Optional<ChannelResponse.Event> e = watch.next(); e.isPresent(); e = watch.next()) {
                    if (e.get() instanceof ChannelResponse.Written(String path, String image)
                            && path.equals(DEVICE_KEY)) {
                        handle(image);
                    }
                }
            } catch (IOException e) {
                // No host yet, or it went away: try again.
            } catch (RuntimeException e) {
                // A bug must not end this domain's only handler: say so and start over.
                log.println("airlock: pendrive handler failed, restarting: " + TerminalText.escape(e.toString()));
            }
            try {
                Thread.sleep(RETRY_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Handles the pendrive {@code image} just attached as {@code xvdh}. */
    void handle(String image) {
        try (PenChannel ch = PenChannel.open(socket)) {
            String report;
            try {
                report = report(ch, image);
            } catch (RuntimeException e) {
                // A bug rather than the pendrive, as far as we know; refused like a bad one, and the next is handled.
                report = image + " failed: " + e;
            }
            log.println("airlock: incoming pendrive " + TerminalText.escape(report));
            ch.write(REPORT_KEY, printable(report));
        } catch (IOException | RuntimeException e) {
            log.println("airlock: incoming pendrive " + TerminalText.escape(image + ": " + e.getMessage()));
        }
    }

    private String report(PenChannel ch, String image) throws IOException {
        String source = ch.read("qubes_blocksrc").orElse("");
        String seq = ch.read("qubes_transaction_seq").orElse("0");
        if (!NAME.matcher(source).matches()) {
            return image + " failed: no valid source name";
        } else if (SEQ.matcher(seq).matches()) {
            boolean disposable = ch.read(KeyStoreFeed.VM_TYPE_KEY).orElse("").equals(KeyStoreFeed.DISPOSABLE_TYPE);
            return image + " " + (disposable
                    ? DisposableTransactions.edit(socket, ch, source, seq, home, env, log)
                    : DisposableTransactions.reply(socket, ch, seq, home));
        } else if (!seq.equals("0")) {
            return image + " failed: no valid transaction number";
        }
        return extract(ch, image, source);
    }

    /**
     * A key's value: no control, bidi or invisible characters (a hostile image's names may be in a message), at
     * most 1000.
     */
    static String printable(String s) {
        String clean = s.codePoints().map(c -> TerminalText.hides(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return clean.length() > 1000 ? clean.substring(0, 1000) : clean;
    }

    private String extract(PenChannel ch, String image, String source) throws IOException {
        Files.createDirectories(incoming);
        Path folder = incoming.resolve("pendrive-" + source);
        for (int n = 2; Files.exists(folder, LinkOption.NOFOLLOW_LINKS); n++) {
            folder = incoming.resolve("pendrive-" + source + "-" + n);
        }
        try (RemoteBlockDevice device = RemoteBlockDevice.open(ch, Device.XVDH)) {
            Extractor.Summary s = Extractor.extract(FatReader.open(device, FatReader.Options.defaults()), folder);
            return image + " " + folder + " (" + s.entries() + " entries, " + s.bytes() + " bytes)";
        } catch (IOException | RuntimeException e) {
            return image + " failed: " + e.getMessage();
        }
    }
}
