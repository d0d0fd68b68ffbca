package dev.airlock.dialog;

import javax.swing.SwingUtilities;
import javax.swing.UIManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The trusted dialog's process, which the broker starts as the desktop user ({@code java -cp airlock.jar
 * dev.airlock.dialog.DialogMain}): reads one question as a line of JSON on its input, never on its command line,
 * where the domain-controlled text would be visible to every user's {@code ps}; shows it; writes the answer as one
 * line on its output ({@code allow TARGET} or {@code deny}) and exits. Its input closing (the broker answered the
 * call another way, or went away) ends it without an answer.
 */
public final class DialogMain {
    private DialogMain() {
    }

    public static void main(String[] args) {
        PrintStream out = System.out;
        Question question;
        try {
            question = Question.fromJson(firstLine(System.in));
        } catch (IOException e) {
            System.err.println("airlock dialog: " + e.getMessage());
            System.exit(2);
            return;
        }
        // Enter presses the default button (Deny), never the focused one.
        UIManager.put("Button.defaultButtonFollowsFocus", Boolean.FALSE);
        SwingUtilities.invokeLater(() -> AskWindow.show(question, a -> {
            out.println(a.line());
            out.flush();
            System.exit(out.checkError() ? 1 : 0);
        }));
        try {
            while (System.in.read() >= 0) {
                // The broker writes nothing more; reading only waits for it to close.
            }
        } catch (IOException e) {
            // Unreadable input: as closed.
        }
        System.exit(0);
    }

    /** The first line of {@code in}, at most {@link Question#MAX_JSON} characters' worth of UTF-8. */
    static String firstLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int limit = Question.MAX_JSON * 4;
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new IOException("no question on the input");
            }
            if (line.size() == limit) {
                throw new IOException("the question is longer than " + limit + " bytes");
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }
}
