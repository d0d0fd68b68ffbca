package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.broker.AirlockHome;
import dev.airlock.broker.Broker;
import dev.airlock.broker.LiveDomains;
import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.Label;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code airlock ls} while the broker keeps a disposable ready: it shows as Pooled, and is gone after the broker. */
@Timeout(120)
class LsPooledIT {

    @Test
    void pooledDisposableShowsAsPooledAndGoesWithTheBroker(@TempDir Path tmp) throws Exception {
        LiveDomains live = LiveDomains.create(tmp, "",
                Domain.of("dvm", DomainClass.APP_VM, Label.GRAY).withTemplateForDispvms(true));
        AirlockHome home = live.home();
        String pooled;
        try (Broker broker = live.startBroker()) {
            pooled = live.awaitPooled();
            assertThat(ls(home)).containsPattern("\\n" + pooled + " +DispVM +Pooled +gray +dvm\\n")
                    .containsPattern("\\ndvm +AppVM +Halted ");
        }
        assertThat(ls(home)).doesNotContain(pooled).doesNotContain("DispVM");
    }

    private static String ls(AirlockHome home) {
        StringWriter out = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), "ls", "--home",
                home.root().toString());
        assertThat(code).isZero();
        return out.toString();
    }
}
