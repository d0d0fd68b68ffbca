package dev.airlock.domain;

import dev.airlock.xml.HardenedXml;

import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.w3c.dom.Text;
import org.xml.sax.ErrorHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The registry's file format: one {@code <domain>} element per domain, sorted by name, one value per line, so
 * that the file reads well and two versions diff well:
 * <pre>{@code
 * <domains version="1">
 *   <default_dispvm>default-dvm</default_dispvm>
 *   <domain name="work" class="AppVM">
 *     <uuid>0b6c2f6e-3f1a-4c57-9d55-5a1e8f0e2c11</uuid>
 *     <label>blue</label>
 *     <template>fedora</template>
 *     <default_dispvm>dvm</default_dispvm>
 *     <template_for_dispvms>true</template_for_dispvms>
 *     <autostart>true</autostart>
 *     <gui>false</gui>
 *     <tag>projects</tag>
 *     <maxmem>4096</maxmem>
 *     <maxprocs>512</maxprocs>
 *     <cpu_weight>50</cpu_weight>
 *     <nofile>8192</nofile>
 *     <private_max_size>10737418240</private_max_size>
 *   </domain>
 * </domains>
 * }</pre>
 * Absent values are omitted (booleans when false, {@code gui} when not set, limits when at their
 * {@link ResourceLimits#DEFAULT}, so that a registry written before limits existed reads as one whose domains have
 * the defaults; one written before the global {@code <default_dispvm>} existed reads as one without it). A domain
 * written before domains had a uuid gets one derived from its name ({@link #legacyUuid}): the same at every read,
 * so a sandbox started before is still recognised, and written into the file at its next save. Reading treats the file as
 * untrusted: no DTD, no entities, no XInclude, nothing unknown, every value checked as input from the user would
 * be.
 */
final class RegistryXml {

    static final String VERSION = "1";

    private static final String HEADER = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- The airlock domain registry. airlock rewrites this file whole; change it with airlock prefs. -->
            """;

    private RegistryXml() {
    }

    static byte[] write(Domains domains) {
        StringBuilder b = new StringBuilder(HEADER);
        b.append("<domains version=\"").append(VERSION).append("\">\n");
        if (domains.defaultDispvm() != null) {
            b.append("  <default_dispvm>").append(escape(domains.defaultDispvm())).append("</default_dispvm>\n");
        }
        for (Domain d : domains.all()) {
            b.append("  <domain name=\"").append(escape(d.name())).append("\" class=\"")
                    .append(escape(d.domainClass().typeName())).append("\">\n");
            element(b, "uuid", d.uuid().toString());
            element(b, "label", d.label().labelName());
            element(b, "template", d.template());
            element(b, "default_dispvm", d.defaultDispvm());
            element(b, "template_for_dispvms", d.templateForDispvms() ? "true" : null);
            element(b, "autostart", d.autostart() ? "true" : null);
            element(b, "gui", d.gui() == null ? null : d.gui().toString());
            for (String tag : d.tags()) {
                element(b, "tag", tag);
            }
            limits(b, d.limits());
            b.append("  </domain>\n");
        }
        b.append("</domains>\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void limits(StringBuilder b, ResourceLimits l) {
        ResourceLimits none = ResourceLimits.DEFAULT;
        element(b, "maxmem", l.maxmem() == none.maxmem() ? null : Integer.toString(l.maxmem()));
        element(b, "maxprocs", l.maxprocs() == none.maxprocs() ? null : Integer.toString(l.maxprocs()));
        element(b, "cpu_weight", l.cpuWeight() == none.cpuWeight() ? null : Integer.toString(l.cpuWeight()));
        element(b, "nofile", l.nofile() == none.nofile() ? null : Integer.toString(l.nofile()));
        element(b, "private_max_size", l.privateMaxSize() == none.privateMaxSize() ? null
                : Long.toString(l.privateMaxSize()));
    }

    private static void element(StringBuilder b, String name, String value) {
        if (value != null) {
            b.append("    <").append(name).append('>').append(escape(value)).append("</").append(name).append(">\n");
        }
    }

    /** Escapes for both text and double-quoted attributes. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * Reads a registry.
     *
     * @throws IOException if it is not a valid registry; the message says what is wrong and where, without
     *                     the file's name (the caller adds it)
     */
    static Domains parse(byte[] xml) throws IOException {
        Element root;
        try {
            root = newBuilder().parse(new InputSource(new ByteArrayInputStream(xml))).getDocumentElement();
        } catch (SAXParseException e) {
            throw new IOException("not valid XML (line " + e.getLineNumber() + ", column " + e.getColumnNumber()
                    + "): " + e.getMessage(), e);
        } catch (SAXException e) {
            throw new IOException("not valid XML: " + e.getMessage(), e);
        }
        if (!root.getTagName().equals("domains")) {
            throw new IOException("the root element is <" + root.getTagName() + ">, expected <domains>");
        }
        checkAttributes(root, "<domains>", Set.of("version"));
        if (!root.getAttribute("version").equals(VERSION)) {
            throw new IOException("unsupported registry version \"" + root.getAttribute("version")
                    + "\" (this airlock reads version " + VERSION + ")");
        }
        List<Domain> list = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Set<UUID> uuids = new HashSet<>();
        int index = 0;
        String globalDispvm = null;
        boolean globalSeen = false;
        for (Element e : children(root, "<domains>")) {
            if (e.getTagName().equals("default_dispvm")) {
                // The host's one setting: at most once, a plain domain name, checked against the domains below.
                if (globalSeen) {
                    throw new IOException("the global <default_dispvm> is given twice");
                }
                globalSeen = true;
                checkAttributes(e, "the global <default_dispvm>", Set.of());
                try {
                    globalDispvm = DomainNames.requireName("the global default_dispvm", text(e, "<domains>"));
                } catch (IllegalArgumentException x) {
                    throw new IOException(x.getMessage(), x);
                }
                continue;
            }
            index++;
            if (index > Domains.MAX_DOMAINS) {
                throw new IOException("more than " + Domains.MAX_DOMAINS + " domains");
            }
            Domain d = domain(e, index);
            if (!seen.add(d.name())) {
                throw new IOException("domain " + d.name() + " is listed twice");
            }
            if (!uuids.add(d.uuid())) {
                throw new IOException("domain " + d.name() + ": uuid " + d.uuid() + " belongs to another domain too");
            }
            list.add(d);
        }
        try {
            return Domains.of(list).withDefaultDispvm(globalDispvm);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static Domain domain(Element e, int index) throws IOException {
        String where = "domain #" + index;
        if (!e.getTagName().equals("domain")) {
            throw new IOException(where + ": unknown element <" + e.getTagName() + ">, expected <domain>");
        }
        checkAttributes(e, where, Set.of("name", "class"));
        String name = e.getAttribute("name");
        String problem = DomainNames.nameProblem(name);
        if (problem != null) {
            throw new IOException(where + ": invalid domain name \"" + name + "\": " + problem);
        }
        where = "domain " + name;
        try {
            DomainClass domainClass = DomainClass.of(e.getAttribute("class"));
            Label label = null;
            String template = null;
            String defaultDispvm = null;
            boolean templateForDispvms = false;
            boolean autostart = false;
            Boolean gui = null;
            UUID uuid = null;
            Set<String> seen = new HashSet<>();
            TreeSet<String> tags = new TreeSet<>();
            ResourceLimits limits = ResourceLimits.DEFAULT;
            for (Element p : children(e, where)) {
                String key = p.getTagName();
                checkAttributes(p, where + ": <" + key + ">", Set.of());
                String value = text(p, where);
                if (!key.equals("tag") && !seen.add(key)) {
                    throw new IOException("<" + key + "> is given twice");
                }
                switch (key) {
                    case "uuid" -> uuid = uuid(value);
                    case "label" -> label = Label.of(value);
                    case "template" -> template = DomainNames.requireName("template", value);
                    case "default_dispvm" -> defaultDispvm = DomainNames.requireName("default_dispvm", value);
                    case "template_for_dispvms" -> templateForDispvms = bool(key, value);
                    case "autostart" -> autostart = bool(key, value);
                    case "gui" -> gui = bool(key, value);
                    case "tag" -> {
                        if (!tags.add(value)) {
                            throw new IOException("tag \"" + value + "\" is given twice");
                        }
                    }
                    case "maxmem" -> limits = limits.withMaxmem((int) number(key, value, Integer.MAX_VALUE));
                    case "maxprocs" -> limits = limits.withMaxprocs((int) number(key, value, Integer.MAX_VALUE));
                    case "cpu_weight" -> limits = limits.withCpuWeight((int) number(key, value, Integer.MAX_VALUE));
                    case "nofile" -> limits = limits.withNofile((int) number(key, value, Integer.MAX_VALUE));
                    case "private_max_size" -> limits = limits.withPrivateMaxSize(number(key, value, Long.MAX_VALUE));
                    default -> throw new IOException("unknown element <" + key + ">");
                }
            }
            if (label == null) {
                throw new IOException("no <label>");
            }
            return new Domain(name, domainClass, label, template, defaultDispvm, templateForDispvms, autostart, tags,
                    uuid != null ? uuid : legacyUuid(name), limits, gui);
        } catch (IOException | IllegalArgumentException x) {
            String msg = x.getMessage();
            throw new IOException(msg.startsWith(where) ? msg : where + ": " + msg, x);
        }
    }

    /** Only the canonical form (lower-case, with its hyphens), so that one uuid has one spelling. */
    private static UUID uuid(String value) {
        try {
            UUID u = UUID.fromString(value);
            if (u.toString().equals(value)) {
                return u;
            }
        } catch (IllegalArgumentException e) {
            // Reported below with the value.
        }
        throw new IllegalArgumentException("<uuid>: expected a uuid like 0b6c2f6e-3f1a-4c57-9d55-5a1e8f0e2c11 in "
                + "lower case, found \"" + abbreviate(value) + "\"");
    }

    /** The uuid of a domain from a registry written before uuids: derived from its name, the same at every read. */
    static UUID legacyUuid(String name) {
        return UUID.nameUUIDFromBytes(("airlock domain " + name).getBytes(StandardCharsets.UTF_8));
    }

    /** A decimal number from 0 to {@code max}: digits only, no sign, no spaces, at most 19 of them. */
    private static long number(String key, String value, long max) {
        if (value.isEmpty() || value.length() > 19 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("<" + key + ">: expected a number, found \"" + abbreviate(value)
                    + "\"");
        }
        long n = Long.parseLong(value);
        if (n > max) {
            throw new IllegalArgumentException("<" + key + ">: " + n + " is too large");
        }
        return n;
    }

    private static boolean bool(String key, String value) {
        return switch (value) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("<" + key + ">: expected true or false, found \""
                    + value + "\"");
        };
    }

    private static void checkAttributes(Element e, String where, Set<String> allowed) throws IOException {
        NamedNodeMap attributes = e.getAttributes();
        for (int i = 0; i < attributes.getLength(); i++) {
            String a = attributes.item(i).getNodeName();
            if (!allowed.contains(a)) {
                throw new IOException(where + ": unknown attribute \"" + a + "\"");
            }
        }
        for (String a : allowed) {
            if (!e.hasAttribute(a)) {
                throw new IOException(where + ": no attribute \"" + a + "\"");
            }
        }
    }

    /** The child elements; anything else but blank text (comments are dropped by the parser) is an error. */
    private static List<Element> children(Element parent, String where) throws IOException {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            switch (n) {
                case Element e -> out.add(e);
                case Text t when t.getData().isBlank() -> {
                }
                default -> throw new IOException(where + ": unexpected content \""
                        + abbreviate(n.getTextContent()) + "\"");
            }
        }
        return out;
    }

    private static String text(Element e, String where) throws IOException {
        StringBuilder b = new StringBuilder();
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (!(n instanceof Text t)) {
                throw new IOException(where + ": <" + e.getTagName() + "> may contain only text");
            }
            b.append(t.getData());
        }
        return b.toString();
    }

    private static String abbreviate(String s) {
        String t = s == null ? "" : s.strip();
        return t.length() <= 40 ? t : t.substring(0, 40) + "...";
    }

    /** Configured once: finding and configuring the JDK's parser costs more than parsing a registry. */
    private static final DocumentBuilderFactory FACTORY = hardenedFactory();

    private static DocumentBuilderFactory hardenedFactory() {
        DocumentBuilderFactory f;
        try {
            f = HardenedXml.factory();
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the XML parser cannot be hardened: " + e.getMessage(), e);
        }
        f.setNamespaceAware(false);
        f.setIgnoringComments(true);
        f.setCoalescing(true);
        return f;
    }

    private static DocumentBuilder newBuilder() throws IOException {
        DocumentBuilder builder;
        try {
            // A factory is not thread-safe; the builders it makes are used by one thread each.
            synchronized (FACTORY) {
                builder = FACTORY.newDocumentBuilder();
            }
        } catch (ParserConfigurationException e) {
            throw new IOException("no XML parser: " + e.getMessage(), e);
        }
        builder.setErrorHandler(THROWING);
        return builder;
    }

    /** The default handler prints to stderr; errors must reach the caller as exceptions instead. */
    private static final ErrorHandler THROWING = new ErrorHandler() {
        @Override
        public void warning(SAXParseException e) throws SAXException {
            throw e;
        }

        @Override
        public void error(SAXParseException e) throws SAXException {
            throw e;
        }

        @Override
        public void fatalError(SAXParseException e) throws SAXException {
            throw e;
        }
    };
}
