package dev.airlock.keystore;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class KeyPathPropertyTest {

    @Provide
    Arbitrary<String> hostilePaths() {
        Arbitrary<String> parts = Arbitraries.oneOf(Arbitraries.of("..", ".", "", "3", "4", "local", "domain",
                "x\u0000", "a b", "%2e%2e", "\u00e9"), Arbitraries.strings().withChars("/.a3").ofMaxLength(6));
        return parts.list().ofMaxSize(8).map(l -> "/local/domain/3/" + String.join("/", l));
    }

    /** Whatever a domain sends, an accepted path stays in its subtree and has no dot components. */
    @Property(tries = 2000)
    void acceptedDomainPathsStayInTheSubtree(@ForAll("hostilePaths") String path) {
        KeyStore store = new KeyStore(Limits.DEFAULT);
        try {
            store.write(Principal.domain(3), path, "v");
        } catch (KeyStoreException e) {
            assertThat(e.reason()).isIn(KeyStoreException.Reason.INVALID_PATH, KeyStoreException.Reason.PERMISSION);
            return;
        }
        KeyPath p = KeyPath.parse(path, Limits.DEFAULT);
        assertThat(p.isWithin(new KeyPath("/local/domain/3"))).isTrue();
        assertThat(p.components()).doesNotContain("..", ".", "");
        assertThat(store.read(Principal.host(), path)).contains("v");
    }

    @Property(tries = 2000)
    void anyStringParsesOrFailsWithAKeyStoreException(@ForAll String text) {
        try {
            KeyPath p = KeyPath.parse(text, Limits.DEFAULT);
            assertThat(p.text()).isEqualTo(text).startsWith("/");
        } catch (KeyStoreException e) {
            assertThat(e.reason()).isEqualTo(KeyStoreException.Reason.INVALID_PATH);
        }
    }
}
