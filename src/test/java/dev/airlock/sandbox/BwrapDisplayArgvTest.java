package dev.airlock.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The command line of a domain with a display of its own and its own user database, without running anything. */
class BwrapDisplayArgvTest {
    private static final Bwrap LAUNCHER =
            new Bwrap(Path.of("/usr/bin/bwrap"), Optional.of(Path.of("/usr/bin/setpriv")));
    private static final Path JDK = Path.of(System.getProperty("java.home"));
    private static final Path DISPLAY_FOLDER = Path.of("/srv/airlock/run/domains/work/display");
    private static final SandboxSpec PLAIN = SandboxSpec.of("work", Path.of("/srv/airlock/domains/work/home"),
            Path.of("/srv/airlock/run/domains/work/channel"), Path.of("/opt/airlock-install"), JDK);
    private static final SandboxSpec GUI = new SandboxSpec(PLAIN.name(), PLAIN.home(), PLAIN.channel(),
            PLAIN.installDir(), PLAIN.jdkHome(), List.of(), Optional.empty(), Optional.empty(), PLAIN.limits(),
            Optional.of(Path.of("/srv/airlock/run/identity")), Optional.of(DomainDisplay.in(DISPLAY_FOLDER)));
    private static final List<String> AGENT = List.of("java", "-jar", "/opt/airlock/airlock.jar", "agent");

    @Test
    void domainNeverGetsTheHostDisplaySocketCookieOrSessionBus() {
        List<String> argv = LAUNCHER.argv(GUI, new HostUser.Caller(), AGENT);
        // Every bound host path: the system, the domain's own folders, nothing of a display server or session.
        for (int i = 0; i + 2 < argv.size(); i++) {
            if (argv.get(i).matches("--(ro-)?bind(-try)?")) {
                assertThat(argv.get(i + 1)).as("bound into the domain").doesNotStartWith("/tmp")
                        .doesNotStartWith("/run/user").doesNotStartWith("/var/run").doesNotStartWith("/run/dbus")
                        .doesNotContain("X11-unix").doesNotContain("Xauthority").doesNotContain("wayland");
            }
        }
        // The host's abstract X socket (@/tmp/.X11-unix/X0) lives in the host's network namespace, which the
        // domain never shares; its environment is cleared, so neither DISPLAY nor XAUTHORITY of the host passes.
        assertThat(argv).contains("--unshare-all", "--clearenv").doesNotContain("--share-net");
        assertThat(setenvNames(argv)).doesNotContain("DISPLAY", "XAUTHORITY", "DBUS_SESSION_BUS_ADDRESS",
                "WAYLAND_DISPLAY");
        // The display the agent gets is the domain's own, set inside once its own X server's socket exists.
        assertThat(DomainDisplay.SCRIPT).contains("export DISPLAY=\":$n\"", "-S \"/tmp/.X11-unix/X$n\"");
        assertThat(argv).containsSubsequence("/bin/sh", "-c", DomainDisplay.SCRIPT, "airlock-display", "100");
    }

    @Test
    void domainsDisplaySocketFolderIsItsOwnAndWritable() {
        List<String> argv = LAUNCHER.argv(GUI, new HostUser.Caller(), AGENT);
        assertThat(argv).containsSubsequence("--bind", DISPLAY_FOLDER.toString(), DomainDisplay.IN_DOMAIN);
        // After the /run tmpfs, which would otherwise cover it.
        assertThat(argv.indexOf(DomainDisplay.IN_DOMAIN)).isGreaterThan(argv.indexOf("/run"));
        assertThat(argv.subList(argv.size() - AGENT.size(), argv.size())).isEqualTo(AGENT);
    }

    @Test
    void domainSeesItsOwnUserNotTheHostAccountOfUid1000() {
        List<String> argv = LAUNCHER.argv(GUI, new HostUser.Caller(), AGENT);
        assertThat(argv).containsSubsequence("--ro-bind", "/srv/airlock/run/identity/passwd", "/etc/passwd")
                .containsSubsequence("--ro-bind", "/srv/airlock/run/identity/group", "/etc/group");
        assertThat(argv.indexOf("/srv/airlock/run/identity/passwd")).as("over the host's /etc")
                .isGreaterThan(argv.indexOf("/etc"));
        assertThat(DomainIdentity.PASSWD).contains("user:x:1000:1000:user:/home/user:/bin/sh\n");
        assertThat(DomainIdentity.GROUP).contains("user:x:1000:\n");
    }

    @Test
    void domainWithoutADisplayRunsItsCommandAsBefore() {
        List<String> argv = LAUNCHER.argv(PLAIN, new HostUser.Caller(), AGENT);
        assertThat(argv).doesNotContain(DomainDisplay.IN_DOMAIN, DomainDisplay.SCRIPT, "/etc/passwd");
        assertThat(argv.subList(argv.size() - AGENT.size() - 1, argv.size()))
                .isEqualTo(concat(List.of("--"), AGENT));
    }

    @Test
    void xpraServerReachesNothingOutsideTheDomain() {
        assertThat(DomainDisplay.serverOptions()).contains("--mdns=no", "--dbus-launch=", "--dbus-proxy=no",
                "--systemd-run=no", "--pulseaudio=no", "--clipboard=no", "--printing=no", "--file-transfer=no",
                "--notifications=no", "--webcam=no", "--speaker=off", "--microphone=off", "--start=", "--html=off");
        // The system's xpra configuration would run /etc/X11/Xsession; airlock's own, empty one is read instead.
        assertThat(DomainDisplay.SCRIPT).contains("XPRA_SYSTEM_CONF_DIRS=\"$r/xpra-conf\"")
                .contains("-auth $r/Xauthority").contains(": > \"$r/Xauthority\"").doesNotContain("5760x2560");
    }

    private static List<String> setenvNames(List<String> argv) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i + 1 < argv.size(); i++) {
            if (argv.get(i).equals("--setenv")) {
                names.add(argv.get(i + 1));
            }
        }
        return names;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> r = new ArrayList<>(a);
        r.addAll(b);
        return r;
    }
}
