package dev.airlock.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PolicyLocationTest {

    @TempDir
    Path dir;

    @Test
    void airlockConfigWinsOverXdgAndHome() {
        assertThat(PolicyLocation.directory(Map.of("AIRLOCK_CONFIG", "/etc/al", "XDG_CONFIG_HOME", "/x",
                "HOME", "/h"))).isEqualTo(Path.of("/etc/al/policy.d"));
        assertThat(PolicyLocation.directory(Map.of("XDG_CONFIG_HOME", "/x", "HOME", "/h")))
                .isEqualTo(Path.of("/x/airlock/policy.d"));
        assertThat(PolicyLocation.directory(Map.of("HOME", "/h")))
                .isEqualTo(Path.of("/h/.config/airlock/policy.d"));
    }

    @Test
    void relativeXdgConfigHomeIsIgnoredAsTheXdgRulesSay() {
        assertThat(PolicyLocation.directory(Map.of("XDG_CONFIG_HOME", "rel", "HOME", "/h")))
                .isEqualTo(Path.of("/h/.config/airlock/policy.d"));
    }

    @Test
    void aCopyIntoTheHostAsksButQvmCopysPromptNeverOffersTheHost() throws IOException {
        Path policyDir = dir.resolve("policy.d");
        PolicyLocation.installDefaultIfMissing(policyDir);
        for (String requested : new String[] {"dom0", "@adminvm"}) {
            for (String argument : new String[] {"", "allow-all-names"}) {
                Decision d = Policy.load(policyDir).evaluate(new Request("work", requested, "qubes.Filecopy",
                        argument), TestDomains.ALL);
                assertThat(d).as("%s +%s", requested, argument).isInstanceOf(Decision.Ask.class);
                assertThat(d.rule().text()).as("%s +%s", requested, argument).contains("@anyvm @adminvm ask");
                assertThat(((Decision.Ask) d).targetsForAsk()).as("%s +%s", requested, argument).contains("dom0");
                assertThat(((Decision.Ask) Policy.load(policyDir).evaluate(new Request("work", "@default",
                        "qubes.Filecopy", argument), TestDomains.ALL)).targetsForAsk())
                        .as("qvm-copy's prompt +%s", argument).doesNotContain("dom0");
            }
        }
    }

    @Test
    void defaultPolicyIsInstalledOnceWhenTheFolderIsMissing() throws IOException {
        Path policyDir = dir.resolve("config/airlock/policy.d");
        assertThat(PolicyLocation.installDefaultIfMissing(policyDir)).isTrue();
        assertThat(Files.readString(policyDir.resolve(PolicyLocation.DEFAULT_FILE)))
                .isEqualTo(PolicyLocation.DEFAULT_POLICY);
        Policy p = Policy.load(policyDir);
        assertThat(p.errors()).isEmpty();
        assertThat(p.rules()).extracting(Policy.RuleText::text).containsExactly(
                "qubes.Filecopy +allow-all-names @anyvm @anyvm ask",
                "qubes.Filecopy +allow-all-names @anyvm @adminvm ask",
                "qubes.Filecopy * @anyvm @anyvm ask",
                "qubes.OpenInVM * @anyvm @dispvm allow",
                "qubes.OpenInVM * @anyvm @anyvm ask",
                "airlock.PendriveSend * @anyvm @anyvm ask",
                "airlock.PendriveWait * @anyvm @anyvm ask",
                "qubes.ClipboardPaste + @anyvm @anyvm allow",
                "qubes.Filecopy * @anyvm @adminvm ask");
        assertThat(PolicyLocation.installDefaultIfMissing(policyDir)).isFalse();
        try (var entries = Files.list(policyDir.getParent())) {
            assertThat(entries).containsExactly(policyDir);
        }
    }

    @Test
    void existingFolderIsLeftAloneEvenIfEmpty() throws IOException {
        Path policyDir = Files.createDirectories(dir.resolve("policy.d"));
        assertThat(PolicyLocation.installDefaultIfMissing(policyDir)).isFalse();
        try (var entries = Files.list(policyDir)) {
            assertThat(entries).isEmpty();
        }
    }
}
