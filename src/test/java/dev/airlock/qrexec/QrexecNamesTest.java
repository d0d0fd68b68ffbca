package dev.airlock.qrexec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.qrexec.InvalidNameException.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class QrexecNamesTest {

    @Test
    void serviceCallWithArgumentIsSplitAtThePlus() {
        assertThat(QrexecNames.parseServiceCall("qubes.Filecopy+allow-all-names"))
                .isEqualTo(new ServiceCall("qubes.Filecopy", "allow-all-names"));
    }

    @Test
    void serviceCallWithoutArgumentHasTheEmptyArgument() {
        ServiceCall call = QrexecNames.parseServiceCall("qubes.OpenInVM");
        assertThat(call.argument()).isEmpty();
        assertThat(call.fullName()).isEqualTo("qubes.OpenInVM");
        assertThat(QrexecNames.parseServiceCall("qubes.OpenInVM+")).isEqualTo(call);
    }

    @Test
    void fullNameJoinsServiceAndArgument() {
        assertThat(new ServiceCall("my.Service", "x_1").fullName()).isEqualTo("my.Service+x_1");
    }

    @Test
    void serviceNameWithSlashIsRefused() {
        assertRefused("../../bin/sh", Kind.SERVICE);
        assertRefused("qubes/Filecopy", Kind.SERVICE);
    }

    @Test
    void serviceNameWithNulCannotTruncate() {
        assertRefused("qubes.Filecopy\0evil", Kind.SERVICE);
        assertRefused("qubes.Filecopy+arg\0evil", Kind.ARGUMENT);
    }

    @Test
    void emptyServiceNameIsRefused() {
        assertRefused("", Kind.SERVICE);
        assertRefused("+arg", Kind.SERVICE);
    }

    @Test
    void secondPlusCannotSmuggleAnotherArgument() {
        assertRefused("svc+a+b", Kind.ARGUMENT);
    }

    @Test
    void serviceNameOver255BytesIsRefused() {
        assertThat(QrexecNames.isServiceName("s".repeat(255))).isTrue();
        assertRefused("s".repeat(256), Kind.SERVICE);
    }

    @Test
    void argumentOver255BytesIsRefused() {
        assertThat(QrexecNames.parseServiceCall("svc+" + "a".repeat(255)).argument()).hasSize(255);
        assertRefused("svc+" + "a".repeat(256), Kind.ARGUMENT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"svc name", "svc\tx", "svc\n", "svc;rm", "svc$(x)", "svc*", "svc:x", "svc\\x",
        "svc\u00e9", "svc\u202e", "svc\uff0e"})
    void serviceNameIsNeverRewrittenIntoAnAllowedOne(String name) {
        assertRefused(name, Kind.SERVICE);
        assertRefused("svc+" + name.substring(3), Kind.ARGUMENT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"work", "dom0", "a", "Personal-2", "x.y_z", "abcdefghijklmnopqrstuvwxyz01234"})
    void validDomainNamesAreAccepted(String name) {
        assertThat(QrexecNames.requireDomainName(name)).isEqualTo(name);
        assertThat(QrexecNames.isTarget(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"0day", "_hidden", ".hidden", "-rf"})
    void domainNameStartingWithDigitIsRefused(String name) {
        assertThatThrownBy(() -> QrexecNames.requireDomainName(name))
                .isInstanceOfSatisfying(InvalidNameException.class, e -> assertThat(e.kind()).isEqualTo(Kind.DOMAIN));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abcdefghijklmnopqrstuvwxyz012345", "a/b", "a b", "a+b", "w\u00f6rk", "a\0b"})
    void malformedDomainNameIsRefused(String name) {
        assertThat(QrexecNames.isDomainName(name)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"@default", "@adminvm", "@dispvm", "@dispvm:fedora-dvm", "dom0", "work"})
    void everyRequestableTargetIsAccepted(String target) {
        assertThat(QrexecNames.requireTarget(target)).isEqualTo(target);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "@anyvm", "@dispvm:", "@dispvm:@tag:x", "@dispvm:0x", "@tag:work", "@type:AppVM",
        "*", "@Default", "@dispvm:a:b"})
    void policyOnlyTokensCannotBeRequestedAsTargets(String target) {
        assertThatThrownBy(() -> QrexecNames.requireTarget(target))
                .isInstanceOfSatisfying(InvalidNameException.class, e -> assertThat(e.kind()).isEqualTo(Kind.TARGET));
    }

    @Test
    void refusedNameCannotForgeALogLine() {
        assertThatThrownBy(() -> QrexecNames.parseServiceCall("svc\nALLOWED everything" + "x".repeat(500)))
                .hasMessageNotContaining("\n")
                .hasMessageContaining("\\u000a")
                .message().hasSizeLessThan(300);
    }

    private static void assertRefused(String serviceAndArgument, Kind kind) {
        assertThatThrownBy(() -> QrexecNames.parseServiceCall(serviceAndArgument))
                .isInstanceOfSatisfying(InvalidNameException.class, e -> assertThat(e.kind()).isEqualTo(kind));
    }
}
