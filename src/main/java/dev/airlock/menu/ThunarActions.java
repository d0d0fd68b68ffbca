package dev.airlock.menu;

import dev.airlock.xml.HardenedXml;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/**
 * Thunar's custom actions file ({@code ~/.config/Thunar/uca.xml}), which the user may have filled with actions of
 * their own: airlock's actions are added and removed by their {@code unique-id} (starting {@value #ID_PREFIX}), every
 * other node is kept as it was. A file that does not parse as Thunar's format is never rewritten: the change is
 * refused, so that a user's actions cannot be lost to a guess.
 */
final class ThunarActions {
    /** The start of the unique-id of airlock's actions. */
    static final String ID_PREFIX = "airlock-";
    /** The largest {@code uca.xml} read. */
    static final int MAX_BYTES = 1024 * 1024;
    /** Thunar's own empty file. */
    private static final String EMPTY = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<actions>\n</actions>\n";

    private ThunarActions() {
    }

    /** A {@code uca.xml} that cannot be changed safely; the message says why. */
    static final class UnreadableFileException extends Exception {
        private static final long serialVersionUID = 1L;

        UnreadableFileException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * {@code current} (null: no file yet) with airlock's actions replaced by {@code actions} (none: removed), running
     * their scripts under {@code dataHome}. Returns {@code current} itself when nothing changes.
     */
    static String merge(String current, List<FileAction> actions, Path dataHome) throws UnreadableFileException {
        if (current == null && actions.isEmpty()) {
            return null;
        }
        Document doc = parse(current == null ? EMPTY : current);
        Element root = doc.getDocumentElement();
        boolean removed = false;
        for (Element action : children(root, "action")) {
            if (isOurs(action)) {
                Node before = action.getPreviousSibling();
                if (before != null && isBlank(before)) {
                    root.removeChild(before);
                }
                root.removeChild(action);
                removed = true;
            }
        }
        if (!removed && actions.isEmpty()) {
            return current;
        }
        while (root.getLastChild() != null && isBlank(root.getLastChild())) {
            root.removeChild(root.getLastChild());
        }
        for (FileAction a : actions) {
            root.appendChild(doc.createTextNode("\n"));
            root.appendChild(action(doc, a, dataHome));
        }
        root.appendChild(doc.createTextNode("\n"));
        String merged = write(doc);
        return merged.equals(current) ? current : merged;
    }

    /** The unique-ids of airlock's actions in {@code current}. */
    static List<String> ourIds(String current) throws UnreadableFileException {
        List<String> ids = new ArrayList<>();
        for (Element action : children(parse(current).getDocumentElement(), "action")) {
            if (isOurs(action)) {
                ids.add(uniqueId(action));
            }
        }
        return ids;
    }

    private static Element action(Document doc, FileAction a, Path dataHome) {
        Element action = doc.createElement("action");
        add(doc, action, "icon", a.icon());
        add(doc, action, "name", a.label());
        add(doc, action, "submenu", "");
        add(doc, action, "unique-id", ID_PREFIX + a.id());
        // Thunar replaces %F by each path through g_shell_quote, then splits the line as a shell would.
        add(doc, action, "command", Quoting.shell(FileManagers.scriptPath(dataHome, a).toString()) + " %F");
        add(doc, action, "description", a.label() + " (" + FileManagers.MARKER + ")");
        add(doc, action, "range", "");
        add(doc, action, "patterns", "*");
        if (a.directories()) {
            add(doc, action, "directories", null);
        }
        for (String kind : List.of("audio-files", "image-files", "other-files", "text-files", "video-files")) {
            add(doc, action, kind, null);
        }
        action.appendChild(doc.createTextNode("\n"));
        return action;
    }

    private static void add(Document doc, Element parent, String name, String text) {
        parent.appendChild(doc.createTextNode("\n\t"));
        Element e = doc.createElement(name);
        if (text != null && !text.isEmpty()) {
            e.setTextContent(text);
        }
        parent.appendChild(e);
    }

    private static boolean isOurs(Element action) {
        return uniqueId(action).startsWith(ID_PREFIX);
    }

    private static String uniqueId(Element action) {
        List<Element> ids = children(action, "unique-id");
        return ids.isEmpty() ? "" : ids.getFirst().getTextContent().strip();
    }

    private static boolean isBlank(Node n) {
        return n.getNodeType() == Node.TEXT_NODE && n.getNodeValue().isBlank();
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                found.add(e);
            }
        }
        return found;
    }

    private static Document parse(String text) throws UnreadableFileException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_BYTES) {
            throw new UnreadableFileException("larger than " + MAX_BYTES + " bytes");
        }
        Document doc;
        try {
            // No DTD and no entity of any kind: Thunar writes none, and an entity could read other files.
            DocumentBuilder b = HardenedXml.factory().newDocumentBuilder();
            b.setErrorHandler(null);
            doc = b.parse(new ByteArrayInputStream(bytes));
        } catch (SAXException | IOException e) {
            throw new UnreadableFileException("not well-formed XML (" + e.getMessage() + ")");
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException(e);
        }
        if (!doc.getDocumentElement().getTagName().equals("actions")) {
            throw new UnreadableFileException("its root element is <" + doc.getDocumentElement().getTagName()
                    + ">, not <actions>");
        }
        return doc;
    }

    private static String write(Document doc) {
        try {
            doc.setXmlStandalone(true);
            TransformerFactory f = TransformerFactory.newInstance();
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_STYLESHEET, "");
            Transformer t = f.newTransformer();
            t.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            t.setOutputProperty(OutputKeys.INDENT, "no");
            StringWriter w = new StringWriter();
            t.transform(new DOMSource(doc), new StreamResult(w));
            String xml = w.toString();
            // The declaration on its own line, as Thunar writes it.
            int end = xml.indexOf("?>");
            if (xml.startsWith("<?xml") && end > 0 && xml.charAt(end + 2) != '\n') {
                xml = xml.substring(0, end + 2) + "\n" + xml.substring(end + 2);
            }
            return xml.endsWith("\n") ? xml : xml + "\n";
        } catch (TransformerException e) {
            throw new IllegalStateException(e);
        }
    }
}
