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

    /** How many pixels inside the window {@code g} have exactly the colour {@code rgb}. */
    public static long count(BufferedImage image, int rgb, TestDisplay.Geometry g) {
        long n = 0;
        for (int y = Math.max(0, g.y()); y < Math.min(image.getHeight(), g.y() + g.height()); y++) {
            for (int x = Math.max(0, g.x()); x < Math.min(image.getWidth(), g.x() + g.width()); x++) {
                if ((image.getRGB(x, y) & 0xffffff) == rgb) {
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
