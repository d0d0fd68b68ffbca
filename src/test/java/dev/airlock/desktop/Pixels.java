package dev.airlock.desktop;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HexFormat;
import javax.imageio.ImageIO;

/** Reads colours out of screenshots. */
public final class Pixels {
    private Pixels() {
    }

    /** {@code #rrggbb} of an ARGB pixel. */
    public static String hex(int argb) {
        return "#" + HexFormat.of().toHexDigits(argb & 0xffffff).substring(2);
    }

    /** How many pixels of {@code image} have exactly the colour {@code rgb}. */
    public static long count(BufferedImage image, int rgb) {
        long n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xffffff) == rgb) {
                    n++;
                }
            }
        }
        return n;
    }

    /** How many pixels in the rectangle are dark (all channels below 0x60): glyphs on a light background. */
    public static long dark(BufferedImage image, int x0, int y0, int width, int height) {
        long n = 0;
        for (int y = Math.max(0, y0); y < Math.min(image.getHeight(), y0 + height); y++) {
            for (int x = Math.max(0, x0); x < Math.min(image.getWidth(), x0 + width); x++) {
                int p = image.getRGB(x, y);
                if (((p >> 16) & 0xff) < 0x60 && ((p >> 8) & 0xff) < 0x60 && (p & 0xff) < 0x60) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Reads a PNG. */
    public static BufferedImage read(Path png) throws IOException {
        BufferedImage image = ImageIO.read(png.toFile());
        if (image == null) {
            throw new IOException("not an image: " + png);
        }
        return image;
    }
}
