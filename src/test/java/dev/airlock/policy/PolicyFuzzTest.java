package dev.airlock.policy;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of the policy parser (issue 17): one policy file with the fuzzer's bytes is loaded from
 * a scratch folder and asked about a few calls. Loading never throws; a policy with an error denies every call
 * (fail closed); a rule it accepted was read from the file; and an allowed call goes to a domain that exists or
 * to a new disposable, never to a name the file made up.
 */
class PolicyFuzzTest {
    private static final List<Request> CALLS = List.of(
            Request.of("work", "personal", "qubes.Filecopy"),
            Request.of("work", "@dispvm", "qubes.OpenInVM"),
            Request.of("vault", "@default", "qubes.Gpg+key"),
            Request.of("disp123", "dom0", "airlock.Run+x"),
            Request.of("work", "@dispvm:other-dvm", "qubes.OpenURL"));

    @FuzzTest(maxDuration = "10m")
    void policy(byte[] data) throws IOException {
        Path dir = Files.createTempDirectory("airlock-jazzer-policy-");
        try {
            Files.write(dir.resolve("50-fuzz.policy"), data);
            Policy p = Policy.load(dir);
            for (Request call : CALLS) {
                Decision d = p.evaluate(call, TestDomains.ALL);
                if (!p.errors().isEmpty()) {
                    assertThat(d).as("a policy with errors decides %s", call).isInstanceOf(Decision.Deny.class);
                }
                if (d instanceof Decision.Allow a) {
                    assertThat(a.rule()).as("an allow names its rule").isNotNull();
                    assertThat(TestDomains.ALL.find(a.target()).isPresent() || a.target().startsWith("@dispvm:"))
                            .as("%s allowed to %s", call, a.target()).isTrue();
                }
            }
        } finally {
            try (var s = Files.list(dir)) {
                for (Path f : s.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }
}
