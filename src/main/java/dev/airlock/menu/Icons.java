package dev.airlock.menu;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.font.GlyphVector;
import java.awt.geom.Rectangle2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Optional;
import javax.imageio.ImageIO;

/**
 * The icons of menu entries, in the domain's label colour so that the menu shows where an application runs: the
 * application's own PNG icon tinted, or, without one, a rounded square in the colour with the name's initial. Runs
 * headless. Only icons of the host's own system folders are ever decoded: a domain's files are never given to an
 * image decoder on the host.
 */
final class Icons {
    /** The size written, in pixels. */
    static final int SIZE = 64;
    /** The largest PNG decoded. */
    static final int MAX_BYTES = 1024 * 1024;
    /** The largest width or height decoded (a small file can claim a huge image). */
    private static final int MAX_SIDE = 1024;

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Icons() {
    }

    /**
     * {@code png} tinted with {@code rgb}: each pixel takes the colour at its own brightness (kept between 35% and
     * 100%, so that a dark icon still shows the colour), its transparency kept. Empty when {@code png} is no PNG
     * airlock decodes.
     */
    static Optional<byte[]> tinted(byte[] png, int rgb) {
        if (png.length > MAX_BYTES || !isPng(png)) {
            return Optional.empty();
        }
        BufferedImage source;
        try {
            var in = ImageIO.createImageInputStream(new ByteArrayInputStream(png));
            var readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return Optional.empty();
            }
            var reader = readers.next();
            try {
                reader.setInput(in, true, true);
                if (reader.getWidth(0) > MAX_SIDE || reader.getHeight(0) > MAX_SIDE) {
                    return Optional.empty();
                }
                source = reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        BufferedImage scaled = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = scaled.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(source, 0, 0, SIZE, SIZE, null);
        g.dispose();
        int r = rgb >> 16 & 0xff;
        int gr = rgb >> 8 & 0xff;
        int b = rgb & 0xff;
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                int p = scaled.getRGB(x, y);
                double light = ((p >> 16 & 0xff) * 0.299 + (p >> 8 & 0xff) * 0.587 + (p & 0xff) * 0.114) / 255;
                double k = 0.35 + 0.65 * light;
                scaled.setRGB(x, y, p & 0xff000000 | (int) (r * k) << 16 | (int) (gr * k) << 8 | (int) (b * k));
            }
        }
        return Optional.of(encode(scaled));
    }

    /** A rounded square in {@code rgb} with the first letter of {@code name}, in white or black, whichever shows. */
    static byte[] generated(String name, int rgb) {
        BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(new Color(rgb));
        g.fill(new RoundRectangle2D.Double(2, 2, SIZE - 4, SIZE - 4, 16, 16));
        String initial = name.isBlank() ? "" : name.strip().substring(0, name.strip().offsetByCodePoints(0, 1))
                .toUpperCase(Locale.ROOT);
        if (!initial.isEmpty()) {
            drawCentred(g, initial, brightness(rgb) > 0.6 ? Color.BLACK : Color.WHITE);
        }
        g.dispose();
        return encode(img);
    }

    private static void drawCentred(Graphics2D g, String text, Color colour) {
        try {
            Font font = new Font(Font.SANS_SERIF, Font.BOLD, 36);
            GlyphVector glyphs = font.createGlyphVector(g.getFontRenderContext(), text);
            Rectangle2D box = glyphs.getVisualBounds();
            g.setColor(colour);
            g.drawGlyphVector(glyphs, (float) ((SIZE - box.getWidth()) / 2 - box.getX()),
                    (float) ((SIZE - box.getHeight()) / 2 - box.getY()));
        } catch (RuntimeException | InternalError | UnsatisfiedLinkError e) {
            // No usable font on this machine: the square alone still carries the colour.
        }
    }

    private static double brightness(int rgb) {
        return ((rgb >> 16 & 0xff) * 0.299 + (rgb >> 8 & 0xff) * 0.587 + (rgb & 0xff) * 0.114) / 255;
    }

    private static boolean isPng(byte[] b) {
        byte[] signature = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        if (b.length < signature.length) {
            return false;
        }
        for (int i = 0; i < signature.length; i++) {
            if (b[i] != signature[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] encode(BufferedImage img) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
