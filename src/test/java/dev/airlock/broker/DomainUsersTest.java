package dev.airlock.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.airlock.sys.Posix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The first start of a domain as root gives its home, with what a restore put in it, to the domain's own user. */
class DomainUsersTest {
    @TempDir
    Path temp;

    private Path domains;
    private Path home;

    @BeforeEach
    void restoredHome() throws IOException {
        assumeTrue(Posix.geteuid() == 0, "needs root: domains get host users of their own only when airlock is root");
        domains = Files.createDirectory(temp.resolve("domains"));
        Path other = Files.createDirectories(domains.resolve("other/home"));
        Files.setAttribute(other, "unix:uid", DomainUsers.FIRST_DOMAIN_ID, LinkOption.NOFOLLOW_LINKS);
        // As airlock restore run by root leaves it: everything root's.
        home = Files.createDirectories(domains.resolve("work/home"));
        Files.createDirectories(home.resolve(".config/app"));
        Files.writeString(home.resolve(".config/app/settings"), "x=1\n");
        Files.writeString(home.resolve("notes.txt"), "notes\n");
    }

    @Test
    void restoredHomeIsGivenWholeToTheDomainsNewUser() throws IOException {
        int id = DomainUsers.homeUser(domains, home);

        assertThat(id).isEqualTo(DomainUsers.FIRST_DOMAIN_ID + 1);
        for (String p : new String[] {"", ".config", ".config/app", ".config/app/settings", "notes.txt"}) {
            assertThat(uid(home.resolve(p))).as(p).isEqualTo(id);
            assertThat((Integer) Files.getAttribute(home.resolve(p), "unix:gid", LinkOption.NOFOLLOW_LINKS))
                    .as(p).isEqualTo(id);
        }
    }

    @Test
    void homeIsGivenAwayOnlyAtTheFirstStart() throws IOException {
        int id = DomainUsers.homeUser(domains, home);
        Path later = Files.writeString(home.resolve("later.txt"), "root's, on purpose\n");

        assertThat(DomainUsers.homeUser(domains, home)).isEqualTo(id);
        assertThat(uid(later)).isZero();
    }

    @Test
    void restoredHomeCannotMakeTheBrokerGiveAHostFileToTheDomain() throws IOException {
        Path passwd = Files.writeString(Files.createDirectory(temp.resolve("etc")).resolve("passwd"),
                "root:x:0:0::/root:/bin/sh\n");
        Files.createSymbolicLink(home.resolve(".config/passwd"), passwd);
        Files.createSymbolicLink(home.resolve("etc"), passwd.getParent());

        int id = DomainUsers.homeUser(domains, home);

        assertThat(uid(passwd)).isZero();
        assertThat(uid(passwd.getParent())).isZero();
        assertThat(uid(home.resolve(".config/passwd"))).isEqualTo(id);
    }

    private static int uid(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }
}
