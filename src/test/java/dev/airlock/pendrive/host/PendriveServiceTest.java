package dev.airlock.pendrive.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.keystore.KeyStore;
import dev.airlock.keystore.Principal;
import dev.airlock.openinvm.DvmHeader;
import dev.airlock.pendrive.Approval;
import dev.airlock.pendrive.Device;
import dev.airlock.pendrive.PendriveDaemon;
import dev.airlock.pendrive.client.ChannelRefusedException;
import dev.airlock.pendrive.client.DisposableTransactions;
import dev.airlock.pendrive.client.IncomingPendrives;
import dev.airlock.pendrive.client.PenChannel;
import dev.airlock.pendrive.client.Penctl;
import dev.airlock.pendrive.client.PendriveCopy;
import dev.airlock.pendrive.wire.ChannelCodec;
import dev.airlock.pendrive.wire.ChannelRequest;
import dev.airlock.pendrive.wire.ChannelResponse.Code;
import dev.airlock.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The exchange in one process, over real Unix sockets: the host's service, the domains' client code (the same
 * that {@code qubes_penctl}, {@code qvm-copy-to-vm --pendrive} and the incoming handler run) and the daemon,
 * with a scripted approval instead of the user.
 */
class PendriveServiceTest {
    private static final long SIZE = 64L << 20;

    /** Answers as told; records who asked. */
    private static final class Answers implements Approval {
        volatile boolean transfer = true;
        volatile boolean waiting = true;
        final ConcurrentLinkedQueue<String> asked = new ConcurrentLinkedQueue<>();

        @Override
        public boolean authorizeTransfer(String source, String dest) {
            asked.add(source + "->" + dest);
            return transfer;
        }

        @Override
        public boolean waitForRelease(String source, String dest) {
            asked.add("wait " + source + "->" + dest);
            return waiting;
        }
    }

    /**
     * Disposables as folders with a pendrive socket and an incoming handler whose file handler is the script
     * {@link #editor}; destroying one stops it as the broker would.
     */
    private final class Disposables implements DisposableDomains {
        private int count;
        volatile String editor = "#!/bin/sh\nsed -i s/draft/final/ \"$1\"\n";
        final Map<String, Thread> handlers = new ConcurrentHashMap<>();
        final List<String> created = new CopyOnWriteArrayList<>();
        final List<String> destroyed = new CopyOnWriteArrayList<>();
        final Set<String> unbound = ConcurrentHashMap.newKeySet();

        @Override
        public synchronized String create(String forDomain) throws IOException {
            String name = "disp" + ++count;
            Path handler = tmp.resolve(name + "-home/.config/airlock/open-handler");
            Files.createDirectories(handler.getParent());
            Files.writeString(handler, editor);
            Files.setPosixFilePermissions(handler, PosixFilePermissions.fromString("rwx------"));
            service.domainStarted(name, Files.createDirectories(tmp.resolve(name)));
            handlers.put(name, incomingHandler(name));
            created.add(name + " for " + forDomain);
            return name;
        }

        @Override
        public void destroy(String name) {
            service.domainStopped(name);
            destroyed.add(name);
            Thread t = handlers.remove(name);
            if (t != null) {
                t.interrupt();
            }
        }

        @Override
        public boolean isUnbound(String name) {
            return unbound.contains(name);
        }
    }

    @TempDir
    Path tmp;
    private final Disposables disposables = new Disposables();
    private final Answers answers = new Answers();
    private final ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
    private PendriveService service;
    private Path images;

