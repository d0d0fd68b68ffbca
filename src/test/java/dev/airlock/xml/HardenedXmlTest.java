package dev.airlock.xml;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.xml.parsers.DocumentBuilder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HardenedXmlTest {
    private static org.w3c.dom.Document parse(String xml) throws Exception {
        DocumentBuilder b = HardenedXml.factory().newDocumentBuilder();
        b.setErrorHandler(new DefaultHandler());
        return b.parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void externalEntityCannotReadAHostFile(@TempDir Path tmp) throws Exception {
        Path secret = Files.writeString(tmp.resolve("secret"), "host secret");
        assertThatThrownBy(() -> parse("<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \""
                + secret.toUri() + "\">]><a>&x;</a>")).isInstanceOf(SAXException.class);
    }

    @Test
    void entityExpansionBombIsRefusedAtItsDoctype() {
        StringBuilder d = new StringBuilder("<!DOCTYPE a [<!ENTITY e0 \"xxxxxxxxxx\">");
        for (int i = 1; i < 10; i++) {
            d.append("<!ENTITY e").append(i).append(" \"").append(("&e" + (i - 1) + ";").repeat(10)).append("\">");
        }
        assertThatThrownBy(() -> parse(d + "]><a>&e9;</a>")).isInstanceOf(SAXException.class);
    }

    @Test
    void plainDocumentStillParses() throws Exception {
        assertThat(parse("<a b=\"c\"><!-- kept --><d/></a>").getDocumentElement().getAttribute("b")).isEqualTo("c");
    }
}
