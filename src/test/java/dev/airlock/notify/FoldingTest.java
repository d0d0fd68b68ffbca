package dev.airlock.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rate limit of notices: a domain that is refused thousands of times a minute shows a count, not a flood. */
class FoldingTest {
    private static final long SECOND = 1_000_000_000L;
    private final Folding folding = new Folding();

    private static Notice denied(String domain) {
        return Notice.denied(domain, "vault", "qubes.Filecopy", "", "refused by policy");
    }

    @Test
    void domainMakingThousandsOfDeniedCallsCannotFloodTheDesktop() {
        List<Notice> shown = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            folding.offer(denied("work"), i * 1_000_000L).ifPresent(shown::add);
        }
        assertThat(shown).hasSize(Folding.BURST);
        assertThat(folding.due(Folding.WINDOW_NANOS - 1)).isEmpty();
        assertThat(folding.due(Folding.WINDOW_NANOS)).singleElement().satisfies(n -> {
            assertThat(n.summary()).isEqualTo("work: " + (1000 - Folding.BURST) + " more calls denied");
            assertThat(n.kind()).isEqualTo(Notice.Kind.DENIED);
        });
    }

    @Test
    void floodThatGoesOnShowsOnlyOneCountPerWindow() {
        long t = 0;
        for (int i = 0; i < 10; i++) {
            folding.offer(denied("work"), t);
        }
        t += Folding.WINDOW_NANOS;
        assertThat(folding.due(t)).hasSize(1);
        for (int i = 0; i < 50; i++) {
            assertThat(folding.offer(denied("work"), t + i)).as("the flood goes on: counted, not shown").isEmpty();
        }
        t += Folding.WINDOW_NANOS;
        assertThat(folding.due(t)).singleElement()
                .satisfies(n -> assertThat(n.summary()).isEqualTo("work: 50 more calls denied"));
        t += Folding.WINDOW_NANOS;
        assertThat(folding.due(t)).as("the flood stopped: nothing more to say").isEmpty();
        assertThat(folding.untilNext(t)).isEqualTo(-1);
        assertThat(folding.offer(denied("work"), t + SECOND)).as("quiet again: shown").isPresent();
    }

    @Test
    void floodingDomainCannotSilenceAnotherDomainsNotices() {
        for (int i = 0; i < 100; i++) {
            folding.offer(denied("flood"), i);
        }
        assertThat(folding.offer(denied("work"), 200)).isPresent();
        assertThat(folding.offer(Notice.copyEnded("flood", "vault", true, ""), 201))
                .as("another kind from the same domain").isPresent();
    }

    @Test
    void windowEndsAreWhenTheWorkerWakes() {
        assertThat(folding.untilNext(0)).isEqualTo(-1);
        folding.offer(denied("work"), 5 * SECOND);
        assertThat(folding.untilNext(6 * SECOND)).isEqualTo(Folding.WINDOW_NANOS - SECOND);
    }
}
