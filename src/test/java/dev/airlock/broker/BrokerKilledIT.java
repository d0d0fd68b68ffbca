package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.broker.LiveDomains.Result;
import dev.airlock.qrexec.Wire;
import dev.airlock.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker as the user runs it ({@code airlock daemon}, a process of its own) is killed with SIGKILL while
 * {@code qvm-copy-to-vm} streams a large file from {@code work} to {@code personal}. Whether the copy survives
 * depends on whether the broker relays its bytes or has handed both agents one socket pair; either outcome is
 * accepted, and each is checked strictly: success means the whole file arrived byte for byte, failure means a clear
 * message and nothing of the file on the receiver. Either way nobody hangs, a new broker adopts both domains, and
 * copies between them work again. Every wait has a limit.
 */
class BrokerKilledIT {
    private static final long SIZE = 1L << 30;
    /** How much of the file the receiver must hold before the broker is killed: the stream is well under way. */
    private static final long IN_FLIGHT = 32L << 20;
    private static final String POLICY = "qubes.Filecopy * work personal allow\n";
    private static final Duration BROKER_ANSWERS = Duration.ofSeconds(30);
    /** The sender reports a receiver that went away within 10 s (design notes); the rest is slack for a busy host. */
    private static final Duration SENDER_ENDS = Duration.ofSeconds(40);
    private static final Duration UNPACKER_ENDS = Duration.ofSeconds(30);
    private static final String BROKER_GONE = "ERROR: the broker stopped answering, so the copy did not complete:"
            + " the receiver keeps only the files it had completed\n";

    @TempDir
    Path tmp;
    private LiveDomains live;
    private final List<Process> daemons = new ArrayList<>();
    private long workPid;
    private long personalPid;

