package dev.airlock.pendrive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.pendrive.PendriveDaemon.Outcome;
import dev.airlock.pendrive.PendriveDaemon.Receiving;
import dev.airlock.pendrive.PendriveDaemon.Sending;
import dev.airlock.testing.Threat;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PendriveDaemonTest {
    private final RecordingHost host = new RecordingHost("work", "personal", "vault");
    private final ScriptedApproval approval = new ScriptedApproval();
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private final PendriveDaemon daemon = new PendriveDaemon(host, approval, log::add);

    @AfterEach
    void nothingLeaks() {
        assertThat(host.leaked()).as("images neither attached nor deleted").isEmpty();
    }

    private Outcome req(String domain, String value) throws InterruptedException {
        return daemon.handle(domain, value);
    }

    private static void served(Outcome o) {
        assertThat(o).isInstanceOf(Outcome.Served.class);
    }

    private void refusedForState(Outcome o) {
        assertThat(o).isInstanceOfSatisfying(Outcome.Refused.class,
                r -> assertThat(r.why()).contains("not served due to non-matching state"));
        assertThat(log).contains(((Outcome.Refused) o).why());
    }

    private static void refused(Outcome o, String why) {
        assertThat(o).isInstanceOfSatisfying(Outcome.Refused.class, r -> assertThat(r.why()).contains(why));
    }

    private void loaded(String dest) throws InterruptedException {
        served(req(dest.equals("vault") ? "work" : "vault", "new"));
        served(req(dest.equals("vault") ? "work" : "vault", "send " + dest));
    }

    @Test
    void newAttachesACleanVfatPendriveLabelledWithTheDomainAsXvdg() throws Exception {
        served(req("work", "new"));
        assertThat(host.events).containsExactly("create 1 work", "attach 1 work xvdg");
        assertThat(daemon.state("work").sending()).isEqualTo(Sending.HAS_CLEAN_PENDRIVE);
        assertThat(daemon.state("work").sendSeq()).isEqualTo(1);
        daemon.domainGone("work");
    }

    @Test
    void secondNewWhileHoldingAPendriveRefused() throws Exception {
        served(req("work", "new"));
        refusedForState(req("work", "new"));
        assertThat(host.created).hasSize(1);
        daemon.domainGone("work");
    }

    static Stream<Arguments> requestsWithoutTheStateTheyNeed() {
        return Stream.of(
                Arguments.of("sendWithoutAPendriveRefused", "send personal"),
                Arguments.of("umountWithoutAPendriveRefused", "umount"),
                Arguments.of("killmeFromNonDisposableRefused", "killme"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requestsWithoutTheStateTheyNeed")
    void requestWithoutTheStateItNeedsIsRefusedAndTouchesNothing(String threat, String request) throws Exception {
        Threat.named(threat, () -> {
            refusedForState(req("work", request));
            assertThat(approval.asked).isEmpty();
            assertThat(host.events).isEmpty();
        });
    }

    @Test
    void sendToUnknownOrStoppedDestinationRefusedWithoutAsking() throws Exception {
        served(req("work", "new"));
        refused(req("work", "send nosuchvm"), "does not exist or does not run");
        host.running.remove("personal");
        refused(req("work", "send personal"), "does not exist or does not run");
        assertThat(approval.asked).isEmpty();
        assertThat(daemon.state("work").sending()).isEqualTo(Sending.HAS_CLEAN_PENDRIVE);
        daemon.domainGone("work");
    }

    @Test
    void haltedReceiverGetsThePendriveOnlyWhenTheApprovalStartedIt() throws Exception {
        host.running.remove("personal");
        List<String> starts = new ArrayList<>();
        Approval starting = new Approval() {
            @Override
            public boolean authorizeTransfer(String source, String dest) {
                throw new AssertionError("a halted receiver must be asked about with its start");
            }

            @Override
            public boolean authorizeTransferStarting(String source, String dest) {
                starts.add(source + " " + dest);
                synchronized (host) {
                    host.running.add(dest);
                }
                return true;
            }

            @Override
            public boolean waitForRelease(String source, String dest) {
                return true;
            }
        };
        PendriveDaemon d = new PendriveDaemon(host, starting, log::add);
        served(d.handle("work", "new"));
        served(d.handle("work", "send personal"));
        assertThat(starts).containsExactly("work personal");
        assertThat(d.state("personal").receiving()).isEqualTo(Receiving.HAS_LOADED_PENDRIVE);
        d.domainGone("work");
        d.domainGone("personal");
    }

    @Test
    void haltedReceiverThatWasNotStartedGetsNothing() throws Exception {
        host.running.remove("personal");
        served(req("work", "new"));
        // ScriptedApproval cannot start domains: the default answer is no, and nothing is attached.
        refused(req("work", "send personal"), "did not allow starting it");
        assertThat(host.events).containsExactly("create 1 work", "attach 1 work xvdg");
        assertThat(daemon.state("work").sending()).isEqualTo(Sending.HAS_CLEAN_PENDRIVE);
        daemon.domainGone("work");
    }

    @Test
    void sendToItselfRefused() throws Exception {
        served(req("work", "new"));
        refused(req("work", "send work"), "cannot send to itself");
        daemon.domainGone("work");
    }

    @Test
    void authorizedSendRecordsTheSourceThenRevokesTheSenderThenAttaches() throws Exception {
        served(req("work", "new"));
        served(req("work", "send personal"));
        assertThat(approval.asked).containsExactly("authorize work personal");
        assertThat(host.events).containsExactly("create 1 work", "attach 1 work xvdg",
                "record personal blocksrc=work seq=0", "detach 1 work xvdg", "attach 1 personal xvdh");
        assertThat(daemon.state("work").sending()).isEqualTo(Sending.IDLE);
        assertThat(daemon.state("personal").receiving()).isEqualTo(Receiving.HAS_LOADED_PENDRIVE);
        assertThat(daemon.state("personal").rcvSeq()).isEqualTo(1);
        served(req("personal", "umount"));
    }

    @Test
    void sendersAccessRevokedBeforeReceiverGetsIt() throws Exception {
        served(req("work", "new"));
        served(req("work", "send personal"));
        assertThat(host.indexOf("detach 1 work xvdg")).isLessThan(host.indexOf("attach 1 personal xvdh"));
        assertThat(host.attached.get(1L)).isEqualTo(new RecordingHost.Place("personal", Device.XVDH));
        served(req("personal", "umount"));
    }

    @Test
    void ordinarySendCannotForgeATransactionSeq() throws Exception {
        served(req("work", "new"));
        served(req("work", "send personal 7"));
        assertThat(host.events).contains("record personal blocksrc=work seq=0");
        served(req("personal", "umount"));
    }

    @Test
    void unauthorizedSendLeavesThePendriveWithTheSender() throws Exception {
        served(req("work", "new"));
        approval.authorize = false;
        refused(req("work", "send personal"), "not authorized");
        assertThat(daemon.state("work").sending()).isEqualTo(Sending.HAS_CLEAN_PENDRIVE);
        assertThat(daemon.state("personal").receiving()).isEqualTo(Receiving.IDLE);
        assertThat(host.events).doesNotContain("detach 1 work xvdg");
        approval.authorize = true;
        served(req("work", "send personal"));
        served(req("personal", "umount"));
    }

    @Test
    void umountDetachesAndDeletesTheImage() throws Exception {
        loaded("personal");
        served(req("personal", "umount"));
        assertThat(host.events).endsWith("detach 1 personal xvdh", "delete 1");
        assertThat(daemon.state("personal").receiving()).isEqualTo(Receiving.IDLE);
        assertThat(daemon.state("personal").rcvSeq()).isZero();
    }

    @Test
    void busyReceiverWaitAcceptedResumesOnUmount() throws Exception {
        loaded("personal");
        served(req("work", "new"));
        approval.asked.clear();
        Outcome o = req("work", "send personal");
        assertThat(o).isInstanceOfSatisfying(Outcome.Served.class,
                s -> assertThat(s.what()).contains("waits until personal releases"));
        assertThat(approval.asked).containsExactly("authorize work personal", "wait work personal");
        assertThat(daemon.state("personal").receiving()).isEqualTo(Receiving.WAITS_TO_UMOUNT);
        assertThat(daemon.state("personal").waitingSender()).isEqualTo("work");
        assertThat(daemon.state("work").waitsFor()).isEqualTo("personal");
        assertThat(host.attached.get(2L)).as("still the sender's while waiting")
                .isEqualTo(new RecordingHost.Place("work", Device.XVDG));

        served(req("personal", "umount"));
        assertThat(approval.asked).as("both answers were given before the wait").hasSize(2);
        assertThat(host.events).endsWith("detach 1 personal xvdh", "delete 1",
                "record personal blocksrc=work seq=0", "detach 2 work xvdg", "attach 2 personal xvdh");
        assertThat(daemon.state("personal").receiving()).isEqualTo(Receiving.HAS_LOADED_PENDRIVE);
        assertThat(daemon.state("personal").waitingSender()).isNull();
        assertThat(daemon.state("work").sending()).isEqualTo(Sending.IDLE);
        assertThat(daemon.state("work").waitsFor()).isNull();
        served(req("personal", "umount"));
    }

    @Test
    void busyReceiverWaitRefusedKeepsBothAsTheyWere() throws Exception {
        loaded("personal");
        served(req("work", "new"));
        approval.waitAnswer = false;
        refused(req("work", "send personal"), "chose not to wait");
        assertThat(daemon.state("personal").receiving()).isEqualTo(Receiving.HAS_LOADED_PENDRIVE);
        assertThat(daemon.state("work").sending()).isEqualTo(Sending.HAS_CLEAN_PENDRIVE);
        assertThat(daemon.state("work").waitsFor()).isNull();
        served(req("personal", "umount"));
        assertThat(daemon.state("personal").receiving()).isEqualTo(Receiving.IDLE);
        daemon.domainGone("work");
    }

    @Test
    void unauthorizedSendToBusyReceiverIsNotOfferedTheWait() throws Exception {
        loaded("personal");
        served(req("work", "new"));
        approval.asked.clear();
        approval.authorize = false;
        refused(req("work", "send personal"), "not authorized");
        assertThat(approval.asked).containsExactly("authorize work personal");
        served(req("personal", "umount"));
        daemon.domainGone("work");
    }

    @Test
    void receiverWithAWaitingSenderRefusesASecondSender() throws Exception {
        host.running.add("other");
        loaded("personal");
        served(req("work", "new"));
        served(req("work", "send personal"));
        served(req("other", "new"));
        approval.asked.clear();
        refusedForState(req("other", "send personal"));
        assertThat(approval.asked).isEmpty();
        served(req("personal", "umount"));
        served(req("personal", "umount"));
        daemon.domainGone("other");
    }

    @Test
    void waitingSenderCannotSendElsewhereOrAskForAnother() throws Exception {
        loaded("personal");
        served(req("work", "new"));
        served(req("work", "send personal"));
        refusedForState(req("work", "send vault"));
        refusedForState(req("work", "new"));
        served(req("personal", "umount"));
        served(req("personal", "umount"));
    }

    @Test
    void disposableTransactionRoundTripAsksNothingAndDestroysTheDisposable() throws Exception {
        served(req("work", "new"));
        served(req("work", "send disposable 5"));
        assertThat(host.events).containsSubsequence("create-disposable disp1", "record disp1 blocksrc=work seq=5",
                "detach 1 work xvdg", "attach 1 disp1 xvdh");
        assertThat(daemon.state("disp1").disposable()).isTrue();
        assertThat(daemon.state("disp1").allowedDest()).isEqualTo("work");
        assertThat(daemon.state("disp1").allowedSeq()).isEqualTo(5);
        served(req("disp1", "umount"));
        served(req("disp1", "new"));
        served(req("disp1", "send work 5"));
        assertThat(approval.asked).isEmpty();
        assertThat(host.events).endsWith("record work blocksrc=disp1 seq=5", "detach 2 disp1 xvdg",
                "attach 2 work xvdh", "destroy-disposable disp1");
        assertThat(daemon.state("work").receiving()).isEqualTo(Receiving.HAS_LOADED_PENDRIVE);
        assertThat(daemon.state("disp1").disposable()).as("forgotten").isFalse();
        served(req("work", "umount"));
    }

    @Test
    void disposableCannotSendToAnotherDomainOrTransaction() throws Exception {
        served(req("work", "new"));
        served(req("work", "send disposable 5"));
        served(req("disp1", "umount"));
        served(req("disp1", "new"));
        refused(req("disp1", "send personal 5"), "transaction mismatch");
        refused(req("disp1", "send work 6"), "transaction mismatch");
        refused(req("disp1", "send work"), "transaction mismatch");
        refused(req("disp1", "send disposable 5"), "transaction mismatch");
        assertThat(approval.asked).isEmpty();
        assertThat(daemon.state("disp1").sending()).isEqualTo(Sending.HAS_CLEAN_PENDRIVE);
        served(req("disp1", "killme"));
        assertThat(host.disposables).isEmpty();
    }

    @Test
    void disposableAnswerToABusySourceWaitsWithoutAuthorization() throws Exception {
        served(req("work", "new"));
        served(req("work", "send disposable 1"));
        served(req("disp1", "umount"));
        served(req("disp1", "new"));
        loaded("work");
        approval.asked.clear();
        served(req("disp1", "send work 1"));
        assertThat(approval.asked).containsExactly("wait disp1 work");
        assertThat(host.disposables).contains("disp1");
        served(req("work", "umount"));
        assertThat(host.events).endsWith("detach 3 work xvdh", "delete 3", "record work blocksrc=disp1 seq=1",
                "detach 2 disp1 xvdg", "attach 2 work xvdh", "destroy-disposable disp1");
        served(req("work", "umount"));
    }

    @Test
    void killmeDestroysTheDisposableAndDeletesItsPendrives() throws Exception {
        served(req("work", "new"));
        served(req("work", "send disposable 2"));
        served(req("disp1", "killme"));
        assertThat(host.events).endsWith("detach 1 disp1 xvdh", "delete 1", "destroy-disposable disp1");
        refusedForState(req("disp1", "killme"));
    }

    @Test
    void disposableThatCannotBeCreatedLeavesThePendriveWithTheSender() throws Exception {
        served(req("work", "new"));
        host.failNext.add("createDisposable");
        refused(req("work", "send disposable 3"), "failed");
        assertThat(daemon.state("work").sending()).isEqualTo(Sending.HAS_CLEAN_PENDRIVE);
        daemon.domainGone("work");
    }

    @Test
    void failedAttachAtTransferDeletesTheImageAndDestroysTheNewDisposable() throws Exception {
        served(req("work", "new"));
        host.failNext.add("attach");
        refused(req("work", "send disposable 3"), "failed");
        assertThat(daemon.state("work").sending()).isEqualTo(Sending.IDLE);
        assertThat(host.events).endsWith("delete 1", "destroy-disposable disp1");
    }

    @Test
    void failedImageCreationLeavesTheSenderIdle() throws Exception {
        host.failNext.add("createImage");
        refused(req("work", "new"), "failed");
        assertThat(daemon.state("work").sending()).isEqualTo(Sending.IDLE);
        served(req("work", "new"));
        assertThat(daemon.state("work").sendSeq()).as("a failed new still used a number").isEqualTo(2);
        daemon.domainGone("work");
    }

    @Test
    void failedDetachAtSendKeepsThePendriveWithTheSenderAndGivesItToNobody() throws Exception {
        served(req("work", "new"));
        host.failNext.add("detach");
        refused(req("work", "send personal"), "failed");
        assertThat(daemon.state("work").sending()).isEqualTo(Sending.HAS_CLEAN_PENDRIVE);
        assertThat(daemon.state("personal").receiving()).isEqualTo(Receiving.IDLE);
        assertThat(host.attached.get(1L)).isEqualTo(new RecordingHost.Place("work", Device.XVDG));
        daemon.domainGone("work");
    }

    @Test
    void failedDeleteAtUmountIsLoggedAndTheReceiverIsFree() throws Exception {
        loaded("personal");
        host.failNext.add("deleteImage");
        served(req("personal", "umount"));
        assertThat(log).anyMatch(l -> l.contains("deleting pendrive 1 failed"));
        assertThat(daemon.state("personal").receiving()).isEqualTo(Receiving.IDLE);
        host.deleteImage(1);
    }

    @Test
    void disposableThatSurvivesDestructionStaysBoundToItsTransaction() throws Exception {
        served(req("work", "new"));
        served(req("work", "send disposable 4"));
        host.failNext.add("destroyDisposable");
        refused(req("disp1", "killme"), "destroying the disposable failed");
        assertThat(daemon.state("disp1").disposable()).isTrue();
        assertThat(daemon.state("disp1").allowedDest()).isEqualTo("work");
        served(req("disp1", "new"));
        refused(req("disp1", "send personal 4"), "transaction mismatch");
        served(req("disp1", "killme"));
        assertThat(host.disposables).isEmpty();
    }

    @Test
    void globalSequenceNumbersUniqueAndIncreasing() throws Exception {
        for (int round = 0; round < 5; round++) {
            for (String d : List.of("work", "personal", "vault")) {
                served(req(d, "new"));
            }
            served(req("work", "send personal"));
            served(req("personal", "umount"));
            daemon.domainGone("personal");
            daemon.domainGone("vault");
        }
        assertThat(host.created).hasSize(15).isSorted().doesNotHaveDuplicates();
        assertThat(daemon.lastSequence()).isEqualTo(15);
    }

    static Stream<Arguments> malformedRequests() {
        return Stream.of(
                Arguments.of("empty", ""),
                Arguments.of("blank", "   "),
                Arguments.of("a shell command", "rm -rf /"),
                Arguments.of("new with an argument", "new now"),
                Arguments.of("send without a destination", "send"),
                Arguments.of("send to a path", "send ../x"),
                Arguments.of("send with three words", "send a b c"),
                Arguments.of("send with a negative transaction", "send personal -1"),
                Arguments.of("send to a disposable without a transaction", "send disposable"),
                Arguments.of("send to a disposable with transaction 0", "send disposable 0"),
                Arguments.of("umount with an argument", "umount x"),
                Arguments.of("killme with an argument", "killme now"),
                Arguments.of("a trailing newline", "send personal\n"),
                Arguments.of("over 64 bytes", "x".repeat(65)));
    }

    @ParameterizedTest(name = "malformed request refused and logged: {0}")
    @MethodSource("malformedRequests")
    void malformedRequestRefusedAndLogged(String what, String bad) throws Exception {
        Threat.named("malformed request refused and logged: " + what, () -> {
            refused(req("work", bad), "malformed request refused");
            assertThat(log).hasSize(1).allMatch(l -> l.startsWith("work: malformed request refused"));
            assertThat(host.events).isEmpty();
        });
    }

    @Test
    void goneDomainLosesItsPendrivesAndFreesWhoeverWaitedForIt() throws Exception {
        loaded("personal");
        served(req("work", "new"));
        served(req("work", "send personal"));
        daemon.domainGone("personal");
        assertThat(daemon.state("work").waitsFor()).isNull();
        assertThat(daemon.state("work").sending()).isEqualTo(Sending.HAS_CLEAN_PENDRIVE);
        assertThat(host.deleted).contains(1L);
        daemon.domainGone("work");
        assertThat(host.deleted).contains(2L);
    }

    @Test
    void goneWaitingSenderLeavesTheReceiverLoaded() throws Exception {
        loaded("personal");
        served(req("work", "new"));
        served(req("work", "send personal"));
        daemon.domainGone("work");
        assertThat(daemon.state("personal").receiving()).isEqualTo(Receiving.HAS_LOADED_PENDRIVE);
        assertThat(daemon.state("personal").waitingSender()).isNull();
        served(req("personal", "umount"));
    }

    @Test
    void senderGoneWhileTheUserIsAskedGetsNothing() throws Exception {
        PendriveDaemon[] ref = new PendriveDaemon[1];
        Approval leaving = new Approval() {
            @Override
            public boolean authorizeTransfer(String source, String dest) {
                ref[0].domainGone(source);
                return true;
            }

            @Override
            public boolean waitForRelease(String source, String dest) {
                return true;
            }
        };
        ref[0] = new PendriveDaemon(host, leaving, log::add);
        served(ref[0].handle("work", "new"));
        refused(ref[0].handle("work", "send personal"), "went away while the user was asked");
        assertThat(host.events).doesNotContain("attach 1 personal xvdh");
    }

    @Test
    void receiverStoppedWhileTheUserIsAskedGetsNothing() throws Exception {
        Approval stopping = new Approval() {
            @Override
            public boolean authorizeTransfer(String source, String dest) {
                host.running.remove(dest);
                return true;
            }

            @Override
            public boolean waitForRelease(String source, String dest) {
                return true;
            }
        };
        PendriveDaemon d = new PendriveDaemon(host, stopping, log::add);
        served(d.handle("work", "new"));
        refused(d.handle("work", "send personal"), "stopped while the user was asked");
        assertThat(d.state("work").sending()).isEqualTo(Sending.HAS_CLEAN_PENDRIVE);
        d.domainGone("work");
    }

    @Test
    void pendriveCannotBePlantedInADisposableThatWentBackToThePoolWhileTheUserWasAsked() throws Exception {
        Approval pooling = new Approval() {
            @Override
            public boolean authorizeTransfer(String source, String dest) {
                synchronized (host) {
                    host.unbound.add(dest);
                }
                return true;
            }

            @Override
            public boolean waitForRelease(String source, String dest) {
                return true;
            }
        };
        PendriveDaemon d = new PendriveDaemon(host, pooling, log::add);
        served(d.handle("work", "new"));
        refused(d.handle("work", "send personal"), "waiting in the pool");
        assertThat(host.events).doesNotContain("attach 1 personal xvdh");
        d.domainGone("work");
    }

    @Test
    void requestsWhileAQuestionIsOpenAreRefusedAndOthersAreServed() throws Exception {
        CountDownLatch asking = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        Approval slow = new Approval() {
            @Override
            public boolean authorizeTransfer(String source, String dest) throws InterruptedException {
                asking.countDown();
                return answer.await(10, TimeUnit.SECONDS);
            }

            @Override
            public boolean waitForRelease(String source, String dest) {
                return true;
            }
        };
        PendriveDaemon d = new PendriveDaemon(host, slow, log::add);
        served(d.handle("work", "new"));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Outcome> send = pool.submit(() -> d.handle("work", "send personal"));
            assertThat(asking.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(d.state("work").asking()).isTrue();
            assertThat(d.handle("work", "send vault")).isInstanceOfSatisfying(Outcome.Refused.class,
                    r -> assertThat(r.why()).contains("non-matching state").contains("a question is open"));
            served(d.handle("vault", "new"));
            answer.countDown();
            served(send.get(10, TimeUnit.SECONDS));
        } finally {
            pool.shutdownNow();
        }
        assertThat(d.state("personal").receiving()).isEqualTo(Receiving.HAS_LOADED_PENDRIVE);
        served(d.handle("personal", "umount"));
        d.domainGone("vault");
    }

    @Test
    void concurrentRequestsFromManyDomainsLoseNoUpdate() throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            names.add("d" + i);
            host.running.add("d" + i);
        }
        approval.waitAnswer = false;
        ExecutorService pool = Executors.newFixedThreadPool(12);
        List<Future<int[]>> results = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            String me = names.get(i);
            String peer = names.get((i + 1) % names.size());
            results.add(pool.submit(() -> {
                int sent = 0;
                for (int round = 0; round < 40; round++) {
                    daemon.handle(me, "umount");
                    if (daemon.handle(me, "new") instanceof Outcome.Served
                            && daemon.handle(me, "send " + peer) instanceof Outcome.Served) {
                        sent++;
                    }
                }
                return new int[] {sent};
            }));
        }
        int sent = 0;
        for (Future<int[]> f : results) {
            sent += f.get(60, TimeUnit.SECONDS)[0];
        }
        pool.shutdown();
        assertThat(sent).isPositive();
        assertThat(host.created).doesNotHaveDuplicates().isSorted();
        assertThat(daemon.lastSequence()).isEqualTo(host.created.size());
        for (String n : names) {
            PendriveDaemon.DomainState s = daemon.state(n);
            assertThat(s.sending() == Sending.HAS_CLEAN_PENDRIVE)
                    .isEqualTo(host.attached.containsValue(new RecordingHost.Place(n, Device.XVDG)));
            assertThat(s.receiving() != Receiving.IDLE)
                    .isEqualTo(host.attached.containsValue(new RecordingHost.Place(n, Device.XVDH)));
            daemon.domainGone(n);
        }
        assertThat(host.attached).isEmpty();
    }
}