    @BeforeEach
    void start() throws IOException {
        images = tmp.resolve("pendrives");
        service = new PendriveService(images, SIZE, answers, disposables, log::add);
        for (String d : List.of("work", "personal", "vault")) {
            Files.createDirectories(tmp.resolve(d));
            service.domainStarted(d, tmp.resolve(d));
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        disposables.handlers.values().forEach(Thread::interrupt);
        service.close();
    }

    private Path socket(String domain) {
        return tmp.resolve(domain).resolve(PendriveService.SOCKET);
    }

    private PenChannel channel(String domain) throws IOException {
        return PenChannel.open(socket(domain));
    }

    private int idOf(String domain) {
        for (String child : service.keys().list(Principal.host(), "/vm")) {
            if (service.keys().read(Principal.host(), "/vm/" + child + "/name").orElse("").equals(domain)) {
                return Integer.parseInt(child);
            }
        }
        throw new AssertionError(domain + " has no id");
    }

    private Optional<String> hostRead(String domain, String key) {
        return service.keys().read(Principal.host(), KeyStore.domainPath(idOf(domain)) + "/" + key);
    }

    private String awaitKey(String domain, String key) throws InterruptedException {
        return Await.value(Await.DEFAULT_LIMIT, domain + " writes " + key, () -> hostRead(domain, key),
                Optional::isPresent).orElseThrow();
    }

    private Penctl.Result penctl(String domain, String request) throws IOException {
        return Penctl.request(socket(domain), request);
    }

    private Thread incomingHandler(String domain) {
        return new IncomingPendrives(socket(domain), tmp.resolve(domain + "-home"), Map.of(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).start();
    }

    @Test
    void copyBetweenTwoDomainsEndToEnd() throws Exception {
        Path src = tmp.resolve("src");
        Files.createDirectories(src.resolve("reports"));
        Files.writeString(src.resolve("reports/q3.txt"), "numbers\n");
        Files.write(src.resolve("big.bin"), new byte[3 * ChannelCodec.MAX_BLOCK + 17]);
        Thread handler = incomingHandler("personal");
        try {
            StringWriter err = new StringWriter();
            int exit = PendriveCopy.send(socket("work"), "personal",
                    List.of(src.resolve("reports").toString(), src.resolve("big.bin").toString()),
                    new PrintWriter(err, true));
            assertThat(exit).as(err.toString()).isZero();
            assertThat(answers.asked).containsExactly("work->personal");

            String report = awaitKey("personal", IncomingPendrives.REPORT_KEY);
            Path folder = tmp.resolve("personal-home/QubesIncoming/pendrive-work");
            assertThat(report).startsWith("1 " + folder);
            assertThat(folder.resolve("reports/q3.txt")).hasContent("numbers");
            assertThat(Files.size(folder.resolve("big.bin"))).isEqualTo(3L * ChannelCodec.MAX_BLOCK + 17);
            assertThat(hostRead("personal", "qubes_blocksrc")).contains("work");
            assertThat(hostRead("personal", "qubes_transaction_seq")).contains("0");
            assertThat(service.daemon().state("personal").receiving())
                    .isEqualTo(PendriveDaemon.Receiving.HAS_LOADED_PENDRIVE);

            assertThat(penctl("personal", "umount").served()).isTrue();
            assertThat(service.daemon().state("personal").receiving()).isEqualTo(PendriveDaemon.Receiving.IDLE);
            try (Stream<Path> left = Files.list(images)) {
                assertThat(left).isEmpty();
            }
            assertThat(folder.resolve("reports/q3.txt")).as("the files are copies and stay").exists();
        } finally {
            handler.interrupt();
        }
    }

    @Test
    void senderCannotWriteAfterSend() throws Exception {
        assertThat(penctl("work", "new").served()).isTrue();
        try (PenChannel ch = channel("work")) {
            ch.writeBlock(Device.XVDG, 1 << 20, new byte[] {1, 2, 3});
            assertThat(penctl("work", "send personal").served()).isTrue();
            assertThatThrownBy(() -> ch.writeBlock(Device.XVDG, 1 << 20, new byte[] {4}))
                    .isInstanceOfSatisfying(ChannelRefusedException.class,
                            e -> assertThat(e.code()).isEqualTo(Code.NOT_ATTACHED));
            assertThatThrownBy(() -> ch.readBlock(Device.XVDG, 1 << 20, 3))
                    .isInstanceOf(ChannelRefusedException.class);
        }
        try (PenChannel ch = channel("personal")) {
            assertThat(ch.readBlock(Device.XVDH, 1 << 20, 3)).containsExactly(1, 2, 3);
        }
    }

    @Test
    void receiverCannotWriteTheIncomingPendrive() throws Exception {
        penctl("work", "new");
        penctl("work", "send personal");
        try (PenChannel ch = channel("personal")) {
            assertThatThrownBy(() -> ch.writeBlock(Device.XVDH, 0, new byte[] {0}))
                    .isInstanceOfSatisfying(ChannelRefusedException.class,
                            e -> assertThat(e.code()).isEqualTo(Code.READ_ONLY));
        }
    }

    @Test
    void domainCannotReadAnotherDomainsDevice() throws Exception {
        penctl("work", "new");
        try (PenChannel ch = channel("personal")) {
            assertThatThrownBy(() -> ch.readBlock(Device.XVDG, 0, 512))
                    .isInstanceOfSatisfying(ChannelRefusedException.class,
                            e -> assertThat(e.code()).isEqualTo(Code.NOT_ATTACHED));
            assertThatThrownBy(() -> ch.size(Device.XVDG)).isInstanceOf(ChannelRefusedException.class);
        }
    }

    @Test
    void blockRequestsOutsideTheDeviceAreRefused() throws Exception {
        penctl("work", "new");
        try (PenChannel ch = channel("work")) {
            assertThat(ch.size(Device.XVDG)).isEqualTo(SIZE);
            assertThatThrownBy(() -> ch.readBlock(Device.XVDG, SIZE - 1, 2))
                    .isInstanceOfSatisfying(ChannelRefusedException.class,
                            e -> assertThat(e.code()).isEqualTo(Code.OUT_OF_RANGE));
            assertThatThrownBy(() -> ch.writeBlock(Device.XVDG, Long.MAX_VALUE - 1, new byte[] {1, 2, 3}))
                    .isInstanceOfSatisfying(ChannelRefusedException.class,
                            e -> assertThat(e.code()).isEqualTo(Code.OUT_OF_RANGE));
        }
        assertThat(Files.size(images.resolve("pendrive-1.img"))).isEqualTo(SIZE);
    }

    @Test
    void domainCannotForgeThePendrivesSourceOrItsName() throws Exception {
        penctl("work", "new");
        penctl("work", "send personal");
        try (PenChannel ch = channel("personal")) {
            assertThat(ch.read("qubes_blocksrc")).contains("work");
            assertThatThrownBy(() -> ch.write("qubes_blocksrc", "vault"))
                    .isInstanceOfSatisfying(ChannelRefusedException.class,
                            e -> assertThat(e.code()).isEqualTo(Code.PERMISSION));
            assertThatThrownBy(() -> ch.write("name", "vault")).isInstanceOf(ChannelRefusedException.class);
            assertThatThrownBy(() -> ch.write("device/xvdh", "99")).isInstanceOf(ChannelRefusedException.class);
        }
        assertThat(hostRead("personal", "qubes_blocksrc")).contains("work");
    }

    @Test
    void domainCannotReachAnotherDomainsKeys() throws Exception {
        String vault = KeyStore.domainPath(idOf("vault"));
        try (PenChannel ch = channel("work")) {
            assertThatThrownBy(() -> ch.read(vault + "/name"))
                    .isInstanceOfSatisfying(ChannelRefusedException.class,
                            e -> assertThat(e.code()).isEqualTo(Code.PERMISSION));
            assertThatThrownBy(() -> ch.write(vault + "/device/qpen", "send work"))
                    .isInstanceOf(ChannelRefusedException.class);
            assertThatThrownBy(() -> ch.write("/vm/99/name", "ghost")).isInstanceOf(ChannelRefusedException.class);
            assertThatThrownBy(() -> ch.watch("/vm")).isInstanceOf(ChannelRefusedException.class);
        }
        assertThat(service.daemon().state("vault").sending()).isEqualTo(PendriveDaemon.Sending.IDLE);
    }

    @Test
    void refusedTransferLeavesThePendriveWithTheSender() throws Exception {
        answers.transfer = false;
        Path file = Files.writeString(tmp.resolve("a.txt"), "a");
        StringWriter err = new StringWriter();
        int exit = PendriveCopy.send(socket("work"), "personal", List.of(file.toString()), new PrintWriter(err, true));
        assertThat(exit).isEqualTo(PendriveCopy.EXIT_REFUSED);
        assertThat(err.toString()).contains("ERROR: personal pendrive transfer:").contains("not authorized");
        assertThat(service.daemon().state("work").sending()).isEqualTo(PendriveDaemon.Sending.HAS_CLEAN_PENDRIVE);
        assertThat(service.daemon().state("personal").receiving()).isEqualTo(PendriveDaemon.Receiving.IDLE);
        try (PenChannel ch = channel("personal")) {
            assertThat(ch.read("device/xvdh")).isEmpty();
        }
    }

    @Test
    void pendriveCannotBePlantedInAPooledDisposable() throws Exception {
        Files.createDirectories(tmp.resolve("disp42"));
        service.domainStarted("disp42", tmp.resolve("disp42"));
        disposables.unbound.add("disp42");
        assertThat(penctl("work", "new").served()).isTrue();
        Penctl.Result r = penctl("work", "send disp42");
        assertThat(r.served()).isFalse();
        assertThat(r.text()).contains("waiting in the pool");
        assertThat(answers.asked).as("refused before anyone is asked").isEmpty();
        assertThat(service.daemon().state("disp42").receiving()).isEqualTo(PendriveDaemon.Receiving.IDLE);
        assertThat(service.daemon().state("work").sending()).isEqualTo(PendriveDaemon.Sending.HAS_CLEAN_PENDRIVE);
    }

    @Test
    void unknownDestinationIsRefused() throws Exception {
        Path file = Files.writeString(tmp.resolve("a.txt"), "a");
        StringWriter err = new StringWriter();
        int exit = PendriveCopy.send(socket("work"), "nosuch", List.of(file.toString()), new PrintWriter(err, true));
        assertThat(exit).isEqualTo(PendriveCopy.EXIT_REFUSED);
        assertThat(err.toString()).contains("nosuch does not exist or does not run");
        assertThat(answers.asked).isEmpty();
    }

    @Test
    void requestsThatDoNotFitTheStateAreRefusedAndSaySo() throws Exception {
        assertThat(penctl("work", "umount").text()).contains("non-matching state");
        assertThat(penctl("work", "send personal").served()).isFalse();
        assertThat(penctl("work", "new").served()).isTrue();
        assertThat(penctl("work", "new").served()).isFalse();
        assertThat(penctl("work", "killme").served()).isFalse();
        assertThatThrownBy(() -> penctl("work", "format c:")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aMalformedRequestWrittenByHandIsRefusedWithoutEcho() throws Exception {
        try (PenChannel watch = channel("work"); PenChannel ch = channel("work")) {
            watch.watch("device/qpen_result");
            ch.write("device/qpen", "send ../../etc");
            var e = watch.next().orElseThrow();
            assertThat(e.toString()).contains("refused").doesNotContain("../../etc");
        }
    }

    @Test
    void busyReceiverMakesTheSenderWaitUntilItReleases() throws Exception {
        penctl("work", "new");
        assertThat(penctl("work", "send personal").served()).isTrue();
        assertThat(penctl("vault", "new").served()).isTrue();
        Penctl.Result waiting = penctl("vault", "send personal");
        assertThat(waiting.served()).as(waiting.text()).isTrue();
        assertThat(answers.asked).containsExactly("work->personal", "vault->personal", "wait vault->personal");
        assertThat(service.daemon().state("personal").waitingSender()).isEqualTo("vault");
        try (PenChannel ch = channel("personal")) {
            assertThat(ch.read("qubes_blocksrc")).contains("work");
            assertThat(penctl("personal", "umount").served()).isTrue();
            assertThat(ch.read("qubes_blocksrc")).contains("vault");
            assertThat(ch.read("device/xvdh")).contains("2");
        }
    }

    @Test
    void hostileImageFromTheSenderIsRefusedByTheIncomingHandler() throws Exception {
        penctl("work", "new");
        try (PenChannel ch = channel("work")) {
            // A boot sector claiming 1-byte sectors: a receiver that trusted it would read nonsense.
            byte[] boot = ch.readBlock(Device.XVDG, 0, 512);
            boot[11] = 1;
            boot[12] = 0;
            ch.writeBlock(Device.XVDG, 0, boot);
        }
        penctl("work", "send personal");
        Thread handler = incomingHandler("personal");
        try {
            assertThat(awaitKey("personal", IncomingPendrives.REPORT_KEY)).startsWith("1 failed: ");
            assertThat(tmp.resolve("personal-home/QubesIncoming/pendrive-work")).doesNotExist();
            assertThat(penctl("personal", "umount").served()).isTrue();
        } finally {
            handler.interrupt();
        }
    }

    @Test
    void aStoppedDomainLosesItsChannelAndItsPendrives() throws Exception {
        penctl("work", "new");
        try (PenChannel ch = channel("work")) {
            service.domainStopped("work");
            assertThatThrownBy(() -> ch.writeBlock(Device.XVDG, 0, new byte[] {1})).isInstanceOf(IOException.class);
        }
        assertThat(socket("work")).doesNotExist();
        Await.within(Await.DEFAULT_LIMIT, () -> !Files.exists(images.resolve("pendrive-1.img")));
        assertThat(images.resolve("pendrive-1.img")).doesNotExist();
    }

    @Test
    void aDomainThatBreaksTheProtocolIsDisconnected() throws Exception {
        try (SocketChannel raw = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            raw.connect(UnixDomainSocketAddress.of(socket("work")));
            raw.write(ByteBuffer.allocate(4).putInt(ChannelCodec.MAX_FRAME + 1).flip());
            assertThat(raw.read(ByteBuffer.allocate(1))).isEqualTo(-1);
        }
        // The connection is closed before the line is logged.
        Await.within(Await.DEFAULT_LIMIT,
                () -> log.stream().anyMatch(l -> l.contains("work broke the channel protocol")));
        assertThat(log).anyMatch(l -> l.contains("work broke the channel protocol"));
        try (PenChannel ch = channel("work")) {
            assertThat(ch.read("name")).contains("work");
        }
    }

    @Test
    void thePendriveSocketIsForTheDomainsGroupOnly() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket("work"))))
                .isEqualTo("rw-rw----");
    }

