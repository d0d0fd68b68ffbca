package dev.airlock.xml;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

/**
 * The one hardening of the JDK's XML parser for files others may have written (the registry, a backup's
 * {@code qubes.xml}, Thunar's {@code uca.xml}): no DOCTYPE at all, which alone rules out entity expansion ("billion
 * laughs") and external entities, no external DTD, schema or XInclude, secure processing on. Callers add only
 * options that do not weaken it (comments, coalescing), each to its own factory.
 */
public final class HardenedXml {
    private HardenedXml() {
    }

    /**
     * A new factory with the hardening set.
     *
     * @throws ParserConfigurationException the JDK's parser refuses a feature: parse nothing then
     */
    public static DocumentBuilderFactory factory() throws ParserConfigurationException {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        f.setFeature("http://xml.org/sax/features/external-general-entities", false);
        f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        f.setXIncludeAware(false);
        f.setExpandEntityReferences(false);
        return f;
    }
}
