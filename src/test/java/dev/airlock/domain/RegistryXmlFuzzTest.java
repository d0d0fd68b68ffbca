package dev.airlock.domain;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of the registry file (issue 17): {@code domains.xml} is read at every broker start, and a
 * registry restored from elsewhere is as untrusted as any file. Only the parser's {@link IOException} may escape
 * (no XML entity, DTD or external reference turns into anything else); an accepted registry holds at most
 * {@link Domains#MAX_DOMAINS} domains and writes back to a file that reads as the same registry.
 */
class RegistryXmlFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void registry(byte[] data) throws IOException {
        Domains domains;
        try {
            domains = RegistryXml.parse(data);
        } catch (IOException refused) {
            return;
        }
        assertThat(domains.size()).isLessThanOrEqualTo(Domains.MAX_DOMAINS);
        assertThat(RegistryXml.parse(RegistryXml.write(domains))).as("the registry writes back to itself")
                .isEqualTo(domains);
    }
}
