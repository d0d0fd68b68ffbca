package dev.airlock.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.display.Desktop;
import dev.airlock.display.SessionBus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Delivery: never in the caller's way, never as root, nothing at all without a desktop bus. */
class NotifierTest {
    private static final SessionBus BUS = new SessionBus("unix:path=/run/user/1000/bus");
    private static final Desktop WITH_BUS = new Desktop(":0", Optional.empty(), 1000, 1000, Optional.of(BUS));

    private static Notice denied(String domain) {
        return Notice.denied(domain, "vault", "qubes.Filecopy", "", "refused by policy");
    }

    @Test
    void withoutABusNothingIsSentAndNothingFails() throws Exception {
        AtomicInteger sent = new AtomicInteger();
        CountDownLatch asked = new CountDownLatch(2);
        List<Optional<Desktop>> desktops = List.of(Optional.empty(),
                Optional.of(new Desktop(":0", Optional.empty(), 1000, 1000)));
        AtomicInteger which = new AtomicInteger();
        try (Notifier n = new Notifier(() -> {
            asked.countDown();
            return desktops.get(which.getAndIncrement() % 2);
        }, (d, bus, s, b) -> sent.incrementAndGet(), System::nanoTime)) {
            n.post(denied("work"));
            n.post(denied("work"));
            assertThat(asked.await(5, TimeUnit.SECONDS)).as("the worker looked for a desktop twice").isTrue();
        }
        assertThat(sent).hasValue(0);
    }

    @Test
    void hangingNotificationDaemonNeverHoldsUpACall() throws Exception {
        CountDownLatch hang = new CountDownLatch(1);
        try (Notifier n = new Notifier(() -> Optional.of(WITH_BUS), (d, bus, s, b) -> hang.await(),
                System::nanoTime)) {
            long start = System.nanoTime();
            for (int i = 0; i < 10_000; i++) {
                n.post(denied("d" + (i % 300)));
            }
            assertThat(System.nanoTime() - start).as("posting never waits for the daemon")
                    .isLessThan(TimeUnit.SECONDS.toNanos(2));
        }
    }

    @Test
    void failingDaemonIsReportedOnceAndNotifierGoesOn() throws Exception {
        List<String> summaries = new CopyOnWriteArrayList<>();
        CountDownLatch two = new CountDownLatch(2);
        try (Notifier n = new Notifier(() -> Optional.of(WITH_BUS), (d, bus, s, b) -> {
            summaries.add(s);
            two.countDown();
            throw new IOException("no daemon");
        }, System::nanoTime)) {
            n.post(denied("work"));
            n.post(denied("vault"));
            assertThat(two.await(5, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(summaries).containsExactly("Denied: qubes.Filecopy from work to vault",
                "Denied: qubes.Filecopy from vault to vault");
    }

    @Test
    void textReachesTheDaemonInertAndOnTheRecordedBus() throws Exception {
        List<String> got = new CopyOnWriteArrayList<>();
        CountDownLatch one = new CountDownLatch(1);
        try (Notifier n = new Notifier(() -> Optional.of(WITH_BUS), (d, bus, s, b) -> {
            got.addAll(List.of(bus.address(), s, b));
            one.countDown();
        }, System::nanoTime)) {
            n.post(Notice.denied("work", "vault", "my.Service", "<b>x</b>", "refused by policy: <i>no</i>"));
            assertThat(one.await(5, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(got).containsExactly(BUS.address(), "Denied: my.Service+&lt;b&gt;x&lt;/b&gt; from work to vault",
                "refused by policy: &lt;i&gt;no&lt;/i&gt;");
    }

    @Test
    void rootBrokerNotifiesAsTheDesktopUserWithNothingOfItsEnvironment() {
        NotifySend root = new NotifySend(0);
        assertThat(root.argv(WITH_BUS, "-s", "--help")).containsExactly("/usr/bin/setpriv", "--reuid=1000",
                "--regid=1000", "--clear-groups", "--", "/usr/bin/notify-send", "--app-name=airlock", "--", "-s",
                "--help");
        assertThat(new NotifySend(1000).argv(WITH_BUS, "s", "b")).first().isEqualTo("/usr/bin/notify-send");
        assertThat(NotifySend.environment(BUS)).isEqualTo(Map.of("PATH", "/usr/bin:/bin", "LANG", "C.UTF-8",
                "HOME", "/", "DBUS_SESSION_BUS_ADDRESS", BUS.address()));
    }

    @Test
    void busWithoutADaemonFailsFastInsteadOfHoldingTheWorker(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isExecutable(NotifySend.NOTIFY_SEND), "notify-send is not installed");
        int self = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        // As root the helper runs as an unprivileged user, as it would for a real desktop.
        int uid = self == 0 ? 65534 : self;
        Desktop desktop = new Desktop(":0", Optional.empty(), uid, uid);
        SessionBus nobodyListens = new SessionBus("unix:path=" + tmp.resolve("no-bus"));
        long start = System.nanoTime();
        assertThatThrownBy(() -> new NotifySend(self).send(desktop, nobodyListens, "s", "b"))
                .isInstanceOf(IOException.class).hasMessageContaining("notify-send exited with");
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.MILLISECONDS.toNanos(NotifySend.TIMEOUT_MILLIS));
    }
}
