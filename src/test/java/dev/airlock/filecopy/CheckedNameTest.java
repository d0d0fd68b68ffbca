package dev.airlock.filecopy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.airlock.sys.Errno;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/** The checked types {@link Name} and {@link LinkTarget}: what a sender can do with them is only what the rules allow. */
class CheckedNameTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aNameCannotBeAlteredAfterItsCheck() throws Refusal {
        byte[] raw = utf8("dir/file");
        Name name = Name.check(raw, false);
        raw[3] = '/';
        raw[4] = '.';
        raw[5] = '.';
        assertThat(name.bytes()).isEqualTo(utf8("dir/file"));
        byte[] out = name.bytes();
        out[0] = '/';
        assertThat(name.bytes()).isEqualTo(utf8("dir/file"));
    }

    @Test
    void aRefusedNameIsATypedRefusalNotAName() {
        for (String bad : new String[] {"", "/abs", "a/../b", "a//b", "..", "a/."}) {
            assertThatThrownBy(() -> Name.check(utf8(bad), true)).as(bad)
                    .isInstanceOfSatisfying(Refusal.class, r -> assertThat(r.code).isEqualTo(Errno.EILSEQ));
        }
    }

    @Test
    void aLinkTargetThatClimbsOutIsRefusedNamingTheTarget() throws Refusal {
        Name link = Name.check(utf8("s/ln"), false);
        assertThatThrownBy(() -> LinkTarget.check(link, utf8("../x"), false))
                .isInstanceOfSatisfying(Refusal.class, r -> {
                    assertThat(r.code).isEqualTo(Errno.ENOLINK);
                    assertThat(r.lastName).isEqualTo(utf8("../x"));
                });
        LinkTarget inside = LinkTarget.check(Name.check(utf8("a/b/ln"), false), utf8("../x"), false);
        assertThat(inside.bytes()).isEqualTo(utf8("../x"));
    }

    @Property(tries = 500)
    void theFolderOfACheckedNameIsACheckedName(@ForAll @Chars({'a', '/', '.', '\u00e9', '\u202e'})
                                               @StringLength(max = 12) String s) {
        Optional<Name> name;
        try {
            name = Optional.of(Name.check(utf8(s), false));
        } catch (Refusal r) {
            name = Optional.empty();
        }
        for (Optional<Name> n = name; n.isPresent(); n = n.get().parent()) {
            assertThat(NameRules.checkName(n.get().bytes(), false)).isEqualTo(NameRules.OK);
            assertThat(NameRules.checkName(n.get().base(), false)).isEqualTo(NameRules.OK);
        }
    }
}
