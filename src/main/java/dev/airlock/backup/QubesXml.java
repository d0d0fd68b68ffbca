package dev.airlock.backup;

import dev.airlock.xml.HardenedXml;

import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.ParserConfigurationException;

/**
 * The {@code qubes.xml} inside a backup ({@code docs/backup.md} section 8): R4-shaped, with each domain's
 * properties, features and tags, and the {@code backup-content}, {@code backup-path} and {@code backup-size}
 * features that tell a restore what to fetch. Read only after its chunk authenticated; still parsed with no
 * DOCTYPE, no entities and bounded size, and its values are checked by whoever uses them.
 *
 * @param properties the host's properties (for example {@code default_dispvm})
 * @param domains the domains, dom0 first
 */
public record QubesXml(Map<String, String> properties, List<Vm> domains) {

    /** The largest qubes.xml read. */
    public static final int MAX_BYTES = 16 << 20;

    /** Qubes' labels, in their ids' order ({@code label-1} is red). */
    private static final List<String> LABELS = List.of("red", "orange", "yellow", "green", "gray", "blue", "purple",
            "black");
    private static final List<String> COLOURS = List.of("0xcc0000", "0xf57900", "0xedd400", "0x73d216", "0x555753",
            "0x3465a4", "0x75507b", "0x000000");

    public QubesXml {
        properties = Collections.unmodifiableMap(new LinkedHashMap<>(properties));
        domains = List.copyOf(domains);
    }

    /**
     * One domain.
     *
     * @param className {@code AdminVM}, {@code AppVM}, {@code TemplateVM}, {@code DispVM}...
     * @param properties its properties by name; {@code label} holds the label's name
     */
    public record Vm(String className, Map<String, String> properties, Map<String, String> features,
                     SortedSet<String> tags) {
        public Vm {
            properties = Collections.unmodifiableMap(new LinkedHashMap<>(properties));
            features = Collections.unmodifiableMap(new LinkedHashMap<>(features));
            tags = Collections.unmodifiableSortedSet(new TreeSet<>(tags));
        }

        public String name() {
            return properties.get("name");
        }

        /** Whether the backup holds this domain's files. */
        public boolean included() {
            return "1".equals(features.get("backup-content"));
        }
    }

    /** The document's bytes (UTF-8). */
    public byte[] format() {
        StringBuilder b = new StringBuilder("<?xml version='1.0' encoding='UTF-8'?>\n<qubes>\n  <labels>\n");
        for (int i = 0; i < LABELS.size(); i++) {
            b.append("    <label id=\"label-").append(i + 1).append("\" color=\"").append(COLOURS.get(i))
                    .append("\">").append(LABELS.get(i)).append("</label>\n");
        }
        b.append("  </labels>\n  <pools/>\n  <properties>\n");
        properties.forEach((k, v) -> property(b, "    ", k, v));
        b.append("  </properties>\n  <domains>\n");
        for (int i = 0; i < domains.size(); i++) {
            Vm vm = domains.get(i);
            b.append("    <domain id=\"domain-").append(i).append("\" class=\"").append(escape(vm.className()))
                    .append("\">\n      <properties>\n");
            vm.properties().forEach((k, v) -> property(b, "        ", k, v));
            b.append("      </properties>\n      <features>\n");
            vm.features().forEach((k, v) -> b.append("        <feature name=\"").append(escape(k)).append("\">")
                    .append(escape(v)).append("</feature>\n"));
            b.append("      </features>\n      <devices class=\"pci\"/>\n      <tags>\n");
            vm.tags().forEach(t -> b.append("        <tag name=\"").append(escape(t)).append("\"/>\n"));
            b.append("      </tags>\n    </domain>\n");
        }
        b.append("  </domains>\n</qubes>\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void property(StringBuilder b, String indent, String name, String value) {
        b.append(indent).append("<property name=\"").append(escape(name)).append('"');
        int label = name.equals("label") ? LABELS.indexOf(value) : -1;
        if (label >= 0) {
            b.append(" ref=\"label-").append(label + 1).append("\"/>\n");
        } else {
            b.append('>').append(escape(value)).append("</property>\n");
        }
    }

    /**
     * Parses an authenticated qubes.xml.
     *
     * @throws BackupFormatException if it is too big, not well-formed, has a DOCTYPE, or is not R4-shaped
     */
    public static QubesXml parse(byte[] xml) throws BackupFormatException {
        if (xml.length > MAX_BYTES) {
            throw new BackupFormatException("qubes.xml is over " + (MAX_BYTES >> 20) + " MiB");
        }
        Element root;
        try {
            root = builder().parse(new InputSource(new ByteArrayInputStream(xml))).getDocumentElement();
        } catch (SAXException | IOException e) {
            throw new BackupFormatException("qubes.xml is not valid XML: " + e.getMessage());
        }
        if (!root.getTagName().equals("qubes")) {
            throw new BackupFormatException("qubes.xml's root element is <" + root.getTagName() + ">, not <qubes>");
        }
        Map<String, String> labels = new HashMap<>();
        for (Element l : children(child(root, "labels"), "label")) {
            labels.put(l.getAttribute("id"), l.getTextContent().trim());
        }
        Map<String, String> host = properties(child(root, "properties"), labels);
        List<Vm> vms = new ArrayList<>();
        for (Element d : children(child(root, "domains"), "domain")) {
            Map<String, String> features = new LinkedHashMap<>();
            for (Element f : children(child(d, "features"), "feature")) {
                features.put(f.getAttribute("name"), f.getTextContent());
            }
            SortedSet<String> tags = new TreeSet<>();
            for (Element t : children(child(d, "tags"), "tag")) {
                tags.add(t.getAttribute("name"));
            }
            vms.add(new Vm(d.getAttribute("class"), properties(child(d, "properties"), labels), features, tags));
        }
        return new QubesXml(host, vms);
    }

    private static Map<String, String> properties(Element parent, Map<String, String> labels) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Element p : children(parent, "property")) {
            String value = p.hasAttribute("ref") ? labels.getOrDefault(p.getAttribute("ref"), p.getAttribute("ref"))
                    : p.getTextContent();
            out.put(p.getAttribute("name"), value);
        }
        return out;
    }

    private static Element child(Element parent, String name) {
        if (parent == null) {
            return null;
        }
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        if (parent != null) {
            for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && e.getTagName().equals(name)) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static DocumentBuilder builder() throws BackupFormatException {
        try {
            DocumentBuilder b = HardenedXml.factory().newDocumentBuilder();
            b.setErrorHandler(new org.xml.sax.helpers.DefaultHandler());
            return b;
        } catch (ParserConfigurationException e) {
            throw new BackupFormatException("no hardened XML parser: " + e.getMessage());
        }
    }
}
