package dev.airlock.pendrive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.keystore.KeyStore;
import dev.airlock.keystore.KeyStoreException;
import dev.airlock.keystore.Limits;
import dev.airlock.keystore.Principal;
import dev.airlock.pendrive.PendriveDaemon.Receiving;
import dev.airlock.pendrive.PendriveDaemon.Sending;
import dev.airlock.testing.Await;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KeyStoreFeedTest {
    private static final Principal WORK = Principal.domain(3);
    private static final Principal PERSONAL = Principal.domain(4);

    private final KeyStore store = new KeyStore(new Limits(256, 16, 256, 100, 8, 16));
    private final RecordingHost recording = new RecordingHost("work", "personal");
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private KeyStoreFeed feed;
    private PendriveDaemon daemon;

    /** The recording host, with the transaction keys written through the feed as a real host would. */
    private PendriveHost host() {
        return new PendriveHost() {
            @Override
            public boolean isRunning(String domain) {
                return recording.isRunning(domain);
            }

            @Override
            public boolean isUnbound(String domain) {
                return recording.isUnbound(domain);
            }

            @Override
            public void createImage(long image, String label) {
                recording.createImage(image, label);
            }

            @Override
            public void attach(long image, String domain, Device device) {
                recording.attach(image, domain, device);
            }

            @Override
            public void detach(long image, String domain, Device device) {
                recording.detach(image, domain, device);
            }

            @Override
            public void deleteImage(long image) {
                recording.deleteImage(image);
            }

            @Override
            public void recordTransaction(String dest, String source, int transactionSeq) {
                feed.recordTransaction(dest, source, transactionSeq);
                recording.recordTransaction(dest, source, transactionSeq);
            }

            @Override
            public String createDisposable(String forDomain) {
                return recording.createDisposable(forDomain);
            }

            @Override
            public void destroyDisposable(String name) {
                recording.destroyDisposable(name);
            }
        };
    }

    private void start(int id, String name) {
        store.write(Principal.host(), "/vm/" + id + "/name", name);
        store.write(Principal.host(), KeyStore.domainPath(id) + "/name", name);
    }

    private void open() {
        daemon = new PendriveDaemon(host(), new ScriptedApproval(), log::add);
        feed = new KeyStoreFeed(store, daemon, log::add);
    }

    @AfterEach
    void close() throws Exception {
        if (feed != null) {
            feed.close();
        }
    }

    @Test
    void requestsWrittenByADomainReachTheDaemonUnderTheHostsNameForIt() throws Exception {
        start(3, "work");
        start(4, "personal");
        open();
        store.write(WORK, "/local/domain/3/device/qpen", "new");
        Await.until("the feed catches up", () -> daemon.state("work").sending() == Sending.HAS_CLEAN_PENDRIVE);
        store.write(WORK, "/local/domain/3/device/qpen", "send personal");
        Await.until("the feed catches up", () -> daemon.state("personal").receiving() == Receiving.HAS_LOADED_PENDRIVE);
        assertThat(store.read(PERSONAL, "/local/domain/4/qubes_blocksrc")).contains("work");
        assertThat(store.read(PERSONAL, "/local/domain/4/qubes_transaction_seq")).contains("0");
        assertThat(feed.idOf("personal")).contains(4);
    }

    @Test
    void receiverCannotForgeTheSourceOfItsPendrive() throws Exception {
        start(3, "work");
        start(4, "personal");
        open();
        store.write(WORK, "/local/domain/3/device/qpen", "new");
        store.write(WORK, "/local/domain/3/device/qpen", "send personal");
        Await.until("the feed catches up", () -> daemon.state("personal").receiving() == Receiving.HAS_LOADED_PENDRIVE);
        assertThatThrownBy(() -> store.write(PERSONAL, "/local/domain/4/qubes_blocksrc", "vault"))
                .isInstanceOfSatisfying(KeyStoreException.class,
                        e -> assertThat(e.reason()).isEqualTo(KeyStoreException.Reason.PERMISSION));
    }

    @Test
    void domainCannotFakeAnotherDomainsArrival() {
        start(3, "work");
        assertThatThrownBy(() -> store.write(WORK, "/vm/5/name", "vault")).isInstanceOf(KeyStoreException.class);
        assertThatThrownBy(() -> store.write(WORK, "/local/domain/3/name", "personal"))
                .isInstanceOf(KeyStoreException.class);
    }

    @Test
    void requestWrittenBeforeTheFeedStartedIsServed() throws Exception {
        start(3, "work");
        store.write(WORK, "/local/domain/3/device/qpen", "new");
        open();
        Await.until("the feed catches up", () -> daemon.state("work").sending() == Sending.HAS_CLEAN_PENDRIVE);
    }

    @Test
    void domainThatAppearsLaterIsFollowed() throws Exception {
        open();
        start(3, "work");
        Await.until("the feed catches up", () -> feed.idOf("work").isPresent());
        store.write(WORK, "/local/domain/3/device/qpen", "new");
        Await.until("the feed catches up", () -> daemon.state("work").sending() == Sending.HAS_CLEAN_PENDRIVE);
    }

    @Test
    void stoppedDomainLosesItsPendrive() throws Exception {
        start(3, "work");
        open();
        store.write(WORK, "/local/domain/3/device/qpen", "new");
        Await.until("the feed catches up", () -> daemon.state("work").sending() == Sending.HAS_CLEAN_PENDRIVE);
        store.remove(Principal.host(), "/vm/3");
        store.forgetDomain(3);
        Await.until("the feed catches up", () -> recording.deleted.contains(1L));
        assertThat(feed.idOf("work")).isEmpty();
        assertThat(daemon.state("work").sending()).isEqualTo(Sending.IDLE);
    }

    @Test
    void floodingDomainCannotStarveOthers() throws Exception {
        start(3, "work");
        start(4, "personal");
        open();
        for (int i = 0; i < 20_000; i++) {
            store.write(WORK, "/local/domain/3/device/qpen", "umount");
        }
        store.write(PERSONAL, "/local/domain/4/device/qpen", "new");
        Await.until("the feed catches up", () -> daemon.state("personal").sending() == Sending.HAS_CLEAN_PENDRIVE);
    }
}
