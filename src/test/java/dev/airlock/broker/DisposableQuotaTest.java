package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The limits on how many disposables callers may have at once. */
class DisposableQuotaTest {

    @Test
    void aDomainCannotMakeUnlimitedDisposablesInALoop() throws Exception {
        DisposableQuota q = new DisposableQuota(3, 10);
        for (int i = 0; i < 3; i++) {
            q.reserve("work");
            q.hold("work", "disp" + i);
        }
        assertThatThrownBy(() -> q.reserve("work")).isInstanceOf(DisposableQuota.LimitReachedException.class)
                .hasMessageContaining("work has 3 disposables already")
                .hasMessageContaining(DisposableQuota.PER_CALLER_VARIABLE);
        q.reserve("personal");
        assertThat(q.of("personal")).as("another domain is not held back").isEqualTo(1);
        q.release("disp1");
        q.reserve("work");
        assertThat(q.of("work")).isEqualTo(3);
    }

    @Test
    void domainsTogetherCannotExceedTheHostsLimit() throws Exception {
        DisposableQuota q = new DisposableQuota(2, 3);
        q.reserve("a");
        q.reserve("a");
        q.reserve("b");
        assertThatThrownBy(() -> q.reserve("c")).isInstanceOf(DisposableQuota.LimitReachedException.class)
                .hasMessageContaining("3 disposables exist already")
                .hasMessageContaining(DisposableQuota.TOTAL_VARIABLE);
        q.cancel("b");
        q.reserve("c");
        assertThat(q.of("b")).isZero();
    }

    @Test
    void aPlaceIsFreedOnceEvenWhenItsDisposableIsDestroyedTwice() throws Exception {
        DisposableQuota q = new DisposableQuota(1, 1);
        q.reserve("work");
        q.hold("work", "disp7");
        q.release("disp7");
        q.release("disp7");
        q.release("disp8");
        assertThat(q.of("work")).isZero();
        q.reserve("other");
        assertThatThrownBy(() -> q.reserve("work")).isInstanceOf(DisposableQuota.LimitReachedException.class);
    }

    @Test
    void disposablesAskingForDisposablesCannotTakeMoreThanTheDomainAtTheRootOfTheirChain() throws Exception {
        // qubes.OpenInVM * @anyvm @dispvm allow: each disposable work gets asks for another, as Disposables.take does.
        DisposableQuota q = new DisposableQuota(DisposableQuota.DEFAULT_PER_CALLER, DisposableQuota.DEFAULT_TOTAL);
        String caller = "work";
        int made = 0;
        try {
            for (; made < DisposableQuota.DEFAULT_TOTAL; made++) {
                String account = q.reserve(caller);
                assertThat(account).isEqualTo("work");
                q.hold(account, "disp" + made);
                caller = "disp" + made;
            }
        } catch (DisposableQuota.LimitReachedException e) {
            assertThat(e).hasMessageContaining("disp7 was made for work, which has 8 disposables already");
        }
        assertThat(made).isEqualTo(DisposableQuota.DEFAULT_PER_CALLER);
        assertThat(q.of("work")).isEqualTo(DisposableQuota.DEFAULT_PER_CALLER);
        // The chain's first links are gone; what they made still counts against work, and so does what it makes.
        q.release("disp0");
        q.release("disp1");
        q.hold(q.reserve("disp7"), "disp100");
        assertThat(q.of("work")).isEqualTo(DisposableQuota.DEFAULT_PER_CALLER - 1);
        q.hold(q.reserve("disp100"), "disp101");
        assertThatThrownBy(() -> q.reserve("disp101")).isInstanceOf(DisposableQuota.LimitReachedException.class);
        assertThatThrownBy(() -> q.reserve("work")).isInstanceOf(DisposableQuota.LimitReachedException.class);

        // The victim's @dispvm call still finds room on the host.
        assertThat(q.reserve("personal")).isEqualTo("personal");
        assertThat(q.of("disp7")).isZero();
    }

    @Test
    void limitsComeFromTheEnvironmentAndNonsenseIsRefused() throws Exception {
        DisposableQuota q = DisposableQuota.fromEnvironment(Map.of(DisposableQuota.PER_CALLER_VARIABLE, "1"));
        q.reserve("work");
        assertThatThrownBy(() -> q.reserve("work")).isInstanceOf(DisposableQuota.LimitReachedException.class);
        DisposableQuota defaults = DisposableQuota.fromEnvironment(Map.of());
        for (int i = 0; i < DisposableQuota.DEFAULT_PER_CALLER; i++) {
            defaults.reserve("work");
        }
        assertThatThrownBy(() -> defaults.reserve("work")).isInstanceOf(DisposableQuota.LimitReachedException.class);
        assertThatThrownBy(() -> DisposableQuota.fromEnvironment(Map.of(DisposableQuota.TOTAL_VARIABLE, "lots")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(DisposableQuota.TOTAL_VARIABLE);
        assertThatThrownBy(() -> new DisposableQuota(0, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DisposableQuota(5, 4)).isInstanceOf(IllegalArgumentException.class);
    }
}
