package dev.airlock.door;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.qrexec.FrameReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DoorTest {
    @TempDir
    Path tmp;

    private Door door;

    @AfterEach
    void close() {
        if (door != null) {
            door.close();
        }
    }

    /** A handler that echoes its argv and stdin, or waits to be interrupted when argv is "wait". */
    private static final class Echo implements Door.Handler {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch interrupted = new CountDownLatch(1);
        volatile int runs;

        @Override
        public boolean serves(DoorRequest request, int ownerUid) {
            return !request.argv().contains("elsewhere");
        }

        @Override
        public int run(DoorRequest request, Door.Call call) {
            runs++;
            started.countDown();
            try {
                if (request.argv().contains("wait")) {
                    Thread.sleep(60_000);
                }
                call.stdout().write(String.join(" ", request.argv()).getBytes(StandardCharsets.UTF_8));
                if (!request.argv().contains("noinput")) {
                    call.stderr().write(call.stdin().readAllBytes());
                }
                return 3;
            } catch (InterruptedException e) {
                interrupted.countDown();
                return 130;
            } catch (IOException e) {
                return 1;
            }
        }
    }

    private record Answer(List<Byte> types, String out, String err, int code) {
    }

    private static Answer readAnswer(InputStream down) throws IOException {
        FrameReader r = new FrameReader(Channels.newChannel(down), DoorWire.fromServer(), DoorWire.order());
        List<Byte> types = new ArrayList<>();
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        int code = -1;
        for (Optional<FrameReader.Frame> f; (f = r.read()).isPresent(); ) {
            byte t = f.get().header().get(0);
            types.add(t);
            ByteBuffer b = f.get().body();
            String text = new String(b.array(), 0, b.remaining(), StandardCharsets.UTF_8);
            if (t == DoorWire.STDOUT) {
                out.append(text);
            } else if (t == DoorWire.STDERR) {
                err.append(text);
            } else if (t == DoorWire.EXIT) {
                code = b.getInt();
                break;
            } else if (t == DoorWire.NOT_SERVED) {
                break;
            }
        }
        return new Answer(types, out.toString(), err.toString(), code);
    }

    private static void request(OutputStream up, List<String> argv) throws IOException {
        byte[] body = new DoorRequest(argv, "/", Map.of(), 0, 0).encode();
        DoorWire.write(up, DoorWire.REQUEST, body, 0, body.length);
    }

    @Test
    void aClaimedSlotCarriesTheRequestItsInputAndTheAnswer() throws Exception {
        door = Door.open(tmp.resolve("door"), new Echo());
        Slot slot = Slot.claim(tmp.resolve("door").toFile()).orElseThrow();
        try (InputStream down = slot.openDown(); OutputStream up = slot.openUp()) {
            request(up, List.of("ls", "-l"));
            DoorWire.write(up, DoorWire.STDIN, "input".getBytes(StandardCharsets.UTF_8), 0, 5);
            DoorWire.write(up, DoorWire.STDIN_END, new byte[0], 0, 0);
            Answer a = readAnswer(down);
            assertThat(a.types().getFirst()).isEqualTo(DoorWire.TAKEN);
            assertThat(a.out()).isEqualTo("ls -l");
            assertThat(a.err()).isEqualTo("input");
            assertThat(a.code()).isEqualTo(3);
        }
    }

    @Test
    void theClientIsAskedForItsInputOnlyWhenTheCommandReadsIt() throws Exception {
        door = Door.open(tmp.resolve("door"), new Echo());
        File folder = tmp.resolve("door").toFile();
        Slot quiet = Slot.claim(folder).orElseThrow();
        try (InputStream down = quiet.openDown(); OutputStream up = quiet.openUp()) {
            request(up, List.of("noinput"));
            assertThat(readAnswer(down).types()).containsExactly(DoorWire.TAKEN, DoorWire.STDOUT, DoorWire.EXIT);
        }
        Slot reading = Slot.claim(folder).orElseThrow();
        try (InputStream down = reading.openDown(); OutputStream up = reading.openUp()) {
            request(up, List.of("cat"));
            DoorWire.write(up, DoorWire.STDIN_END, new byte[0], 0, 0);
            assertThat(readAnswer(down).types()).contains(DoorWire.STDIN_WANTED);
        }
    }

    @Test
    void aCommandTheServerDoesNotServeIsAnsweredSoWithoutRunning() throws Exception {
        Echo echo = new Echo();
        door = Door.open(tmp.resolve("door"), echo);
        Slot slot = Slot.claim(tmp.resolve("door").toFile()).orElseThrow();
        try (InputStream down = slot.openDown(); OutputStream up = slot.openUp()) {
            request(up, List.of("elsewhere"));
            assertThat(readAnswer(down).types()).containsExactly(DoorWire.TAKEN, DoorWire.NOT_SERVED);
        }
        assertThat(echo.runs).isZero();
    }

    @Test
    void aSecondClientCannotClaimATakenSlot() throws Exception {
        door = Door.open(tmp.resolve("door"), new Echo());
        File folder = tmp.resolve("door").toFile();
        Set<String> numbers = new HashSet<>();
        for (int i = 0; i < Door.FREE_SLOTS; i++) {
            numbers.add(Slot.claim(folder).orElseThrow().number());
        }
        assertThat(numbers).hasSize(Door.FREE_SLOTS);
        assertThat(Slot.claim(folder)).as("every slot is taken: nothing is shared").isEmpty();
    }

    @Test
    void aSymlinkSwappedInForASlotPipeCannotMakeTheServerOpenAnotherFile() throws Exception {
        Path victim = Files.writeString(tmp.resolve("victim"), "precious");
        door = Door.open(tmp.resolve("door"), new Echo());
        Slot slot = Slot.claim(tmp.resolve("door").toFile()).orElseThrow();
        Path taken = tmp.resolve("door").resolve(Slot.TAKEN + slot.number());
        try (InputStream down = slot.openDown(); OutputStream up = slot.openUp()) {
            for (String name : List.of(Slot.UP, Slot.DOWN)) {
                Files.delete(taken.resolve(name));
                Files.createSymbolicLink(taken.resolve(name), victim);
            }
            request(up, List.of("hello"));
            DoorWire.write(up, DoorWire.STDIN_END, new byte[0], 0, 0);
            Answer a = readAnswer(down);
            assertThat(a.out()).as("the server answered on the pipe it made, not the name").isEqualTo("hello");
        }
        assertThat(Files.readString(victim)).isEqualTo("precious");
        assertThat(Files.isRegularFile(victim, java.nio.file.LinkOption.NOFOLLOW_LINKS)).isTrue();
    }

    @Test
    void aClientKilledMidRequestCancelsTheCommandAndFreesTheServerThread() throws Exception {
        Echo echo = new Echo();
        door = Door.open(tmp.resolve("door"), echo);
        Slot slot = Slot.claim(tmp.resolve("door").toFile()).orElseThrow();
        InputStream down = slot.openDown();
        OutputStream up = slot.openUp();
        request(up, List.of("wait"));
        assertThat(echo.started.await(10, TimeUnit.SECONDS)).isTrue();
        up.close();
        down.close();
        assertThat(echo.interrupted.await(10, TimeUnit.SECONDS)).as("the command was interrupted").isTrue();
        Path taken = tmp.resolve("door").resolve(Slot.TAKEN + slot.number());
        for (int i = 0; i < 100 && Files.exists(taken); i++) {
            Thread.sleep(50);
        }
        assertThat(taken).as("the slot was removed after its command ended").doesNotExist();
    }

    @Test
    void anOversizedRequestFrameIsRefusedWithoutRunningAnything() throws Exception {
        Echo echo = new Echo();
        door = Door.open(tmp.resolve("door"), echo);
        Slot slot = Slot.claim(tmp.resolve("door").toFile()).orElseThrow();
        try (InputStream down = slot.openDown(); OutputStream up = slot.openUp()) {
            up.write(new byte[] {DoorWire.REQUEST, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff});
            up.flush();
            assertThat(readAnswer(down).types()).as("taken, then the end: no answer, no exit code")
                    .containsExactly(DoorWire.TAKEN);
        }
        assertThat(echo.runs).isZero();
    }

    @Test
    void aStaleDoorOfADeadServerIsNotUsed() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        Path folder = Files.createDirectories(tmp.resolve("door"));
        Files.createDirectory(folder.resolve(Slot.FREE + "0"));
        Files.writeString(folder.resolve(Slot.SERVER_FILE), p.pid() + " 12345\n");
        assertThat(Slot.claim(folder.toFile())).isEmpty();
        assertThat(folder.resolve(Slot.FREE + "0")).as("a dead server's slot is left alone").exists();
        long self = ProcessHandle.current().pid();
        Files.writeString(folder.resolve(Slot.SERVER_FILE), self + " 1\n");
        assertThat(Slot.claim(folder.toFile())).as("a live pid that another process had before").isEmpty();
    }

    @Test
    void aDoorOpenToOtherUsersIsRefused() throws IOException {
        Path folder = Files.createDirectory(tmp.resolve("door"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxrwxrwx"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Door.open(folder, new Echo()))
                .hasMessageContaining("open to other users");
    }

    @Test
    void closingTheDoorRemovesItsSlotsAndServerFile() throws IOException {
        door = Door.open(tmp.resolve("door"), new Echo());
        door.close();
        door = null;
        try (var names = Files.list(tmp.resolve("door"))) {
            assertThat(names).isEmpty();
        }
    }
}
