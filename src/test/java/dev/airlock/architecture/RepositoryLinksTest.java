package dev.airlock.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Comments point only into the repository: the design folder beside a checkout (and the specifications in it) is
 * not in a clone, so a comment that sends the reader there sends them nowhere. The rule belongs in the comment, or
 * in {@code docs/}.
 */
class RepositoryLinksTest {
    /** A reference to the folder beside the checkout, however it is spelled. */
    private static final Pattern OUTSIDE = Pattern.compile("\\.\\./shared|(?<![\\w/.-])(?:shared/)?spec/[\\w-]+\\.md"
            + "|/work/shared");

    @Test
    void noSourceCommentLinksOutsideTheRepository() throws IOException {
        List<String> found = new ArrayList<>();
        for (String root : List.of("src/main/java", "src/test/java")) {
            List<Path> files;
            try (Stream<Path> all = Files.walk(Path.of(root))) {
                files = all.filter(p -> p.toString().endsWith(".java")).sorted().toList();
            }
            assertThat(files).as("the sources of %s", root).isNotEmpty();
            for (Path file : files) {
                found.addAll(outsideLinks(file.toString(), Files.readString(file)));
            }
        }
        assertThat(found).isEmpty();
    }

    @Test
    void checkerFindsALinkOutsideInJavadocAndLineCommentsButNotInCode() {
        // Put together here, so that this file does not hold the links it is about.
        String up = "..";
        String spec = "spec";
        String source = String.join("\n",
                "/**",
                " * The rules of " + spec + "/filecopy.md section 3, and " + up + "/shared/design.md.",
                " */",
                "class X {",
                "    // as shared/" + spec + "/pendrive.md says",
                "    String beside = \"" + up + "/shared is beside the checkout\";",
                "    /** The rules of docs/design-notes.md. */",
                "}");
        assertThat(outsideLinks("X.java", source)).containsExactly(
                "X.java:2: spec/filecopy.md", "X.java:2: ../shared", "X.java:5: shared/spec/pendrive.md");
    }

    /** Each link outside the repository in the comments of {@code source}, as {@code NAME:LINE: LINK}. */
    static List<String> outsideLinks(String name, String source) {
        List<String> found = new ArrayList<>();
        String[] lines = source.split("\n", -1);
        boolean inBlock = false;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            String comment;
            if (inBlock) {
                comment = line;
            } else if (line.contains("/*")) {
                comment = line.substring(line.indexOf("/*"));
                inBlock = true;
            } else if (line.strip().startsWith("//")) {
                comment = line;
            } else {
                comment = "";
            }
            if (inBlock && line.contains("*/")) {
                inBlock = false;
            }
            var m = OUTSIDE.matcher(comment);
            while (m.find()) {
                found.add(name + ":" + (i + 1) + ": " + m.group());
            }
        }
        return found;
    }
}
