package dev.airlock.agent;

import dev.airlock.filecopy.ConflictMode;
import dev.airlock.filecopy.Destinations;
import dev.airlock.log.Log;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The receiving domain's own choices for incoming copies, read from its home on every call (so a change applies to
 * the next copy): {@code ~/.config/airlock/incoming-conflicts} holds {@code fail} (the default, as Qubes),
 * {@code skip} or {@code rename}; {@code ~/.config/airlock/incoming-destinations} lists, one a line, folders
 * relative to the home that senders may name with {@code --to ~/FOLDER} ({@code #} starts a comment). Nothing a
 * sender sends can change either: a sender writes only below the folders these name, and a listed folder cannot
 * have a hidden component, so no copy can reach {@code ~/.config}.
 *
 * <p>A file that cannot be read or does not parse fails closed (conflicts fail, no extra destination) with a line
 * on the agent's own error output; the sender is never told about the receiver's settings.
 *
 * @param conflicts    what to do with a taken name
 * @param destinations folders under the home a sender may ask for
 */
record IncomingSettings(ConflictMode conflicts, List<String> destinations) {
    private static final System.Logger LOG = Log.of("airlock agent");
    static final String CONFLICTS_FILE = ".config/airlock/incoming-conflicts";
    static final String DESTINATIONS_FILE = ".config/airlock/incoming-destinations";
    /** Larger files are not settings. */
    private static final long MAX_FILE = 64 * 1024;
    private static final int MAX_DESTINATIONS = 256;

    IncomingSettings {
        destinations = List.copyOf(destinations);
    }

    static IncomingSettings load(Path home) {
        return new IncomingSettings(conflicts(home), destinations(home));
    }

    private static ConflictMode conflicts(Path home) {
        try {
            String text = read(home.resolve(CONFLICTS_FILE));
            return text == null ? ConflictMode.FAIL : ConflictMode.parse(text);
        } catch (IOException | IllegalArgumentException e) {
            warn(CONFLICTS_FILE, e);
            return ConflictMode.FAIL;
        }
    }

    private static List<String> destinations(Path home) {
        try {
            String text = read(home.resolve(DESTINATIONS_FILE));
            if (text == null) {
                return List.of();
            }
            List<String> out = new ArrayList<>();
            for (String line : text.split("\n")) {
                String folder = line.strip();
                if (folder.isEmpty() || folder.startsWith("#")) {
                    continue;
                }
                while (folder.endsWith("/") && folder.length() > 1) {
                    folder = folder.substring(0, folder.length() - 1);
                }
                Destinations.allowedFolderCheck(folder);
                out.add(folder);
                if (out.size() > MAX_DESTINATIONS) {
                    throw new IllegalArgumentException("more than " + MAX_DESTINATIONS + " folders");
                }
            }
            return out;
        } catch (IOException | IllegalArgumentException e) {
            warn(DESTINATIONS_FILE, e);
            return List.of();
        }
    }

    /** The file's text, or {@code null} when there is none. */
    private static String read(Path file) throws IOException {
        if (Files.notExists(file, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        try {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) > MAX_FILE) {
                throw new IOException("not a small regular file");
            }
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static void warn(String file, Exception e) {
        LOG.log(Level.WARNING, "ignoring ~/" + file + " (" + e.getMessage() + "): incoming copies use"
                + " the defaults");
    }
}
