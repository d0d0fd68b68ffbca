package dev.airlock.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-domain limits in the registry file: old files load with the defaults, hostile values are refused. */
class ResourceLimitsRegistryTest {

    private static Domains parse(String domainBody) throws IOException {
        return RegistryXml.parse(("<domains version=\"1\"><domain name=\"work\" class=\"AppVM\"><label>red</label>"
                + domainBody + "</domain></domains>").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void registryWrittenBeforeLimitsLoadsWithTheDefaults() throws IOException {
        assertThat(parse("").require("work").limits()).isEqualTo(ResourceLimits.DEFAULT);
    }

    @Test
    void changedLimitsAreWrittenAndReadBackAndDefaultsAreLeftOut() throws IOException {
        ResourceLimits l = new ResourceLimits(512, 128, 20, 1024, 1L << 30);
        Domains all = Domains.of(List.of(Domain.of("work", DomainClass.APP_VM, Label.RED).withLimits(l),
                Domain.of("other", DomainClass.APP_VM, Label.RED)));
        String xml = new String(RegistryXml.write(all), StandardCharsets.UTF_8);
        assertThat(xml).contains("<maxmem>512</maxmem>", "<maxprocs>128</maxprocs>", "<cpu_weight>20</cpu_weight>",
                "<nofile>1024</nofile>", "<private_max_size>1073741824</private_max_size>");
        String other = xml.substring(xml.indexOf("\"other\""));
        assertThat(other.substring(0, other.indexOf("</domain>"))).doesNotContain("max", "nofile", "cpu_weight");
        Domains back = RegistryXml.parse(xml.getBytes(StandardCharsets.UTF_8));
        assertThat(back.require("work").limits()).isEqualTo(l);
        assertThat(back.require("other").limits()).isEqualTo(ResourceLimits.DEFAULT);
    }

    @Test
    void hostileRegistryCannotLiftADomainsLimits() {
        for (String body : List.of("<maxprocs>0</maxprocs>", "<maxmem>-1</maxmem>", "<maxmem>+4096</maxmem>",
                "<maxmem>99999999999999999999</maxmem>", "<maxmem>2147483648</maxmem>", "<nofile>1e9</nofile>",
                "<nofile> 4096</nofile>", "<cpu_weight>10001</cpu_weight>", "<maxprocs>4194305</maxprocs>",
                "<private_max_size>1</private_max_size>", "<maxmem>64</maxmem><maxmem>65</maxmem>",
                "<maxmem></maxmem>")) {
            assertThatThrownBy(() -> parse(body)).as(body).isInstanceOf(IOException.class)
                    .hasMessageStartingWith("domain work: ");
        }
    }

    @Test
    void limitsOutsideTheirBoundsAreRefused() {
        assertThatThrownBy(() -> ResourceLimits.DEFAULT.withMaxmem(63))
                .hasMessage("maxmem must be from 64 to 1048576 MiB, not 63 MiB");
        assertThatThrownBy(() -> ResourceLimits.DEFAULT.withNofile(63))
                .hasMessage("nofile must be from 64 to 1048576, not 63");
        assertThat(ResourceLimits.DEFAULT.maxmemBytes()).isEqualTo(2L << 30);
    }
}
