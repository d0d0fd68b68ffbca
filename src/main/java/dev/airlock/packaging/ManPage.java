package dev.airlock.packaging;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One command's manual page in roff ({@code man(7)}), written from picocli's model of the command: the same
 * descriptions as its {@code --help}, so the two never drift, and no AsciiDoc step or tool in the build.
 */
final class ManPage {
    private ManPage() {
    }

    /** The page's name: {@code airlock} for the top command, {@code airlock-copy} for {@code airlock copy}. */
    static String name(CommandSpec spec) {
        return spec.qualifiedName("-");
    }

    /** The page of {@code spec}, for the manual of {@code version}. */
    static String render(CommandSpec spec, String version) {
        StringBuilder out = new StringBuilder();
        String name = name(spec);
        out.append(".\\\" Generated from airlock's command model (dev.airlock.packaging); edit the help texts instead.\n");
        out.append(".TH \"").append(escape(name.toUpperCase(Locale.ROOT))).append("\" \"1\" \"\" \"airlock ")
                .append(escape(version)).append("\" \"airlock manual\"\n");
        // Left-aligned and unhyphenated: paths and option names are long words that justification would stretch.
        out.append(".ad l\n.nh\n");
        String[] description = lines(spec.usageMessage().description().length > 0
                ? spec.usageMessage().description() : spec.usageMessage().header());
        out.append(".SH NAME\n").append(escape(name)).append(" \\- ")
                .append(escape(summary(description))).append('\n');
        out.append(".SH SYNOPSIS\n.nf\n");
        String synopsis = new CommandLine.Help(spec, CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF))
                .synopsis(0).stripTrailing();
        for (String line : synopsis.split("\n")) {
            out.append(escapeLine(line.stripTrailing())).append('\n');
        }
        out.append(".fi\n");
        if (description.length > 0) {
            out.append(".SH DESCRIPTION\n");
            paragraphs(out, description);
        }
        List<PositionalParamSpec> params = spec.positionalParameters().stream()
                .filter(p -> !p.hidden()).toList();
        if (!params.isEmpty()) {
            out.append(".SH ARGUMENTS\n");
            for (PositionalParamSpec p : params) {
                out.append(".TP\n\\fI").append(escape(p.paramLabel())).append("\\fR\n");
                paragraphs(out, lines(p.description()));
            }
        }
        List<OptionSpec> options = spec.options().stream().filter(o -> !o.hidden()).toList();
        if (!options.isEmpty()) {
            out.append(".SH OPTIONS\n");
            for (OptionSpec o : options) {
                out.append(".TP\n").append(optionHead(o)).append('\n');
                paragraphs(out, lines(o.description()));
            }
        }
        List<CommandSpec> children = visibleSubcommands(spec);
        if (!children.isEmpty()) {
            out.append(".SH COMMANDS\n");
            for (CommandSpec child : children) {
                out.append(".TP\n\\fB").append(escape(child.name())).append("\\fR\n")
                        .append(escape(summary(lines(child.usageMessage().description().length > 0
                                ? child.usageMessage().description() : child.usageMessage().header()))))
                        .append(" See \\fB")
                        .append(escape(name(child))).append("\\fR(1).\n");
            }
        }
        Map<String, String> exits = spec.usageMessage().exitCodeList();
        if (!exits.isEmpty()) {
            out.append(".SH EXIT STATUS\n");
            for (Map.Entry<String, String> e : exits.entrySet()) {
                out.append(".TP\n\\fB").append(escape(e.getKey().strip())).append("\\fR\n");
                paragraphs(out, lines(new String[] {e.getValue()}));
            }
        }
        String[] footer = lines(spec.usageMessage().footer());
        if (footer.length > 0) {
            out.append(".SH NOTES\n");
            paragraphs(out, footer);
        }
        List<String> seeAlso = new ArrayList<>();
        if (spec.parent() != null) {
            seeAlso.add(name(spec.parent()));
        }
        children.forEach(c -> seeAlso.add(name(c)));
        if (!seeAlso.isEmpty()) {
            out.append(".SH SEE ALSO\n");
            for (int i = 0; i < seeAlso.size(); i++) {
                out.append("\\fB").append(escape(seeAlso.get(i))).append("\\fR(1)")
                        .append(i + 1 < seeAlso.size() ? ",\n" : "\n");
            }
        }
        return out.toString();
    }

    /** The subcommands that get pages: each once (not under its aliases), hidden ones left out. */
    static List<CommandSpec> visibleSubcommands(CommandSpec spec) {
        return spec.subcommands().values().stream().map(CommandLine::getCommandSpec).distinct()
                .filter(c -> !c.usageMessage().hidden()).toList();
    }

    private static String optionHead(OptionSpec o) {
        StringBuilder head = new StringBuilder();
        for (String n : o.names()) {
            if (!head.isEmpty()) {
                head.append(", ");
            }
            head.append("\\fB").append(escape(n)).append("\\fR");
        }
        if (o.typeInfo().isBoolean() || o.arity().max() == 0) {
            return head.toString();
        }
        return head.append("=\\fI").append(escape(o.paramLabel())).append("\\fR").toString();
    }

    /** The first sentence of a description, for NAME and the list of commands. */
    static String summary(String[] description) {
        if (description.length == 0) {
            return "";
        }
        String first = description[0].strip();
        int end = first.indexOf(". ");
        return end < 0 ? first : first.substring(0, end + 1);
    }

    /** picocli's line separators ({@code %n}) and escaped percent signs turned into plain text lines. */
    static String[] lines(String[] described) {
        List<String> out = new ArrayList<>();
        for (String d : described) {
            for (String line : d.replace("%n", "\n").replace("%%", "%").split("\n", -1)) {
                out.add(line);
            }
        }
        while (!out.isEmpty() && out.getLast().isBlank()) {
            out.removeLast();
        }
        return out.toArray(String[]::new);
    }

    private static void paragraphs(StringBuilder out, String[] lines) {
        boolean first = true;
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            if (!first) {
                out.append(".PP\n");
            }
            out.append(escapeLine(line.strip())).append('\n');
            first = false;
        }
    }

    /** A text line: escaped, and never taken for a request (a leading dot or quote). */
    static String escapeLine(String line) {
        String e = escape(line);
        return e.startsWith(".") || e.startsWith("'") ? "\\&" + e : e;
    }

    /** Backslashes and hyphens as roff wants them: a literal backslash, and a minus that copies as {@code -}. */
    static String escape(String text) {
        return text.replace("\\", "\\e").replace("-", "\\-");
    }
}