    private void awaitContent(Path file, String content) throws InterruptedException, IOException {
        Await.within(Await.DEFAULT_LIMIT, () -> Files.exists(file) && Files.readString(file).equals(content));
        assertThat(file).hasContent(content);
    }

    private void awaitDestroyed(String name) throws InterruptedException {
        Await.within(Await.DEFAULT_LIMIT, () -> disposables.destroyed.contains(name));
        assertThat(disposables.destroyed).contains(name);
    }

    @Test
    void openInDisposableRoundTripThroughPendrivesReplacesTheEditedFile() throws Exception {
        Path home = tmp.resolve("work-home");
        Path doc = Files.writeString(Files.createDirectories(home.resolve("docs")).resolve("letter.txt"),
                "draft text\n");
        Thread handler = incomingHandler("work");
        try {
            StringWriter err = new StringWriter();
            assertThat(DisposableTransactions.open(socket("work"), home, doc, new PrintWriter(err, true)))
                    .as(err.toString()).isZero();
            awaitContent(doc, "final text\n");
            assertThat(disposables.created).containsExactly("disp1 for work");
            awaitDestroyed("disp1");
            assertThat(awaitKey("work", IncomingPendrives.REPORT_KEY)).contains("transaction 1: " + doc + " updated");
            assertThat(home.resolve(".dvm/seq")).hasContent("1\n");
            assertThat(home.resolve(".dvm/1")).doesNotExist();
            assertThat(answers.asked).as("a fresh disposable and its answer ask nothing").isEmpty();
            Await.within(Await.DEFAULT_LIMIT,
                    () -> service.daemon().state("work").receiving() == PendriveDaemon.Receiving.IDLE);
            assertThat(service.daemon().state("work").receiving()).isEqualTo(PendriveDaemon.Receiving.IDLE);
            try (Stream<Path> left = Files.list(images)) {
                assertThat(left).isEmpty();
            }
        } finally {
            handler.interrupt();
        }
    }

