package dev.airlock.filecopy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Interoperability with the real Qubes programs: their streams unpack here to the recorded tree and reply, and
 * our packer reproduces their streams byte for byte (fixtures/qubes-filecopy/README.md).
 */
class FixtureInteropTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Path fixtures() {
        try {
            return Path.of(FixtureInteropTest.class.getResource("/fixtures/qubes-filecopy").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<String> names() throws IOException {
        try (Stream<Path> s = Files.list(fixtures())) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    private static JsonNode manifest(String name) throws IOException {
        return JSON.readTree(fixtures().resolve(name).resolve("manifest.json").toFile());
    }

    @Test
    void bundledFixturesMatchTheSharedOnes() throws IOException {
        Path shared = Path.of("..", "shared", "fixtures", "qubes-filecopy");
        assumeThat(Files.isDirectory(shared)).as("../shared is beside the checkout").isTrue();
        for (String name : names().toList()) {
            for (String f : List.of("stream.bin", "reply.bin", "manifest.json")) {
                assertThat(fixtures().resolve(name).resolve(f)).as(name + "/" + f)
                        .hasSameBinaryContentAs(shared.resolve(name).resolve(f));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("names")
    void qubesStreamUnpacksToTheRecordedTreeAndReply(String name, @TempDir Path tmp) throws IOException {
        Path dir = fixtures().resolve(name);
        JsonNode m = manifest(name);
        Path dest = tmp.resolve("in");
        Channels2.Capture reply = new Channels2.Capture();

        Reply r = Unpacker.receive(dest, Channels.newChannel(Files.newInputStream(dir.resolve("stream.bin"))),
                reply, Unpacker.Options.defaults());

        assertThat(reply.toByteArray()).as("reply bytes").isEqualTo(Files.readAllBytes(dir.resolve("reply.bin")));
        JsonNode expected = m.get("reply");
        assertThat(r.errorCode()).isEqualTo(expected.get("error_code").asInt());
        assertThat(r.lastNameText()).isEqualTo(expected.get("last_name").asText());
        Set<String> seen = new HashSet<>();
        for (JsonNode h : m.get("headers_in_stream_order")) {
            String path = h.get("path").asText();
            if (!seen.add(path)) {
                continue;
            }
            Path p = dest.resolve(path);
            if (r.errorCode() != 0 && h.has("target") && path.equals("s/ln")) {
                assertThat(p).as("refused link").doesNotExist();
                assertThat(Files.exists(p, LinkOption.NOFOLLOW_LINKS)).isFalse();
                continue;
            }
            checkEntry(p, h, r.errorCode() == 0);
        }
        try (Stream<Path> all = Files.walk(dest)) {
            assertThat(all.count() - 1).as("nothing beyond the manifest").isEqualTo(seen.size()
                    - (r.errorCode() == 0 ? 0 : 1));
        }
    }

    private static void checkEntry(Path p, JsonNode h, boolean completed) throws IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        String type = h.get("type").asText();
        switch (type) {
            case "file" -> {
                assertThat(a.isRegularFile()).isTrue();
                assertThat(a.lastAccessTime()).as("atime " + p).isEqualTo(time(h.get("atime")));
                assertThat(a.lastModifiedTime()).as("mtime " + p).isEqualTo(time(h.get("mtime")));
                assertThat(mode(p)).isEqualTo(Integer.parseInt(h.get("mode").asText().substring(2), 8));
                assertThat(Files.readAllBytes(p)).isEqualTo(Base64.getDecoder().decode(h.get("content_base64").asText()));
            }
            case "dir" -> {
                assertThat(a.isDirectory()).isTrue();
                if (completed) {
                    assertThat(a.lastModifiedTime()).as("mtime " + p).isEqualTo(time(h.get("mtime")));
                    assertThat(mode(p)).isEqualTo(Integer.parseInt(h.get("mode").asText().substring(2), 8));
                } else {
                    assertThat(mode(p)).as("a directory whose second header never came stays private")
                            .isEqualTo(0700);
                }
            }
            case "symlink" -> {
                assertThat(a.isSymbolicLink()).isTrue();
                assertThat(Files.readSymbolicLink(p).toString()).isEqualTo(h.get("target").asText());
            }
            default -> throw new AssertionError(type);
        }
    }

    @ParameterizedTest
    @MethodSource("names")
    void ourPackerReproducesTheQubesStream(String name, @TempDir Path tmp) throws IOException {
        Path dir = fixtures().resolve(name);
        JsonNode m = manifest(name);
        buildTree(tmp, m);
        List<String> args = new ArrayList<>();
        for (JsonNode a : m.get("arguments")) {
            args.add(tmp.resolve(a.asText()).toString());
        }
        Channels2.Capture out = new Channels2.Capture();
        var replyIn = Channels2.after(out.closed, Files.readAllBytes(dir.resolve("reply.bin")));

        if (m.get("reply").get("error_code").asInt() == 0) {
            Packer.Result r = Packer.send(args, out, replyIn, Packer.Options.defaults());
            assertThat(r.reply().lastNameText()).isEqualTo(m.get("reply").get("last_name").asText());
        } else {
            assertThatThrownBy(() -> Packer.send(args, out, replyIn, Packer.Options.defaults()))
                    .isInstanceOf(TransferException.class)
                    .hasMessageContaining(m.get("reply").get("last_name").asText());
        }
        assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(dir.resolve("stream.bin")));
    }

    /** Creates the manifest's tree under {@code root}, children before the modes and times of their parents. */
    private static void buildTree(Path root, JsonNode m) throws IOException {
        List<JsonNode> firsts = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (JsonNode h : m.get("headers_in_stream_order")) {
            if (seen.add(h.get("path").asText())) {
                firsts.add(h);
            }
        }
        for (JsonNode h : firsts) {
            Path p = root.resolve(h.get("path").asText());
            switch (h.get("type").asText()) {
                case "dir" -> Files.createDirectories(p);
                case "file" -> Files.write(p, Base64.getDecoder().decode(h.get("content_base64").asText()));
                case "symlink" -> Files.createSymbolicLink(p, Path.of(h.get("target").asText()));
                default -> throw new AssertionError();
            }
        }
        for (JsonNode h : firsts.reversed()) {
            Path p = root.resolve(h.get("path").asText());
            if (!h.get("type").asText().equals("symlink")) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms(h.get("mode").asText())));
            }
            Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(time(h.get("mtime")), time(h.get("atime")), null);
        }
    }

    private static String perms(String octal) {
        int mode = Integer.parseInt(octal.substring(2), 8);
        StringBuilder b = new StringBuilder();
        for (int shift = 6; shift >= 0; shift -= 3) {
            int bits = mode >> shift;
            b.append((bits & 4) != 0 ? 'r' : '-').append((bits & 2) != 0 ? 'w' : '-').append((bits & 1) != 0 ? 'x' : '-');
        }
        return b.toString();
    }

    private static FileTime time(JsonNode secNsec) {
        return FileTime.from(Instant.ofEpochSecond(secNsec.get(0).asLong(), secNsec.get(1).asLong()));
    }

    static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    @Test
    void streamSplitIntoTinyReadsGivesTheSameReply(@TempDir Path tmp) throws IOException {
        for (String name : names().toList()) {
            byte[] stream = Files.readAllBytes(fixtures().resolve(name).resolve("stream.bin"));
            Channels2.Capture reply = new Channels2.Capture();
            Unpacker.receive(tmp.resolve(name), new UnpackHarness.TrickleChannel(stream, 7), reply, Unpacker.Options.defaults());
            assertThat(reply.toByteArray()).as(name)
                    .isEqualTo(Files.readAllBytes(fixtures().resolve(name).resolve("reply.bin")));
        }
    }

    @Test
    void replyEncodingMatchesQubesBytes() throws IOException {
        byte[] bytes = Files.readAllBytes(fixtures().resolve("badlink").resolve("reply.bin"));
        Reply r = ReplyReader.read(Channels.newChannel(new java.io.ByteArrayInputStream(bytes)));
        assertThat(r.errorCode()).isEqualTo(67);
        assertThat(r.crc32()).isEqualTo(0x8c150065L);
        assertThat(new String(r.lastName(), StandardCharsets.UTF_8)).isEqualTo("../../outside.txt");
        assertThat(r.encode()).isEqualTo(bytes);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(fixtures().resolve("empty").resolve("stream.bin")));
        FileHeader h = FileHeader.decode(b);
        ByteBuffer again = ByteBuffer.allocate(FileHeader.SIZE);
        h.encode(again);
        assertThat(again.array()).isEqualTo(java.util.Arrays.copyOf(b.array(), FileHeader.SIZE));
    }
}
