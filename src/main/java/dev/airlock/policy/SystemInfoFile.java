package dev.airlock.policy;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads domain facts in the shape of Qubes' system info, so that Qubes' own test data can be used:
 * <pre>{"domains": {"NAME": {"type": "AppVM", "tags": ["t1"], "default_dispvm": "NAME" or null,
 *   "template_for_dispvms": true|false, "power_state": "Running"|"Halted", "internal": true|false}}}</pre>
 * Other keys are ignored, except {@code "template"}: for a disposable, the disposable template it was made
 * from (an addition of airlock's, needed by {@code @dispvm:@tag:} in the SOURCE column). The host is the
 * entry of class AdminVM, which must be named {@code dom0}; if there is none, the host is added. The file is
 * read with limits on its size and the number of domains and tags, and any malformed entry is an error.
 */
public final class SystemInfoFile {

    static final int MAX_BYTES = 16 << 20;
    static final int MAX_DOMAINS = 100_000;
    static final int MAX_TAGS = 1_000;

    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(16).maxStringLength(1 << 16).maxNameLength(1 << 10).build())
            .build()).build();

    private SystemInfoFile() {
    }

    /**
     * Reads the file.
     *
     * @throws IOException if it cannot be read or is not valid; the message says where and why
     */
    public static DomainView read(Path file) throws IOException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new IOException(file + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new IOException(file + ": permission denied", e);
        }
        if (bytes.length > MAX_BYTES) {
            throw new IOException(file + ": larger than " + MAX_BYTES + " bytes");
        }
        try {
            return parse(bytes);
        } catch (JacksonException e) {
            throw new IOException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    static DomainView parse(byte[] json) throws IOException {
        JsonNode root = JSON.readTree(json);
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        JsonNode domains = root.get("domains");
        if (domains == null || !domains.isObject()) {
            throw new IllegalArgumentException("expected an object \"domains\"");
        }
        if (domains.size() > MAX_DOMAINS) {
            throw new IllegalArgumentException("more than " + MAX_DOMAINS + " domains");
        }
        List<DomainFacts> facts = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : domains.properties()) {
            facts.add(domain(e.getKey(), e.getValue()));
        }
        return DomainView.of(facts);
    }

    private static DomainFacts domain(String name, JsonNode d) {
        if (!Names.isDomainName(name)) {
            throw new IllegalArgumentException("invalid domain name \"" + name + "\"");
        }
        if (!d.isObject()) {
            throw new IllegalArgumentException("domain " + name + ": expected an object");
        }
        String type = text(d, name, "type", false);
        Set<String> tags = new HashSet<>();
        JsonNode t = d.get("tags");
        if (t != null && !t.isNull()) {
            if (!t.isArray() || t.size() > MAX_TAGS) {
                throw new IllegalArgumentException("domain " + name + ": \"tags\" must be an array of at most "
                        + MAX_TAGS + " strings");
            }
            for (JsonNode tag : t) {
                if (!tag.isTextual()) {
                    throw new IllegalArgumentException("domain " + name + ": \"tags\" must hold strings");
                }
                tags.add(tag.asText());
            }
        }
        String power = text(d, name, "power_state", true);
        return new DomainFacts(name, type, tags, "Running".equals(power), text(d, name, "default_dispvm", true),
                bool(d, name, "template_for_dispvms"), text(d, name, "template", true), bool(d, name, "internal"));
    }

    private static String text(JsonNode d, String name, String key, boolean optional) {
        JsonNode v = d.get(key);
        if (v == null || v.isNull()) {
            if (optional) {
                return null;
            }
            throw new IllegalArgumentException("domain " + name + ": \"" + key + "\" is missing");
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException("domain " + name + ": \"" + key + "\" must be a string");
        }
        return v.asText();
    }

    private static boolean bool(JsonNode d, String name, String key) {
        JsonNode v = d.get(key);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new IllegalArgumentException("domain " + name + ": \"" + key + "\" must be true or false");
        }
        return v.booleanValue();
    }
}