    @Test
    void fileEditedInADisposableDoesNotComeBackWithAnotherMode() throws Exception {
        Path home = tmp.resolve("work-home");
        Path doc = Files.writeString(Files.createDirectories(home).resolve("shared.txt"), "draft\n");
        Files.setPosixFilePermissions(doc, PosixFilePermissions.fromString("rw-r--r--"));
        Thread handler = incomingHandler("work");
        try {
            StringWriter err = new StringWriter();
            assertThat(DisposableTransactions.open(socket("work"), home, doc, new PrintWriter(err, true)))
                    .as(err.toString()).isZero();
            awaitContent(doc, "final\n");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(doc))).isEqualTo("rw-r--r--");
        } finally {
            handler.interrupt();
        }
    }

    @Test
    void oneIncomingPendriveThatBreaksTheHandlerDoesNotStopTheNextOnes() throws Exception {
        Path home = tmp.resolve("work-home");
        Path doc = Files.writeString(Files.createDirectories(home).resolve("a.txt"), "draft\n");
        // The record of the transaction turns into a path Java refuses (a NUL) while the file is out: reading it
        // back throws an unchecked exception in the handler.
        disposables.editor = "#!/bin/sh\nprintf '/a\\000b' > '" + home.resolve(".dvm/1")
                + "'\nsed -i s/draft/final/ \"$1\"\n";
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        Thread handler = new IncomingPendrives(socket("work"), home, Map.of(),
                new PrintStream(said, true, StandardCharsets.UTF_8)).start();
        try {
            StringWriter err = new StringWriter();
            assertThat(DisposableTransactions.open(socket("work"), home, doc, new PrintWriter(err, true)))
                    .as(err.toString()).isZero();
            assertThat(awaitKey("work", IncomingPendrives.REPORT_KEY)).matches("[0-9]+ failed: .*");
            assertThat(doc).hasContent("draft");
            assertThat(penctl("work", "umount").served()).isTrue();

            Path src = Files.writeString(tmp.resolve("note.txt"), "later\n");
            assertThat(PendriveCopy.send(socket("personal"), "work", List.of(src.toString()),
                    new PrintWriter(err, true))).as(err.toString()).isZero();
            awaitContent(home.resolve("QubesIncoming/pendrive-personal/note.txt"), "later\n");
            assertThat(handler.isAlive()).isTrue();
        } finally {
            handler.interrupt();
        }
    }

    @Test
    void unchangedFileDestroysTheDisposableAndSendsNothingBack() throws Exception {
        disposables.editor = "#!/bin/sh\ntrue\n";
        Path home = tmp.resolve("work-home");
        Path doc = Files.writeString(Files.createDirectories(home).resolve("a.txt"), "draft\n");
        StringWriter err = new StringWriter();
        assertThat(DisposableTransactions.open(socket("work"), home, doc, new PrintWriter(err, true))).isZero();
        awaitDestroyed("disp1");
        assertThat(doc).hasContent("draft");
        assertThat(service.daemon().state("work").receiving()).isEqualTo(PendriveDaemon.Receiving.IDLE);
        assertThat(service.daemon().state("disp1").sending()).isEqualTo(PendriveDaemon.Sending.IDLE);
    }

    @Test
    void hostileDvmHeaderIsRefusedInTheDisposable() throws Exception {
        penctl("work", "new");
        try (PenChannel ch = channel("work")) {
            byte[] header = new DvmHeader(5, "x").encode();
            header[8] = '.';
            header[9] = '.';
            header[10] = '/';
            header[11] = 'x';
            ch.writeBlock(Device.XVDG, 0, header);
        }
        assertThat(penctl("work", "send disposable 7").served()).isTrue();
        awaitDestroyed("disp1");
        assertThat(tmp.resolve("x")).doesNotExist();
        Await.within(Await.DEFAULT_LIMIT, () -> log.stream().anyMatch(l -> l.equals("disp1: disposable destroyed")));
        assertThat(log).as("the disposable asked to be destroyed without sending anything")
                .anyMatch(l -> l.equals("disp1: disposable destroyed")).noneMatch(l -> l.startsWith("disp1: send"));
    }

    @Test
    void sendingToADisposableWithoutDisposablesIsRefused() throws Exception {
        service.close();
        service = new PendriveService(images, SIZE, answers, DisposableDomains.NONE, log::add);
        Files.createDirectories(tmp.resolve("work"));
        service.domainStarted("work", tmp.resolve("work"));
        penctl("work", "new");
        Penctl.Result r = penctl("work", "send disposable 1");
        assertThat(r.served()).isFalse();
        assertThat(r.text()).contains("no disposable domains");
    }

    @Test
    void aDomainCannotExhaustTheHostWithConnections() throws Exception {
        List<SocketChannel> open = new ArrayList<>();
        try {
            for (int i = 0; i < PendriveService.MAX_CONNECTIONS; i++) {
                SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
                c.connect(UnixDomainSocketAddress.of(socket("work")));
                open.add(c);
                c.write(ChannelCodec.encode(new ChannelRequest.Read("name")));
                assertThat(ChannelCodec.readFrame(c)).isPresent();
            }
            try (SocketChannel extra = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                extra.connect(UnixDomainSocketAddress.of(socket("work")));
                assertThat(extra.read(ByteBuffer.allocate(1))).as("closed by the host").isEqualTo(-1);
            }
            try (PenChannel ch = channel("personal")) {
                assertThat(ch.read("name")).as("other domains are not affected").contains("personal");
            }
        } finally {
            for (SocketChannel c : open) {
                c.close();
            }
        }
    }

    /** A change to a freshly formatted pendrive, made through the sender's block device. */
    private interface Damage {
        void apply(PenChannel ch, ByteBuffer boot) throws IOException;
    }

    private static final class Geometry {
        final long reserved;
        final long fats;
        final long fatSectors;

        Geometry(ByteBuffer boot) {
            reserved = Short.toUnsignedInt(boot.getShort(14));
            fats = boot.get(16) & 0xFF;
            fatSectors = Integer.toUnsignedLong(boot.getInt(36));
        }

        long fat() {
            return reserved * 512;
        }

        long root() {
            return (reserved + fats * fatSectors) * 512;
        }
    }

    private static void put(PenChannel ch, long offset, byte[] bytes) throws IOException {
        ch.writeBlock(Device.XVDG, offset, bytes);
    }

    private static byte[] le(int value) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array();
    }

    /** A root directory entry: 8.3 name, attributes, first cluster, size. */
    private static byte[] entry(String name83, int attr, int cluster, int size) {
        ByteBuffer e = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        e.put(name83.getBytes(StandardCharsets.US_ASCII), 0, 11);
        e.put(11, (byte) attr);
        e.putShort(20, (short) (cluster >>> 16));
        e.putShort(26, (short) cluster);
        e.putInt(28, size);
        return e.array();
    }

    static Stream<Arguments> hostileImages() {
        Map<String, Damage> all = new LinkedHashMap<>();
        all.put("no boot signature", (ch, b) -> put(ch, 510, new byte[] {0, 0}));
        all.put("one-byte sectors", (ch, b) -> put(ch, 11, new byte[] {1, 0}));
        all.put("zero sectors per cluster", (ch, b) -> put(ch, 13, new byte[] {0}));
        all.put("no FAT", (ch, b) -> put(ch, 16, new byte[] {0}));
        all.put("root cluster out of range", (ch, b) -> put(ch, 44, le(0x0FFF_FFF0)));
        all.put("volume larger than the device", (ch, b) -> put(ch, 32, le(-1)));
        all.put("empty FAT", (ch, b) -> put(ch, 36, le(0)));
        all.put("reserved area filling the volume", (ch, b) -> put(ch, 14, new byte[] {(byte) 0xFF, (byte) 0xFF}));
        all.put("random first MiB", (ch, b) -> {
            byte[] junk = new byte[1 << 20];
            new Random(6).nextBytes(junk);
            put(ch, 0, junk);
        });
        all.put("full root directory chained to itself", (ch, b) -> {
            Geometry g = new Geometry(b);
            put(ch, g.fat() + 8, le(2));
            // Every slot of the root's only cluster in use, so that a reader must follow the chain.
            for (int slot = 1; slot < 16; slot++) {
                put(ch, g.root() + 32L * slot, entry(String.format("F%02d     TXT", slot), 0x20, 0, 0));
            }
        });
        all.put("file beyond the last cluster", (ch, b) ->
                put(ch, new Geometry(b).root() + 32, entry("EVIL    TXT", 0x20, 0x0FFF_FFF0, 100)));
        all.put("file in a free cluster", (ch, b) ->
                put(ch, new Geometry(b).root() + 32, entry("FREE    TXT", 0x20, 5, 4096)));
        all.put("dot-dot folder in the root", (ch, b) ->
                put(ch, new Geometry(b).root() + 32, entry("..         ", 0x10, 2, 0)));
        all.put("slash in a short name", (ch, b) ->
                put(ch, new Geometry(b).root() + 32, entry("A/B     TXT", 0x20, 0, 0)));
        all.put("folder that is the root again", (ch, b) -> {
            Geometry g = new Geometry(b);
            put(ch, g.root() + 32, entry("LOOP       ", 0x10, 2, 0));
        });
        all.put("random root directory", (ch, b) -> {
            byte[] junk = new byte[4096];
            new Random(7).nextBytes(junk);
            put(ch, new Geometry(b).root(), junk);
        });
        // A ".." in the root is skipped, as in any folder: it extracts nothing, but is no error either.
        return all.entrySet().stream().map(e -> Arguments.of(e.getKey(),
                e.getValue(), !e.getKey().startsWith("dot-dot")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileImages")
    void hostilePendriveIsRefusedByTheReceiverWithoutWritingAnything(String what, Damage damage, boolean refused)
            throws Exception {
        assertThat(penctl("work", "new").served()).isTrue();
        try (PenChannel ch = channel("work")) {
            ByteBuffer boot = ByteBuffer.wrap(ch.readBlock(Device.XVDG, 0, 512)).order(ByteOrder.LITTLE_ENDIAN);
            damage.apply(ch, boot);
        }
        assertThat(penctl("work", "send personal").served()).isTrue();
        Thread handler = incomingHandler("personal");
        try {
            String report = awaitKey("personal", IncomingPendrives.REPORT_KEY);
            if (refused) {
                assertThat(report).as(what).startsWith("1 failed: ");
            } else {
                assertThat(report).as(what).endsWith("(0 entries, 0 bytes)");
            }
            Path home = tmp.resolve("personal-home");
            try (Stream<Path> all = Files.walk(home)) {
                assertThat(all.filter(Files::isRegularFile)).as("nothing extracted from " + what).isEmpty();
            }
            assertThat(penctl("personal", "umount").served()).isTrue();
        } finally {
            handler.interrupt();
        }
    }

    private static Optional<Path> tool(String name) {
        for (String dir : new String[] {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return Optional.of(Path.of(dir, name));
            }
        }
        return Optional.empty();
    }

    private static String output(String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("MTOOLS_SKIP_CHECK", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
        return out;
    }

    @Test
    void aPendriveWrittenOverTheChannelIsARealVfatFileSystem() throws Exception {
        Optional<Path> fsck = tool("fsck.fat");
        Optional<Path> mdir = tool("mdir");
        Assumptions.assumeTrue(fsck.isPresent() && mdir.isPresent(), "dosfstools or mtools is not installed");
        Path src = Files.createDirectories(tmp.resolve("src/Reports 2026"));
        Files.writeString(src.resolve("quarterly summary.txt"), "numbers\n");
        Files.write(src.resolve("data.bin"), new byte[2 * ChannelCodec.MAX_BLOCK + 5]);
        StringWriter err = new StringWriter();
        assertThat(PendriveCopy.send(socket("work"), "personal", List.of(src.toString()), new PrintWriter(err, true)))
                .as(err.toString()).isZero();
        Path image = images.resolve("pendrive-1.img");
        assertThat(output(fsck.get().toString(), "-n", image.toString())).doesNotContainIgnoringCase("differ");
        assertThat(output(mdir.get().toString(), "-i", image.toString(), "-/", "::"))
                .contains("quarterly summary.txt").contains("data.bin").containsIgnoringCase("WORK");
    }
}
