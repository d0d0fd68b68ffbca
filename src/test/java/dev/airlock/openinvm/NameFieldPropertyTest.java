package dev.airlock.openinvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/** Properties of {@link NameField}: whatever arrives, the result is a safe base name or a refusal. */
class NameFieldPropertyTest {

    @Property(tries = 2000)
    void anyFieldDecodesToASafeNameOrIsRefused(@ForAll @Size(256) byte[] field) {
        try {
            NameField n = NameField.decode(field);
            assertThat(n.name()).matches("[0-9A-Za-z._+@-]{1,255}").isNotIn(".", "..");
        } catch (NameField.InvalidNameException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Property(tries = 2000)
    void nulTerminatedNamesDecodeUnlessTheyHoldASlash(@ForAll("names") byte[] name) {
        byte[] field = Arrays.copyOf(name, NameField.SIZE);
        boolean slash = false;
        for (byte b : name) {
            slash |= b == '/';
        }
        try {
            NameField n = NameField.decode(field);
            assertThat(slash).isFalse();
            assertThat(n.name().length()).isLessThanOrEqualTo(name.length);
        } catch (NameField.InvalidNameException e) {
            boolean dots = Arrays.equals(name, ".".getBytes()) || Arrays.equals(name, "..".getBytes())
                    || new String(name).matches("view-only-\\.{0,2}");
            assertThat(slash || dots).as(e.getMessage()).isTrue();
        }
    }

    @Property(tries = 2000)
    void encodeThenDecodeKeepsSafeNamesAndTheirTail(@ForAll("safeNames") String name, @ForAll boolean viewOnly)
            throws Exception {
        NameField n = NameField.decode(NameField.encode(name.getBytes(), viewOnly));
        assertThat(n.viewOnly()).isEqualTo(viewOnly);
        int room = 255 - (viewOnly ? NameField.VIEW_ONLY_PREFIX.length() : 0);
        String expected = name.length() > room ? name.substring(name.length() - room) : name;
        if (!viewOnly && expected.startsWith(NameField.VIEW_ONLY_PREFIX)) {
            expected = "view_" + expected.substring(5);
        }
        assertThat(n.name()).isEqualTo(expected);
    }

    @Provide
    Arbitrary<byte[]> names() {
        return Arbitraries.bytes().filter(b -> b != 0).array(byte[].class).ofMinSize(1).ofMaxSize(255);
    }

    @Provide
    Arbitrary<String> safeNames() {
        // Ending in a letter, so that no tail the client keeps is "." or "..".
        Arbitrary<String> names = Arbitraries.strings().withChars("abcXYZ019._+@-").ofMinLength(0).ofMaxLength(400)
                .map(s -> s + "a");
        return Arbitraries.oneOf(names, names.map(s -> NameField.VIEW_ONLY_PREFIX + s));
    }
}
