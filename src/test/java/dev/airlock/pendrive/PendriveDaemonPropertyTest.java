package dev.airlock.pendrive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.pendrive.PendriveDaemon.DomainState;
import dev.airlock.pendrive.PendriveDaemon.Receiving;
import dev.airlock.pendrive.PendriveDaemon.Sending;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.constraints.Size;

/**
 * Random request sequences from several domains, with random answers, domains stopping and starting and
 * injected failures, never bring the daemon and the (checking) fake host into disagreement.
 */
class PendriveDaemonPropertyTest {
    private static final List<String> APPS = List.of("a", "b", "c");

    enum Kind { NEW, SEND, SEND_SEQ, SEND_DISPOSABLE, UMOUNT, KILLME, STOP, START, GARBAGE, FAIL }

    record Step(Kind kind, int who, int peer, int seq, boolean authorize, boolean waitAnswer, int failure) {
    }

    @Provide
    Arbitrary<Step> steps() {
        Arbitrary<Kind> kinds = Arbitraries.frequency(Tuple.of(4, Kind.NEW), Tuple.of(6, Kind.SEND),
                Tuple.of(2, Kind.SEND_SEQ), Tuple.of(2, Kind.SEND_DISPOSABLE), Tuple.of(4, Kind.UMOUNT),
                Tuple.of(1, Kind.KILLME), Tuple.of(1, Kind.STOP), Tuple.of(2, Kind.START), Tuple.of(1, Kind.GARBAGE),
                Tuple.of(1, Kind.FAIL));
        return Combinators.combine(kinds, Arbitraries.integers().between(0, 5),
                        Arbitraries.integers().between(0, 5), Arbitraries.integers().between(0, 3),
                        Arbitraries.of(true, true, false), Arbitraries.of(true, false),
                        Arbitraries.integers().between(0, 7))
                .as(Step::new);
    }

    /** Failures whose outcome is fully defined; a failed detach or delete is covered by the unit tests. */
    private static final String[] FAILURES = {"createImage", "attach", "recordTransaction", "createDisposable",
        "destroyDisposable", "attach", "createImage", "recordTransaction"};

    @Property(tries = 1000, edgeCases = EdgeCasesMode.NONE)
    void randomRequestSequencesKeepTheDaemonAndTheHostConsistent(
            @ForAll @Size(max = 80) List<@net.jqwik.api.From("steps") Step> steps) throws Exception {
        RecordingHost host = new RecordingHost(APPS.toArray(String[]::new));
        ScriptedApproval approval = new ScriptedApproval();
        PendriveDaemon daemon = new PendriveDaemon(host, approval, line -> { });
        TreeSet<String> everyone = new TreeSet<>(APPS);
        String failure = null;
        for (Step step : steps) {
            if (failure != null) {
                host.failNext.add(failure);
                failure = null;
            }
            List<String> live = new ArrayList<>(new TreeSet<>(host.running));
            everyone.addAll(host.disposables);
            String who = live.isEmpty() ? null : live.get(step.who() % live.size());
            List<String> candidates = new ArrayList<>(everyone);
            String peer = candidates.get(step.peer() % candidates.size());
            approval.authorize = step.authorize();
            approval.waitAnswer = step.waitAnswer();
            switch (step.kind()) {
                case NEW -> request(daemon, who, "new");
                case SEND -> request(daemon, who, "send " + peer);
                case SEND_SEQ -> request(daemon, who, "send " + peer + " " + step.seq());
                case SEND_DISPOSABLE -> request(daemon, who, "send disposable " + step.seq());
                case UMOUNT -> request(daemon, who, "umount");
                case KILLME -> request(daemon, who, "killme");
                case GARBAGE -> request(daemon, who, "send " + peer + " x");
                case STOP -> {
                    if (who != null) {
                        host.running.remove(who);
                        host.disposables.remove(who);
                        daemon.domainGone(who);
                    }
                }
                case START -> {
                    if (APPS.contains(peer)) {
                        host.running.add(peer);
                    }
                }
                case FAIL -> failure = FAILURES[step.failure()];
            }
            host.failNext.clear();
            checkInvariants(daemon, host, everyone);
        }
    }

    private static void request(PendriveDaemon daemon, String who, String value) throws InterruptedException {
        if (who != null) {
            daemon.handle(who, value);
        }
    }

    private static void checkInvariants(PendriveDaemon daemon, RecordingHost host, TreeSet<String> everyone) {
        for (String d : everyone) {
            DomainState s = daemon.state(d);
            Long out = imageAt(host, d, Device.XVDG);
            Long in = imageAt(host, d, Device.XVDH);
            assertThat(s.sending() == Sending.HAS_CLEAN_PENDRIVE).as("sending of " + d).isEqualTo(out != null);
            if (out != null) {
                assertThat(s.sendSeq()).isEqualTo(out);
            }
            assertThat(s.receiving() != Receiving.IDLE).as("receiving of " + d).isEqualTo(in != null);
            if (in != null) {
                assertThat(s.rcvSeq()).isEqualTo(in);
            }
            if (s.receiving() == Receiving.WAITS_TO_UMOUNT) {
                DomainState w = daemon.state(s.waitingSender());
                assertThat(w.waitsFor()).isEqualTo(d);
                assertThat(w.sending()).isEqualTo(Sending.HAS_CLEAN_PENDRIVE);
            } else {
                assertThat(s.waitingSender()).isNull();
            }
            if (s.waitsFor() != null) {
                assertThat(daemon.state(s.waitsFor()).waitingSender()).isEqualTo(d);
            }
            assertThat(s.asking()).isFalse();
            assertThat(s.disposable()).as("disposable " + d).isEqualTo(host.disposables.contains(d));
        }
        assertThat(host.leaked()).as("images neither attached nor deleted").isEmpty();
        assertThat(host.created).isSorted().doesNotHaveDuplicates();
    }

    private static Long imageAt(RecordingHost host, String domain, Device device) {
        return host.attached.entrySet().stream()
                .filter(e -> e.getValue().equals(new RecordingHost.Place(domain, device)))
                .map(java.util.Map.Entry::getKey).findFirst().orElse(null);
    }
}
