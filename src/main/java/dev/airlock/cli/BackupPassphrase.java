package dev.airlock.cli;

import dev.airlock.backup.KeyStrings;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** The passphrase of {@code airlock backup} and {@code airlock restore}. */
final class BackupPassphrase {

    private BackupPassphrase() {
    }

    /**
     * The passphrase: the first line of {@code file} ({@code -} for standard input) without trailing whitespace,
     * as {@code qvm-backup -p} reads it; else asked on the terminal ({@code twice} for a new backup).
     */
    static String read(String file, boolean twice) throws IOException {
        String passphrase;
        if (file != null) {
            try (Reader r = file.equals("-") ? new InputStreamReader(System.in, StandardCharsets.UTF_8)
                    : Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
                String line = new BufferedReader(r).readLine();
                passphrase = line == null ? "" : line.stripTrailing();
            }
        } else {
            Console console = System.console();
            if (console == null) {
                throw new IOException("no terminal to ask for the passphrase: use --passphrase-file FILE (or - for "
                        + "standard input)");
            }
            passphrase = ask(console, "Backup passphrase: ");
            if (twice && !passphrase.equals(ask(console, "Again: "))) {
                throw new IOException("the passphrases differ");
            }
        }
        try {
            return KeyStrings.requirePassphrase(passphrase);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static String ask(Console console, String prompt) {
        char[] p = console.readPassword(prompt);
        String s = p == null ? "" : new String(p);
        if (p != null) {
            Arrays.fill(p, '\0');
        }
        return s;
    }
}
