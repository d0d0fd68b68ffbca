package dev.airlock.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.testing.SmallDisk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker's state folder runs out of space while the registry is saved (issue 17). */
class RegistryDiskFullTest {
    @TempDir
    Path tmp;

    @Test
    void aSaveOnAFullDiskNeitherTruncatesDomainsXmlNorLosesEntries() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        try (SmallDisk disk = SmallDisk.over(home, 256 * 1024)) {
            Registry registry = Registry.open(home);
            Domains before = registry.update(d -> d.add(Domain.of("work", DomainClass.APP_VM, Label.GREEN))
                    .add(Domain.of("vault", DomainClass.APP_VM, Label.BLACK)));
            byte[] onDisk = Files.readAllBytes(registry.file());
            Path filler = disk.fill("filler");

            // Many domains: the new file needs more than the page the full disk may still have in a partial block.
            assertThatThrownBy(() -> registry.update(d -> {
                Domains more = d;
                for (int i = 0; i < 200; i++) {
                    more = more.add(Domain.of("extra-" + i, DomainClass.APP_VM, Label.RED));
                }
                return more;
            })).isInstanceOf(IOException.class).hasMessageContaining("No space left on device");

            assertThat(Files.readAllBytes(registry.file())).as("domains.xml untouched").isEqualTo(onDisk);
            Domains reread = Registry.open(home).read(d -> d);
            assertThat(reread.all()).isEqualTo(before.all());
            try (var files = Files.list(home)) {
                assertThat(files.map(p -> p.getFileName().toString()))
                        .as("no temporary file left behind").noneMatch(n -> n.endsWith(".tmp"));
            }

            Files.delete(filler);
            Domains after = registry.update(d -> d.add(Domain.of("personal", DomainClass.APP_VM, Label.YELLOW)));
            assertThat(after.size()).isEqualTo(3);
            Domains last = Registry.open(home).read(d -> d);
            assertThat(last.all()).isEqualTo(after.all());
        }
    }
}
