package dev.airlock.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.airlock.broker.AdminClient;
import dev.airlock.broker.AirlockHome;
import dev.airlock.broker.Broker;
import dev.airlock.broker.LiveDomains;
import dev.airlock.broker.LiveDomains.Result;
import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.Label;
import dev.airlock.pendrive.client.PendriveCopy;
import dev.airlock.domain.Registry;
import dev.airlock.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The virtual-pendrive exchange end to end in two real domains: {@code qvm-copy-to-vm --pendrive}, the incoming
 * handler run by the agent, {@code qubes_penctl}, the key commands, the policy's {@code airlock.PendriveSend}
 * (allow, ask through {@code airlock pending/approve/deny}, deny) and the audit log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PendriveIT {
    private static final String POLICY = """
            airlock.PendriveSend * work     personal allow
            airlock.PendriveSend * work     archive  allow
            airlock.PendriveSend * work     sleeper  allow autostart=no
            airlock.PendriveSend * personal work     ask
            airlock.PendriveSend * @anyvm   @anyvm   deny
            qubes.OpenInVM       * work     @dispvm  allow
            """;

    private LiveDomains live;
    private AirlockHome home;
    private Broker broker;

    @BeforeAll
    void startDomains(@TempDir Path tmp) throws IOException {
        live = LiveDomains.create(tmp, POLICY,
                Domain.of("dvm", DomainClass.APP_VM, Label.GRAY).withTemplateForDispvms(true),
                Domain.of("work", DomainClass.APP_VM, Label.RED).withDefaultDispvm("dvm"),
                Domain.of("personal", DomainClass.APP_VM, Label.GREEN),
                Domain.of("archive", DomainClass.APP_VM, Label.BLUE),
                Domain.of("sleeper", DomainClass.APP_VM, Label.BLUE));
        home = live.home();
        Registry registry = live.registry();
        // The disposables' file handler, from their template's home: it edits the file it is given.
        Path handler = registry.domainFolder("dvm").resolve("home/.config/airlock/open-handler");
        Files.createDirectories(handler.getParent());
        Files.writeString(handler, "#!/bin/sh\nsed -i s/draft/final/ \"$1\"\n");
        Files.setPosixFilePermissions(handler, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (Path p = handler.getParent(); !p.endsWith("home"); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        broker = Broker.start(live.settings(Duration.ofSeconds(20)));
        new AdminClient(home).call(AdminClient.request("start").put("domain", "work"));
        new AdminClient(home).call(AdminClient.request("start").put("domain", "personal"));
    }

    @AfterAll
    void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @BeforeEach
    void clean() throws IOException {
        for (String d : new String[] {"work", "personal"}) {
            Result r = sh(d, "rm -rf QubesIncoming && qubesdb-write pendrive/incoming -");
            assertThat(r.code()).as(r.err()).isZero();
        }
    }

    private Result run(String domain, String... command) throws IOException {
        return live.run(domain, "", command);
    }

    private Result sh(String domain, String script) throws IOException {
        return run(domain, "sh", "-c", script);
    }

    /** What the incoming handler of {@code domain} reported for its last pendrive; fails after 20 s. */
    private String incomingReport(String domain) throws Exception {
        return Await.value(Duration.ofSeconds(20), "the incoming handler of " + domain + " reports",
                () -> run(domain, "qubesdb-read", "pendrive/incoming"),
                r -> r.code() == 0 && !r.out().strip().equals("-")).out().strip();
    }

    private Path homeOf(String domain) {
        return home.root().resolve("domains").resolve(domain).resolve("home");
    }

    private long imagesOnDisk() throws IOException {
        try (Stream<Path> s = Files.list(home.root().resolve("pendrives"))) {
            return s.count();
        }
    }

    @Test
    void copyBetweenTwoDomainsThroughPendrives() throws Exception {
        Result copy = sh("work", "mkdir -p out/sub && echo hello > out/sub/a.txt && head -c 3000000 /dev/zero > out/z"
                + " && qvm-copy-to-vm --pendrive personal out");
        assertThat(copy.code()).as(copy.err()).isZero();

        String report = incomingReport("personal");
        assertThat(report).contains("/home/user/QubesIncoming/pendrive-work");
        Path folder = homeOf("personal").resolve("QubesIncoming/pendrive-work/out");
        assertThat(folder.resolve("sub/a.txt")).hasContent("hello");
        assertThat(Files.size(folder.resolve("z"))).isEqualTo(3_000_000);
        assertThat(run("personal", "qubesdb-read", "qubes_blocksrc").out().strip()).isEqualTo("work");
        assertThat(imagesOnDisk()).isEqualTo(1);

        Result umount = run("personal", "qubes_penctl", "umount");
        assertThat(umount.code()).as(umount.err()).isZero();
        assertThat(imagesOnDisk()).isZero();
        assertThat(Files.readString(home.auditLog())).contains("\"service\":\"airlock.PendriveSend\"")
                .contains("\"source\":\"work\",\"target\":\"personal\"");
    }

    @Test
    void askedTransferIsDecidedOnTheHostAndTheRefusedPendriveCanBeSentAgain() throws Exception {
        CompletableFuture<Result> copy = CompletableFuture.supplyAsync(() -> {
            try {
                return sh("personal", "echo secret > s.txt && qvm-copy-to-vm --pendrive work s.txt");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        JsonNode call = live.waitingCall();
        assertThat(call.path("service").asText()).isEqualTo("airlock.PendriveSend");
        assertThat(call.path("source").asText()).isEqualTo("personal");
        new AdminClient(home).call(AdminClient.request("deny").put("id", call.path("id").asInt()));
        Result denied = copy.get();
        assertThat(denied.code()).isEqualTo(126);
        assertThat(denied.err()).startsWith("ERROR: work pendrive transfer:").contains("not authorized");
        assertThat(homeOf("work").resolve("QubesIncoming")).doesNotExist();

        CompletableFuture<Result> again = CompletableFuture.supplyAsync(() -> {
            try {
                return run("personal", "qubes_penctl", "send", "work");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        JsonNode asked = live.waitingCall();
        assertThat(asked.path("targets").toString()).isEqualTo("[\"work\"]");
        assertThat(asked.path("default").asText()).isEqualTo("work");
        new AdminClient(home).call(AdminClient.request("approve").put("id", asked.path("id").asInt()));
        assertThat(again.get().code()).as(again.get().err()).isZero();
        assertThat(incomingReport("work")).contains("pendrive-personal");
        assertThat(homeOf("work").resolve("QubesIncoming/pendrive-personal/s.txt")).hasContent("secret");
        assertThat(run("work", "qubes_penctl", "umount").code()).isZero();
    }

    @Test
    void haltedDestinationIsStartedOnlyWhenThePolicyAllowsAutostart() throws Exception {
        Result no = sh("work", "echo x > x.txt && qvm-copy-to-vm --pendrive sleeper x.txt");
        assertThat(no.code()).isEqualTo(126);
        assertThat(no.err()).contains("sleeper does not exist or does not run").doesNotContain("Exception");
        assertThat(homeOf("sleeper").resolve("QubesIncoming")).doesNotExist();
        assertThat(Files.readString(home.auditLog())).doesNotContain("sleeper started");
        assertThat(run("work", "qubes_penctl", "send", "archive").code()).isZero();
        assertThat(incomingReport("archive")).contains("pendrive-work");
        assertThat(homeOf("archive").resolve("QubesIncoming/pendrive-work/x.txt")).hasContent("x");
        assertThat(run("archive", "qubes_penctl", "umount").code()).isZero();
        assertThat(Files.readString(home.auditLog())).contains("archive started for the transfer (autostart)");
        assertThat(imagesOnDisk()).isZero();
    }

    @Test
    void unknownDestinationIsRefusedAndNothingIsAsked() throws Exception {
        Result r = sh("work", "echo x > x.txt && qvm-copy-to-vm --pendrive nosuch x.txt");
        assertThat(r.code()).isEqualTo(126);
        assertThat(r.err()).contains("nosuch does not exist or does not run");
        Result busy = run("work", "qubes_penctl", "new");
        assertThat(busy.code()).isEqualTo(1);
        assertThat(busy.err()).startsWith("ERROR: ").contains("non-matching state");
        // The refused pendrive is still the sender's, and goes where the policy allows.
        assertThat(run("work", "qubes_penctl", "send", "personal").code()).isZero();
        assertThat(incomingReport("personal")).contains("pendrive-work");
        assertThat(run("personal", "qubes_penctl", "umount").code()).isZero();
        assertThat(imagesOnDisk()).isZero();
    }

    @Test
    void domainsKeepTheirOwnKeysAndCannotForgeTheHostsKeys() throws Exception {
        Result w = run("work", "qubesdb-write", "notes/colour", "blue");
        assertThat(w.code()).as(w.err()).isZero();
        assertThat(run("work", "qubesdb-read", "notes/colour").out().strip()).isEqualTo("blue");
        assertThat(run("work", "qubesdb-read", "name").out().strip()).isEqualTo("work");
        Result forged = run("work", "qubesdb-write", "name", "personal");
        assertThat(forged.code()).isEqualTo(1);
        assertThat(forged.err()).startsWith("ERROR: ");
        Result other = run("work", "qubesdb-read", "/vm/1/name");
        assertThat(other.code()).isEqualTo(1);
        Result bad = run("work", "qubes_penctl", "format", "everything");
        assertThat(bad.code()).isEqualTo(2);
    }

    /** A program run in work (the JDK's source launcher) that writes one byte to its outgoing pendrive. */
    private static final String WRITER = """
            import dev.airlock.pendrive.Device;
            import dev.airlock.pendrive.client.ChannelRefusedException;
            import dev.airlock.pendrive.client.PenChannel;

            public class WriteXvdg {
                public static void main(String[] args) throws Exception {
                    try (PenChannel ch = PenChannel.open(PenChannel.SOCKET)) {
                        ch.writeBlock(Device.XVDG, 1 << 20, new byte[] {42});
                        System.out.println("written");
                    } catch (ChannelRefusedException e) {
                        System.out.println(e.code());
                        System.exit(3);
                    }
                }
            }
            """;

    @Test
    void senderInsideItsSandboxCannotWriteThePendriveAfterSend() throws Exception {
        Path source = homeOf("work").resolve("WriteXvdg.java");
        Files.writeString(source, WRITER);
        Files.setPosixFilePermissions(source, PosixFilePermissions.fromString("rw-r--r--"));
        String write = "$JAVA_HOME/bin/java -cp /opt/airlock/airlock.jar WriteXvdg.java";
        assertThat(run("work", "qubes_penctl", "new").code()).isZero();
        Result before = sh("work", write);
        assertThat(before.out().strip()).as(before.err()).isEqualTo("written");

        assertThat(run("work", "qubes_penctl", "send", "personal").code()).isZero();
        Result after = sh("work", write);
        assertThat(after.code()).as(after.err()).isEqualTo(3);
        assertThat(after.out().strip()).isEqualTo("NOT_ATTACHED");

        assertThat(incomingReport("personal")).contains("pendrive-work");
        assertThat(run("personal", "qubes_penctl", "umount").code()).isZero();
        Files.delete(source);
    }

    @Test
    void openInDisposableThroughPendrivesReturnsTheEditedFile() throws Exception {
        Result open = sh("work", "printf 'draft text\\n' > letter.txt && qvm-open-in-dvm --pendrive letter.txt");
        assertThat(open.code()).as(open.err()).isZero();
        assertThat(incomingReport("work")).contains("transaction 1: /home/user/letter.txt updated");
        assertThat(homeOf("work").resolve("letter.txt")).hasContent("final text");
        assertThat(homeOf("work").resolve(".dvm/seq")).hasContent("1");
        assertThat(homeOf("work").resolve(".dvm/1")).doesNotExist();
        assertThat(imagesOnDisk()).isZero();
    }

    @Test
    void domainDeniedOpenInVmGetsNoDisposableThroughAPendrive() throws Exception {
        try {
            Result open = sh("personal", "echo x > x.txt && qvm-open-in-dvm --pendrive x.txt");
            assertThat(open.code()).isEqualTo(PendriveCopy.EXIT_REFUSED);
            assertThat(open.err()).contains("refused by policy");
            assertThat(Files.readString(home.auditLog())).contains("\"source\":\"personal\",\"target\":\"@dispvm\","
                    + "\"service\":\"qubes.OpenInVM\"");
        } finally {
            // The refused pendrive is still personal's: it goes to work (asked) so that other tests start clean.
            CompletableFuture<Result> send = CompletableFuture.supplyAsync(() -> {
                try {
                    return run("personal", "qubes_penctl", "send", "work");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            new AdminClient(home).call(AdminClient.request("approve").put("id", live.waitingCall().path("id").asInt()));
            assertThat(send.get().code()).as(send.get().err()).isZero();
            incomingReport("work");
            assertThat(run("work", "qubes_penctl", "umount").code()).isZero();
        }
    }
}
