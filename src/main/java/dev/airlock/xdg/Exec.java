package dev.airlock.xdg;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An {@code Exec} line split into arguments by the specification's quoting rules (never by a shell), each argument
 * text and field codes. A field code is never text: a value that spells {@code %f} inside quotes is refused by the
 * parser, so it cannot become a code here nor a code become text.
 *
 * @param args the arguments, the program first
 */
public record Exec(List<Arg> args) {
    /** The file codes: each names the file (or files) the application opens. */
    private static final String FILE_CODES = "fFuU";

    public Exec {
        args = List.copyOf(args);
    }

    /** One piece of an argument. */
    public sealed interface Part permits Text, FieldCode {
    }

    /** Literal text ({@code %%} already a {@code %}). */
    public record Text(String text) implements Part {
    }

    /** A field code such as {@code %f}: {@code code} is the letter. */
    public record FieldCode(char code) implements Part {
        /** Whether it names the file to open ({@code %f %F %u %U}). */
        public boolean namesFile() {
            return FILE_CODES.indexOf(code) >= 0;
        }
    }

    /** One argument: its parts in order. */
    public record Arg(List<Part> parts) {
        public Arg {
            parts = List.copyOf(parts);
        }

        boolean hasCode() {
            return parts.stream().anyMatch(FieldCode.class::isInstance);
        }
    }

    /** How many file codes the line holds (the parser allows at most one). */
    public int fileCodes() {
        return (int) args.stream().flatMap(a -> a.parts().stream())
                .filter(p -> p instanceof FieldCode c && c.namesFile()).count();
    }

    /**
     * The command line for {@code file}: {@code %f %F %u %U} become the file (a local path, which the specification
     * allows for URLs too), the other codes are dropped.
     */
    public List<String> argvFor(String file) {
        return expand(Optional.of(file));
    }

    /** The command line that starts the application without a file: every field code dropped. */
    public List<String> argvWithoutFile() {
        return expand(Optional.empty());
    }

    private List<String> expand(Optional<String> file) {
        List<String> argv = new ArrayList<>(args.size());
        for (Arg arg : args) {
            StringBuilder b = new StringBuilder();
            for (Part p : arg.parts()) {
                switch (p) {
                    case Text t -> b.append(t.text());
                    case FieldCode c when c.namesFile() && file.isPresent() -> b.append(file.get());
                    case FieldCode _ -> {
                        // Icon, name, location and the deprecated codes: airlock passes none of them.
                    }
                }
            }
            // An argument that was only dropped codes ("%i") disappears rather than become an empty argument; a
            // quoted "" stays, as the application asked for it.
            if (!b.isEmpty() || !arg.hasCode()) {
                argv.add(b.toString());
            }
        }
        return argv;
    }
}
