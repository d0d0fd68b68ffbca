package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import dev.airlock.broker.Broker;
import dev.airlock.broker.LiveDomains;
import dev.airlock.broker.LiveDomains.Result;
import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.Label;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code qvm-open-in-vm personal FILE} typed in work, through the broker, into personal's {@code vm-file-editor}
 * with a scripted handler in personal's home that edits, leaves alone, crashes or hangs by the file's first word.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class OpenInVmIT {
    private static final String POLICY = """
            qubes.OpenInVM * work personal allow
            """;
    private static final String HANDLER = """
            #!/bin/sh
            basename "$1" >> "$HOME/opened.log"
            case "$(head -c 4 "$1")" in
              edit) chmod u+w "$1"; printf ' edited in personal' >> "$1" ;;
              kill) echo 'handler crashed' >&2; exit 3 ;;
              hang) sleep 1000 ;;
            esac
            """;

    private LiveDomains live;
    private AirlockHome home;
    private Broker broker;

    @BeforeAll
    void startDomains(@TempDir Path tmp) throws Exception {
        live = LiveDomains.create(tmp, POLICY, Domain.of("work", DomainClass.APP_VM, Label.RED),
                Domain.of("personal", DomainClass.APP_VM, Label.GREEN));
        home = live.home();
        broker = Broker.start(live.settings(Duration.ofSeconds(2)));
        new AdminClient(home).call(AdminClient.request("start").put("domain", "work"));
        new AdminClient(home).call(AdminClient.request("start").put("domain", "personal"));
        // Written inside personal, so that the files belong to its user there.
        Result setup = runWithInput("personal", HANDLER, "sh", "-c",
                "mkdir -p .config/airlock && cat > .config/airlock/open-handler"
                + " && chmod 700 .config/airlock/open-handler"
                + " && echo handler-timeout=3 > .config/airlock/open-in-vm.conf");
        assertThat(setup.code()).as(setup.err()).isZero();
    }

    @AfterAll
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    /** {@code airlock run DOMAIN -- CMD...} with {@code stdin}, through the admin socket as the CLI does it. */
    private Result runWithInput(String domain, String stdin, String... command) throws IOException {
        return live.run(domain, stdin, command);
    }

    private Result sh(String domain, String script) throws IOException {
        return runWithInput(domain, "", "sh", "-c", script);
    }

    private Path homeOf(String domain) {
        return home.root().resolve("domains").resolve(domain).resolve("home");
    }

    private void assertNothingLeftInPersonal() throws IOException {
        Result tmp = sh("personal", "ls /tmp | grep airlock-open- || true");
        assertThat(tmp.out()).isEmpty();
    }

    @Test
    void editedInPersonalComesBackToWork() throws Exception {
        Result r = sh("work", "printf 'edit me' > report.txt && chmod 640 report.txt"
                + " && qvm-open-in-vm personal report.txt && cat report.txt && stat -c %a report.txt");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("edit me edited in personal640\n");
        assertThat(Files.readString(homeOf("personal").resolve("opened.log"))).contains("report.txt");
        assertNothingLeftInPersonal();
    }

    @Test
    void unchangedFileStaysAsItWas() throws Exception {
        Result r = sh("work", "printf 'look only' > same.txt && qvm-open-in-vm personal same.txt && cat same.txt");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("look only");
    }

    @Test
    void viewOnlyEditIsNotTakenBack() throws Exception {
        Result r = sh("work", "printf 'edit but view only' > v.txt && qvm-open-in-vm --view-only personal v.txt"
                + " && cat v.txt");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("edit but view only");
    }

    @Test
    void crashingHandlerLeavesWorksFileUntouched() throws Exception {
        Result r = sh("work", "printf 'kill it' > crash.txt; qvm-open-in-vm personal crash.txt; echo \"exit=$?\";"
                + " cat crash.txt");
        assertThat(r.out()).isEqualTo("exit=1\nkill it");
        assertThat(r.err()).contains("handler crashed").contains("ERROR: the service failed (exit code 1)")
                .contains("crash.txt is unchanged");
        assertNothingLeftInPersonal();
    }

    @Test
    void hangingHandlerIsKilledAtThePersonalTimeout() throws Exception {
        Result r = sh("work", "printf 'hang on' > hang.txt; qvm-open-in-vm personal hang.txt; echo \"exit=$?\";"
                + " cat hang.txt");
        assertThat(r.out()).isEqualTo("exit=1\nhang on");
        assertThat(r.err()).contains("did not finish within 3 s and was killed");
        assertThat(sh("personal", "pgrep -x sleep || true").out()).isEmpty();
        assertNothingLeftInPersonal();
    }

    @Test
    void policyDeniesTheOtherDirection() throws Exception {
        Result r = sh("personal", "echo x > p.txt; qvm-open-in-vm work p.txt; echo \"exit=$?\"");
        assertThat(r.out()).isEqualTo("exit=126\n");
        assertThat(r.err()).contains("ERROR: work qubes.OpenInVM");
    }
}
