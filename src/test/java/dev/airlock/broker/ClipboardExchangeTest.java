package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.clipboard.Clip;
import dev.airlock.policy.DomainFacts;
import dev.airlock.policy.DomainView;
import dev.airlock.policy.PolicyLocation;
import dev.airlock.policy.PolicyStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host's clipboard between domains, with the policy and the audit log for real and the domains' displays
 * replaced by a map of their clipboards: the commands it runs there are the only way text moves.
 */
class ClipboardExchangeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "hunter2-" + UUID.randomUUID();
    private static final DomainView DOMAINS = DomainView.of(List.of(
            new DomainFacts("work", "AppVM", Set.of(), true, null, false, null, false),
            new DomainFacts("personal", "AppVM", Set.of(), true, null, false, null, false),
            new DomainFacts("vault", "AppVM", Set.of(), true, null, false, null, false),
            new DomainFacts("halted", "AppVM", Set.of(), false, null, false, null, false)));

    @TempDir
    Path tmp;

    /** Each domain's CLIPBOARD selection, as the commands run in it see it. */
    private final Map<String, byte[]> selections = new HashMap<>();
    private final Set<String> withoutDisplay = new HashSet<>();
    /** What the next command run in a domain gives back instead, when set (a stalled or failing domain). */
    private HostRun.Captured next;
    private PolicyStore policy;
    private AuditLog audit;

    private final ClipboardExchange.DomainCommand domains = (name, argv, stdin, limit, timeout) -> {
        assertThat(timeout).isEqualTo(ClipboardExchange.TIMEOUT);
        if (next != null) {
            HostRun.Captured c = next;
            next = null;
            return c;
        }
        if (withoutDisplay.contains(name)) {
            return new HostRun.Captured(3, new byte[0], new byte[0]);
        }
        if (argv.equals(ClipboardExchange.PASTE)) {
            selections.put(name, stdin.clone());
            return new HostRun.Captured(0, new byte[0], new byte[0]);
        }
        assertThat(argv).isEqualTo(ClipboardExchange.COPY);
        byte[] s = selections.get(name);
        if (s == null) {
            return new HostRun.Captured(1, new byte[0], "Error: target STRING not available\n".getBytes());
        }
        // As HostRun.capture: at most one byte past the limit, and the call cut there.
        return s.length > limit ? new HostRun.Captured(-1, Arrays.copyOf(s, limit + 1), new byte[0])
                : new HostRun.Captured(0, s.clone(), new byte[0]);
    };

    private ClipboardExchange exchange(String rules) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("policy"));
        Files.writeString(dir.resolve("30-test.policy"), rules);
        Files.writeString(dir.resolve(PolicyLocation.DEFAULT_FILE), PolicyLocation.DEFAULT_POLICY);
        policy = PolicyStore.openManual(dir);
        audit = new AuditLog(tmp.resolve("audit.jsonl"));
        DomainViews views = new DomainViews() {
            @Override
            public DomainView view() {
                return DOMAINS;
            }

            @Override
            public Optional<UUID> uuid(String name) {
                return Optional.of(UUID.nameUUIDFromBytes(name.getBytes()));
            }

            @Override
            public boolean isCurrent(String name) {
                return true;
            }
        };
        return new ClipboardExchange(domains, policy, views, name -> !name.equals("halted"), audit);
    }

    @AfterEach
    void close() throws IOException {
        if (policy != null) {
            policy.close();
        }
        if (audit != null) {
            audit.close();
        }
    }

    private static ObjectNode in(String domain) {
        return JSON.createObjectNode().put("domain", domain);
    }

    private void select(String domain, String text) {
        selections.put(domain, text.getBytes(StandardCharsets.UTF_8));
    }

    private String selection(String domain) {
        byte[] s = selections.get(domain);
        return s == null ? null : new String(s, StandardCharsets.UTF_8);
    }

    @Test
    void textReachesAnotherDomainOnlyThroughCopyThenPasteAndOnlyOnce() throws Exception {
        ClipboardExchange x = exchange("");
        select("work", SECRET);

        ObjectNode copied = x.copy(in("work"));
        assertThat(copied.get("bytes").asInt()).isEqualTo(SECRET.length());
        assertThat(copied.get("kind").asText()).isEqualTo("text");
        assertThat(selection("personal")).as("nothing is pasted by a copy").isNull();

        ObjectNode pasted = x.paste(in("personal"));
        assertThat(selection("personal")).isEqualTo(SECRET);
        assertThat(pasted.get("source").asText()).isEqualTo("work");
        assertThat(pasted.get("target").asText()).isEqualTo("personal");
        assertThat(x.show(in("x")).has("source")).isFalse();
        assertThatThrownBy(() -> x.paste(in("vault"))).hasMessageStartingWith("the clipboard is empty");
        assertThat(selection("vault")).isNull();
    }

    @Test
    void denyRuleRefusesThePasteAndNothingReachesTheDomain() throws Exception {
        ClipboardExchange x = exchange("qubes.ClipboardPaste  *  work  vault  deny\n");
        select("work", SECRET);
        x.copy(in("work"));

        assertThatThrownBy(() -> x.paste(in("vault"))).isInstanceOf(IllegalStateException.class)
                .hasMessage("pasting the clipboard from work into vault is refused by policy: denied by "
                        + "30-test.policy:1");
        assertThat(selection("vault")).isNull();
        // A refused paste leaves the clipboard for one the policy allows.
        assertThat(x.show(in("x")).get("source").asText()).isEqualTo("work");
        x.paste(in("personal"));
        assertThat(selection("personal")).isEqualTo(SECRET);
    }

    @Test
    void auditHasSourcesTargetsSizesAndDecisionsNeverContents() throws Exception {
        ClipboardExchange x = exchange("qubes.ClipboardPaste  *  work  vault  deny\n");
        select("work", SECRET);
        x.copy(in("work"));
        assertThatThrownBy(() -> x.paste(in("vault")));
        x.paste(in("personal"));
        x.clear(in("x"));

        assertThat(Files.readString(tmp.resolve("audit.jsonl"))).doesNotContain(SECRET)
                .doesNotContain(SECRET.substring(0, 8));
        List<AuditLog.Entry> entries = audit.read(e -> true);
        assertThat(entries).extracting(AuditLog.Entry::source, AuditLog.Entry::target, AuditLog.Entry::service,
                        AuditLog.Entry::outcome)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("work", "dom0", null, "copied"),
                        org.assertj.core.groups.Tuple.tuple("work", "vault", "qubes.ClipboardPaste", "deny"),
                        org.assertj.core.groups.Tuple.tuple("work", "personal", "qubes.ClipboardPaste", "allow"));
        String size = SECRET.length() + " bytes of text from work";
        assertThat(entries).allSatisfy(e -> assertThat(e.detail()).contains(size));
        assertThat(entries.get(1).rule()).isEqualTo("30-test.policy:1");
        assertThat(entries.get(2).rule()).isEqualTo(PolicyLocation.DEFAULT_FILE + ":" + defaultRuleLine());
    }

    private static int defaultRuleLine() {
        List<String> lines = PolicyLocation.DEFAULT_POLICY.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("qubes.ClipboardPaste")) {
                return i + 1;
            }
        }
        throw new AssertionError("no qubes.ClipboardPaste rule in the default policy");
    }

    @Test
    void binaryClipboardIsRefusedUnlessARuleNamesBinary() throws Exception {
        ClipboardExchange x = exchange("");
        byte[] binary = {'P', 'N', 'G', 0, (byte) 0xff, (byte) 0xfe};
        selections.put("work", binary);
        assertThat(x.copy(in("work")).get("kind").asText()).isEqualTo("binary");

        assertThatThrownBy(() -> x.paste(in("personal"))).hasMessageContaining("refused by policy")
                .hasMessageContaining("a rule must name +binary");
        assertThat(selection("personal")).isNull();

        Files.writeString(tmp.resolve("policy").resolve("30-test.policy"),
                "qubes.ClipboardPaste  +binary  work  personal  allow\n");
        policy.refresh();
        x.paste(in("personal"));
        assertThat(selections.get("personal")).isEqualTo(binary);
        assertThat(audit.read(e -> "allow".equals(e.outcome()))).singleElement()
                .satisfies(e -> assertThat(e.argument()).isEqualTo(Clip.BINARY_ARGUMENT));
    }

    @Test
    void clipboardOverTheLimitIsRefusedAndTheHeldOneKept() throws Exception {
        ClipboardExchange x = exchange("");
        select("personal", "small");
        x.copy(in("personal"));
        selections.put("work", new byte[Clip.MAX_BYTES + 4096]);

        assertThatThrownBy(() -> x.copy(in("work"))).hasMessageStartingWith("work's clipboard holds more than "
                + "256 KiB");
        assertThat(x.show(in("x")).get("source").asText()).isEqualTo("personal");
        assertThat(audit.read(e -> "failed".equals(e.outcome()))).singleElement()
                .satisfies(e -> assertThat(e.detail()).contains((Clip.MAX_BYTES + 1) + " or more bytes"));
    }

    @Test
    void stalledDomainCannotHoldACopyOrPasteForever() throws Exception {
        ClipboardExchange x = exchange("");
        next = new HostRun.Captured(-1, new byte[0], new byte[0]);
        assertThatThrownBy(() -> x.copy(in("work")))
                .hasMessage("work did not hand over its clipboard within 10 s; nothing was copied");

        select("work", "text");
        x.copy(in("work"));
        next = new HostRun.Captured(-1, new byte[0], new byte[0]);
        assertThatThrownBy(() -> x.paste(in("personal"))).hasMessage("personal did not take the clipboard within "
                + "10 s; the host's clipboard is now empty (copy again)");
    }

    @Test
    void domainWithoutDisplayOrNotRunningGetsAClearError() throws Exception {
        ClipboardExchange x = exchange("");
        withoutDisplay.add("work");
        assertThatThrownBy(() -> x.copy(in("work"))).hasMessageStartingWith("work has no display");
        assertThatThrownBy(() -> x.copy(in("halted"))).hasMessageStartingWith("halted is not running");
        assertThatThrownBy(() -> x.copy(in("personal"))).hasMessageStartingWith("personal's clipboard is empty or "
                + "holds no text (Error: target STRING not available)");

        select("personal", "text");
        x.copy(in("personal"));
        assertThatThrownBy(() -> x.paste(in("halted"))).hasMessageStartingWith("halted is not running");
        assertThatThrownBy(() -> x.paste(in("work"))).hasMessageStartingWith("work has no display");
    }

    @Test
    void domainsMessageReachesTheUserWithItsControlCharactersEscaped() throws Exception {
        ClipboardExchange x = exchange("");
        next = new HostRun.Captured(1, new byte[0], "Error\u001b]0;owned\u0007 here".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> x.copy(in("work"))).message().doesNotContain("\u001b", "\u0007")
                .contains("Error\\u001b]0;owned\\u0007 here");
    }

    @Test
    void ruleThatRedirectsCannotSendThePasteElsewhere() throws Exception {
        ClipboardExchange x = exchange("qubes.ClipboardPaste  *  work  personal  allow target=vault\n");
        select("work", SECRET);
        x.copy(in("work"));

        assertThatThrownBy(() -> x.paste(in("personal"))).hasMessageContaining("a paste goes only where the user"
                + " said");
        assertThat(selection("personal")).isNull();
        assertThat(selection("vault")).isNull();
    }

    @Test
    void askRuleIsAnsweredByThePasteCommandAsInQubes() throws Exception {
        ClipboardExchange x = exchange("qubes.ClipboardPaste  *  work  personal  ask\n");
        select("work", "text");
        x.copy(in("work"));

        x.paste(in("personal"));
        assertThat(selection("personal")).isEqualTo("text");
        assertThat(audit.read(e -> "allow".equals(e.outcome()))).singleElement()
                .satisfies(e -> assertThat(e.detail()).contains("the paste command is the user's answer"));
    }

    @Test
    void clipboardIsNotPastedBackIntoItsOwnDomain() throws Exception {
        ClipboardExchange x = exchange("");
        select("work", "text");
        x.copy(in("work"));
        selections.remove("work");

        assertThatThrownBy(() -> x.paste(in("work"))).hasMessage("the clipboard came from work: paste it into "
                + "another domain");
        assertThat(selection("work")).isNull();
    }

    @Test
    void invalidDomainNameIsRefusedBeforeAnythingRuns() throws Exception {
        ClipboardExchange x = exchange("");
        assertThatThrownBy(() -> x.copy(in("../work"))).hasMessageStartingWith("invalid domain name");
        assertThat(audit.read(e -> true)).isEmpty();
    }
}
