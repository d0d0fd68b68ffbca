package dev.airlock.menu;

import dev.airlock.domain.Label;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * airlock's entries in the user's application menu: {@code ~/.local/share/applications/airlock-DOMAIN-APP.desktop}
 * and its icon beside the user's other icons. Like the file-manager actions, a file is only replaced or removed when
 * it is airlock's ({@link Installation#isOurs}).
 */
public final class Menu {
    /** The icon themes' folders searched for an application's icon: the host's own, never a domain's. */
    public static final List<Path> ICON_FOLDERS = List.of(Path.of("/usr/share/icons/hicolor"),
            Path.of("/usr/local/share/icons/hicolor"));
    /** The pixmaps folder, the older place of icons. */
    public static final Path PIXMAPS = Path.of("/usr/share/pixmaps");
    private static final List<String> SIZES = List.of("64x64", "48x48", "128x128", "96x96", "72x72", "256x256",
            "32x32");

    private Menu() {
    }

    /** The icon folder of airlock's entries. */
    static Path iconFolder(Installation.Dirs dirs) {
        return dirs.dataHome().resolve("icons/hicolor/64x64/apps");
    }

    /**
     * Writes the entry of {@code app} of {@code domain}, with its icon tinted in {@code label}'s colour, started by
     * {@code launcher}; {@code iconFolders} and {@code pixmaps} are where the application's icon may be.
     */
    public static List<Installation.Change> add(Installation.Dirs dirs, String domain, Label label, AppEntry app,
                                                List<String> launcher, List<Path> iconFolders, Path pixmaps)
            throws IOException {
        String base = MenuEntry.fileName(domain, app.id());
        Path icon = iconFolder(dirs).resolve(base.substring(0, base.length() - ".desktop".length()) + ".png");
        byte[] png = findIcon(app.icon(), iconFolders, pixmaps).flatMap(b -> Icons.tinted(b, label.rgb()))
                .orElseGet(() -> Icons.generated(app.name(), label.rgb()));
        List<Installation.Change> changes = new ArrayList<>();
        changes.add(Installation.writeOurs(icon, marked(png), false));
        changes.add(Installation.writeOurs(dirs.applications().resolve(base),
                MenuEntry.render(domain, app, launcher, icon), false));
        return changes;
    }

    /** Removes the entry of {@code appId} of {@code domain} and its icon, if they are airlock's. */
    public static List<Installation.Change> remove(Installation.Dirs dirs, String domain, String appId)
            throws IOException {
        String base = MenuEntry.fileName(domain, appId);
        List<Installation.Change> changes = new ArrayList<>();
        for (Path p : List.of(dirs.applications().resolve(base),
                iconFolder(dirs).resolve(base.substring(0, base.length() - ".desktop".length()) + ".png"))) {
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                changes.add(Installation.removeOurs(p));
            }
        }
        return changes;
    }

    /** airlock's entries, of every domain. */
    public static List<MenuEntry.Listed> list(Installation.Dirs dirs) throws IOException {
        List<MenuEntry.Listed> entries = new ArrayList<>();
        if (!Files.isDirectory(dirs.applications())) {
            return entries;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dirs.applications(), "airlock-*.desktop")) {
            for (Path p : s) {
                if (Installation.isOurs(p)) {
                    MenuEntry.read(Files.readString(p)).ifPresent(entries::add);
                }
            }
        }
        entries.sort((a, b) -> (a.domain() + "\0" + a.app()).compareTo(b.domain() + "\0" + b.app()));
        return entries;
    }

    /**
     * The PNG of an {@code Icon} value: a name looked up in the icon themes and pixmaps, or an absolute path inside
     * them. Anything else (a path into a home, an SVG) finds nothing, and the entry gets a generated icon.
     */
    static Optional<byte[]> findIcon(String icon, List<Path> iconFolders, Path pixmaps) throws IOException {
        if (icon.isEmpty()) {
            return Optional.empty();
        }
        List<Path> candidates = new ArrayList<>();
        if (icon.startsWith("/")) {
            Path p = Path.of(icon).normalize();
            boolean inside = iconFolders.stream().anyMatch(p::startsWith) || p.startsWith(pixmaps);
            if (inside && icon.endsWith(".png")) {
                candidates.add(p);
            }
        } else if (AppEntry.validId(icon)) {
            for (Path folder : iconFolders) {
                for (String size : SIZES) {
                    candidates.add(folder.resolve(size).resolve("apps").resolve(icon + ".png"));
                }
            }
            candidates.add(pixmaps.resolve(icon + ".png"));
        }
        for (Path p : candidates) {
            if (Files.isRegularFile(p)) {
                try (InputStream in = Files.newInputStream(p)) {
                    byte[] b = in.readNBytes(Icons.MAX_BYTES + 1);
                    if (b.length <= Icons.MAX_BYTES) {
                        return Optional.of(b);
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** {@code png} with a text chunk carrying airlock's marker after its header, so that it is known as airlock's. */
    static byte[] marked(byte[] png) {
        byte[] text = ("Software\0" + FileManagers.MARKER).getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer chunk = ByteBuffer.allocate(12 + text.length);
        chunk.putInt(text.length).put("tEXt".getBytes(StandardCharsets.US_ASCII)).put(text);
        CRC32 crc = new CRC32();
        crc.update(chunk.array(), 4, 4 + text.length);
        chunk.putInt((int) crc.getValue());
        // The signature (8 bytes), then IHDR: length, type, 13 bytes of data, CRC.
        int afterHeader = 8 + 4 + 4 + 13 + 4;
        byte[] out = new byte[png.length + chunk.capacity()];
        System.arraycopy(png, 0, out, 0, afterHeader);
        System.arraycopy(chunk.array(), 0, out, afterHeader, chunk.capacity());
        System.arraycopy(png, afterHeader, out, afterHeader + chunk.capacity(), png.length - afterHeader);
        return out;
    }
}