    @AfterEach
    void stopEverything() throws InterruptedException {
        for (Process daemon : daemons) {
            daemon.destroy();
            if (!daemon.waitFor(30, TimeUnit.SECONDS)) {
                daemon.destroyForcibly();
            }
        }
        // A failed test may leave sandboxes without a broker: kill their init too, as the broker stops a domain.
        for (long pid : List.of(workPid, personalPid)) {
            if (pid != 0) {
                // Only a bubblewrap: the pid of a sandbox that ended may be another process's by now.
                ProcessHandle.of(pid).filter(p -> p.info().command().orElse("").endsWith("/bwrap")).ifPresent(p -> {
                    p.children().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                });
            }
        }
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void copyInFlightWhenTheBrokerIsKilledEndsCleanlyAndTheNextBrokerCopiesAgain() throws Exception {
        Process first = brokerWithDomains(POLICY);
        // Not zeros: the receiver turns zero chunks into holes, and its file must grow visibly while it arrives.
        assertThat(live.sh("work", "yes airlock | head -c " + SIZE + " > big").code()).isZero();
        Path sent = live.homeOf("work").resolve("big");
        Path received = live.homeOf("personal").resolve("QubesIncoming/work/big");
        Path rc = live.homeOf("work").resolve("copy.rc");
        startDetachedCopy("big");
        assertThat(Await.within(Duration.ofSeconds(60), () -> openIncomingFiles(personalPid).stream()
                .anyMatch(s -> s >= IN_FLIGHT))).as("the receiver is writing the file").isTrue();
        assertThat(rc).as("the copy is still in flight").doesNotExist();
        List<Long> arrived = openIncomingFiles(personalPid);

        long killed = System.nanoTime();
        first.destroyForcibly();
        assertThat(first.waitFor(10, TimeUnit.SECONDS)).as("the broker died").isTrue();
        assertThat(first.exitValue()).isEqualTo(128 + 9);
        assertThat(ProcessHandle.of(workPid).filter(ProcessHandle::isAlive)).as("work outlives the broker").isPresent();
        assertThat(ProcessHandle.of(personalPid).filter(ProcessHandle::isAlive)).isPresent();

        Ended sender = awaitDetachedCopy();
        long senderEnded = System.nanoTime() - killed;
        assertThat(Await.within(UNPACKER_ENDS, () -> openIncomingFiles(personalPid).isEmpty()))
                .as("the receiver's unpacker let go of the incoming folder").isTrue();
        long receiverEnded = System.nanoTime() - killed;
        int code = sender.code();
        String message = sender.err();
        System.out.printf("BrokerKilledIT: broker killed with %s of %d bytes at the receiver; sender ended after"
                + " %d ms with %d (%s), receiver let go after %d ms%n", arrived, SIZE, senderEnded / 1_000_000, code,
                message.strip(), receiverEnded / 1_000_000);
        assertThat(message).doesNotContain("Exception", "\tat ");
        for (String domain : List.of("work", "personal")) {
            assertThat(live.home().run().resolve("domains").resolve(domain).resolve("console.log"))
                    .as("what the agent of %s said", domain).content().doesNotContain("Exception", "\tat ");
        }
        boolean survived = code == 0;
        if (survived) {
            assertThat(Files.mismatch(sent, received)).as("the file arrived whole").isEqualTo(-1L);
            assertThat(everythingUnder(live.homeOf("personal").resolve("QubesIncoming"))).containsExactly(received);
        } else {
            assertThat(code).isEqualTo(Wire.EXIT_MACHINERY);
            assertThat(message).isEqualTo(BROKER_GONE);
            assertThat(everythingUnder(live.homeOf("personal").resolve("QubesIncoming")))
                    .as("nothing of the file, not even a hidden temporary file").isEmpty();
        }

        Process second = daemon();
        assertThat(live.awaitRunning(List.of("personal", "work"), Duration.ofSeconds(30)))
                .as("both agents reconnected").containsExactly("personal", "work");
        assertThat(live.sandboxPid("work")).as("the same sandbox, adopted").isEqualTo(workPid);
        assertThat(live.sandboxPid("personal")).isEqualTo(personalPid);

        // The same name again: a stuck unpacker would hang this; a file already there is refused cleanly.
        Result again = within(Duration.ofMinutes(2), "qvm-copy-to-vm personal big");
        if (survived) {
            assertThat(again.code()).isNotZero();
            assertThat(again.err()).startsWith("ERROR: ").contains("exists").doesNotContain("Exception", "\tat ");
        } else {
            assertThat(again.code()).as(again.err()).isZero();
        }
        assertThat(Files.mismatch(sent, received)).isEqualTo(-1L);
        Result small = within(Duration.ofMinutes(1), "echo after > small && qvm-copy-to-vm personal small");
        assertThat(small.code()).as(small.err()).isZero();
        assertThat(Files.readString(live.homeOf("personal").resolve("QubesIncoming/work/small"))).isEqualTo("after\n");

        // SIGTERM is a clean stop: the shutdown hook stops the domains, as airlock down does.
        second.destroy();
        assertThat(second.waitFor(30, TimeUnit.SECONDS)).as("the broker stopped on SIGTERM").isTrue();
        assertThat(second.exitValue()).isEqualTo(128 + 15);
        assertDomainsStopped();
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void callsWaitingOnTheBrokerFailCleanlyWhenItIsKilledAndDownStopsAdoptedDomains() throws Exception {
        Process first = brokerWithDomains("qubes.Filecopy * work personal ask\n");
        assertThat(live.sh("work", "echo asked > a.txt").code()).isZero();
        startDetachedCopy("a.txt");
        Path hostLog = tmp.resolve("host-copy.log");
        Process hostCopy = live.airlock("copy", "work:a.txt", "personal").redirectErrorStream(true)
                .redirectOutput(hostLog.toFile()).start();
        Path runLog = tmp.resolve("host-run.log");
        Process hostRun = live.airlock("run", "work", "--", "sleep", "600").redirectErrorStream(true)
                .redirectOutput(runLog.toFile()).start();
        assertThat(Await.within(Duration.ofSeconds(30), () -> pendingCalls() == 2)).as("both copies wait for an answer")
                .isTrue();
        assertThat(Await.within(Duration.ofSeconds(30), () -> ProcessHandle.of(workPid).stream()
                .flatMap(ProcessHandle::descendants).anyMatch(p -> p.info().command().orElse("").endsWith("/sleep"))))
                .as("the command of airlock run runs").isTrue();

        first.destroyForcibly();
        assertThat(first.waitFor(10, TimeUnit.SECONDS)).as("the broker died").isTrue();
        Ended inDomain = awaitDetachedCopy();
        assertThat(inDomain.code()).as(inDomain.err()).isEqualTo(Wire.EXIT_MACHINERY);
        assertThat(inDomain.err()).isEqualTo(BROKER_GONE);
        assertThat(hostCopy.waitFor(SENDER_ENDS.toSeconds(), TimeUnit.SECONDS)).as("airlock copy ended").isTrue();
        String host = Files.readString(hostLog);
        assertThat(hostCopy.exitValue()).as(host).isEqualTo(Wire.EXIT_MACHINERY);
        assertThat(host).contains("ERROR: the broker stopped answering").doesNotContain("Exception", "\tat ");
        assertThat(everythingUnder(live.homeOf("personal").resolve("QubesIncoming"))).isEmpty();
        assertThat(hostRun.waitFor(SENDER_ENDS.toSeconds(), TimeUnit.SECONDS)).as("airlock run ended").isTrue();
        assertThat(hostRun.exitValue()).as(Files.readString(runLog)).isEqualTo(Wire.EXIT_MACHINERY);
        assertThat(runLog).content().isEqualTo("ERROR: the broker stopped answering before the command ended; it may"
                + " still be running in work\n");

        // airlock down stops the domains a broker adopted, as its help says.
        Process second = daemon();
        assertThat(live.awaitRunning(List.of("personal", "work"), Duration.ofSeconds(30)))
                .containsExactly("personal", "work");
        Process down = live.airlock("down").redirectErrorStream(true).start();
        assertThat(down.waitFor(30, TimeUnit.SECONDS)).as("down ended").isTrue();
        assertThat(down.exitValue()).as(new String(down.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .isZero();
        assertThat(second.waitFor(30, TimeUnit.SECONDS)).as("the broker stopped").isTrue();
        assertThat(second.exitValue()).isZero();
        assertDomainsStopped();
    }

    /** Registers work and personal under {@code policy}, starts {@code airlock daemon} and then both domains. */
    private Process brokerWithDomains(String policy) throws IOException, InterruptedException {
        live = LiveDomains.create(tmp, policy, "work", "personal");
        Process daemon = daemon();
        live.start("work", "personal");
        workPid = live.sandboxPid("work");
        personalPid = live.sandboxPid("personal");
        return daemon;
    }

    /** Both sandboxes are gone, and so are their pid files: no later broker would adopt anything. */
    private void assertDomainsStopped() {
        assertThat(ProcessHandle.of(workPid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(ProcessHandle.of(personalPid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(live.home().run().resolve("domains/work/pid")).doesNotExist();
        assertThat(live.home().run().resolve("domains/personal/pid")).doesNotExist();
    }

    /** What the detached copy in work ended with: its exit code and its standard error. */
    private record Ended(int code, String err) {
    }

    /**
     * Starts {@code qvm-copy-to-vm personal FILE} in work, detached, so that it outlives the {@code airlock run}
     * (and the broker) that started it; its exit code and messages land in files in work's home.
     */
    private void startDetachedCopy(String file) throws IOException {
        assertThat(live.sh("work", "(qvm-copy-to-vm personal " + file + " >copy.out 2>copy.err; echo $? >copy.rc.part;"
                + " mv copy.rc.part copy.rc) </dev/null >/dev/null 2>&1 &").code()).isZero();
    }

    /** Waits for the detached copy to end, failing the test when it does not end within the limit. */
    private Ended awaitDetachedCopy() throws IOException, InterruptedException {
        Path rc = live.homeOf("work").resolve("copy.rc");
        assertThat(Await.within(SENDER_ENDS, () -> Files.exists(rc))).as("the sender ended").isTrue();
        return new Ended(Integer.parseInt(Files.readString(rc).strip()),
                Files.readString(live.homeOf("work").resolve("copy.err")));
    }

    private int pendingCalls() {
        try {
            return new AdminClient(live.home()).call(AdminClient.request("pending")).path("calls").size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code airlock daemon} as a child process, once it answers. */
    private Process daemon() throws IOException, InterruptedException {
        return live.daemon(tmp.resolve("daemon-" + daemons.size() + ".log"), BROKER_ANSWERS, daemons::add);
    }

    /** {@code sh -c SCRIPT} in work, failing the test when it does not end within {@code limit}. */
    private Result within(Duration limit, String script) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return live.sh("work", script);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).get(limit.toSeconds(), TimeUnit.SECONDS);
    }

    /**
     * The sizes of the files under a {@code QubesIncoming} folder that processes of the sandbox hold open: the file
     * the unpacker writes (a nameless {@code O_TMPFILE} until it is complete), seen through {@code /proc}.
     */
    private static List<Long> openIncomingFiles(long sandboxPid) {
        List<ProcessHandle> processes = ProcessHandle.of(sandboxPid).map(p -> p.descendants().toList())
                .orElse(List.of());
        List<Long> sizes = new ArrayList<>();
        for (ProcessHandle p : processes) {
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/" + p.pid() + "/fd"))) {
                for (Path fd : fds) {
                    if (Files.readSymbolicLink(fd).toString().contains("/QubesIncoming/")
                            && Files.isRegularFile(fd)) {
                        sizes.add(Files.size(fd));
                    }
                }
            } catch (IOException e) {
                // The process or the descriptor went away while looked at: it holds nothing now.
            }
        }
        return sizes;
    }

    /**
     * Every file and link below {@code root}; none when it does not exist. Folders do not count: the unpacker makes
     * its destination folder before the first byte arrives.
     */
    private static List<Path> everythingUnder(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(p -> !p.equals(root)).filter(p -> !Files.isDirectory(p)).toList();
        }
    }
}
