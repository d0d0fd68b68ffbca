package dev.airlock.keystore;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of the key store as two domains drive it (issue 17). An input is lines of
 * {@code OP ID PATH [VALUE]} (OP one of {@code W R D L A}: write, read, remove, list, watch; ID 1 or 2), run against
 * a store with small limits where the host planted keys in both subtrees and outside them. Only
 * {@link KeyStoreException} may escape; whatever a domain does, the host's keys keep their values, a domain's
 * successful operations and the events of its watches stay inside its own subtree, a value read back is one the
 * limits allow, and no subtree holds more keys than the limit.
 */
class KeyStoreFuzzTest {
    private static final Limits LIMITS = new Limits(64, 6, 32, 8, 3, 4);
    private static final List<String[]> PLANTED = List.of(
            new String[]{"/local/domain/1/owned", "host-owned"},
            new String[]{"/local/domain/2/secret", "do not leak"},
            new String[]{"/local/domain/10/other", "a neighbour by prefix"},
            new String[]{"/vm/uuid", "outside every subtree"});

    @FuzzTest(maxDuration = "10m")
    void operations(byte[] data) throws InterruptedException {
        KeyStore store = new KeyStore(LIMITS);
        for (String[] kv : PLANTED) {
            store.write(Principal.host(), kv[0], kv[1]);
        }
        List<Watch> watches = new ArrayList<>();
        String[] lines = new String(data, StandardCharsets.UTF_8).split("\n", 200);
        for (String line : lines) {
            String[] f = line.split(" ", 4);
            if (f.length < 3 || f[0].isEmpty() || !f[1].equals("1") && !f[1].equals("2")) {
                continue;
            }
            int id = f[1].charAt(0) - '0';
            Principal who = Principal.domain(id);
            String own = KeyStore.domainPath(id);
            String path = f[2];
            try {
                switch (f[0].charAt(0)) {
                    case 'W' -> store.write(who, path, f.length > 3 ? f[3] : "");
                    case 'R' -> store.read(who, path).ifPresent(v -> assertThat(
                            v.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(LIMITS.maxValueBytes()));
                    case 'D' -> store.remove(who, path);
                    case 'L' -> assertThat(store.list(who, path)).doesNotContainNull();
                    case 'A' -> watches.add(store.watch(who, path));
                    default -> {
                        continue;
                    }
                }
            } catch (KeyStoreException refused) {
                continue;
            }
            assertThat(path.equals(own) || path.startsWith(own + "/"))
                    .as("domain %d succeeded on %s", id, path).isTrue();
        }
        for (String[] kv : PLANTED) {
            assertThat(store.read(Principal.host(), kv[0])).as("host key %s", kv[0]).isEqualTo(Optional.of(kv[1]));
        }
        for (int id : new int[]{1, 2}) {
            assertThat(store.keyCount(id)).isLessThanOrEqualTo(LIMITS.maxKeysPerDomain());
        }
        for (Watch w : watches) {
            String own = "/local/domain/" + ((Principal.Domain) w.owner()).id();
            for (WatchEvent e = w.poll(Duration.ZERO); e != null; e = w.poll(Duration.ZERO)) {
                String p = switch (e) {
                    case WatchEvent.Written(KeyPath path, String value) -> path.text();
                    case WatchEvent.Removed(KeyPath path) -> path.text();
                    case WatchEvent.Overflow() -> own;
                };
                assertThat(p.equals(own) || p.startsWith(own + "/")).as("%s sees %s", w, p).isTrue();
            }
            w.close();
        }
    }
}
