package dev.airlock.cli;

import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.Domains;
import dev.airlock.domain.Label;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * {@code airlock prefs}: show or change a domain's properties and tags, as {@code qvm-prefs} and {@code qvm-tags};
 * with {@code --global}, the host's global properties, as {@code qubes-prefs}.
 */
@Command(name = "prefs", mixinStandardHelpOptions = true,
        customSynopsis = {"airlock prefs [--home=DIR] NAME [KEY [VALUE]] [--tag-add=TAG]... [--tag-del=TAG]...",
                "airlock prefs [--home=DIR] --global [KEY [VALUE]]"},
        description = {"Show a domain's properties (all, or KEY), or set KEY to VALUE; add or remove tags.",
                "Keys: autostart, class, cpu_weight, default_dispvm, gui, label, maxmem, maxprocs, name, nofile, "
                        + "private_max_size, tags, template, template_for_dispvms, uuid; name, class, tags and uuid "
                        + "cannot be set (tags change with --tag-add and --tag-del; the uuid is the domain's for "
                        + "good, never given to another one).",
                "Values: autostart, gui and template_for_dispvms take true or false; an empty VALUE (or none) clears "
                        + "template and default_dispvm, and gui back to its default. Missing values show as an empty "
                        + "string.",
                "gui: whether the domain shows windows on the desktop that airlock up remembered (default true; "
                        + "a disposable follows its template); applied at its next start.",
                "default_dispvm: the disposable template of the domain's @dispvm calls (qvm-open-in-dvm). A domain "
                        + "without one of its own uses the global default; the listing then shows the value with "
                        + "'(global default)', and 'prefs NAME default_dispvm' prints the value and says so on "
                        + "standard error.",
                "--global (like qubes-prefs): the host's own properties. default_dispvm: the disposable template "
                        + "for open-in-dvm of a host file and for every domain without its own; VALUE must be a "
                        + "disposable template (template_for_dispvms true), empty or none unsets it. airlock demo "
                        + "sets it to default-dvm.",
                "Limits (applied at the domain's next start; 'airlock doctor' tells which hold on this host): "
                        + "maxmem is the memory ceiling in MiB as in Qubes (or a size: 2G), its /tmp, /run and "
                        + "/dev/shm included; maxprocs the most processes and threads; cpu_weight 1 to 10000 "
                        + "(100 is the default share); nofile the most open files per process; private_max_size "
                        + "the most bytes its home may hold (0: no limit; not enforced yet, see airlock doctor)."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:shown or changed", "1:not changed (the error says why)", "2:bad usage"})
final class PrefsCommand implements Callable<Integer> {

    /** Every key, in the alphabetical order in which {@code qvm-prefs} lists them. */
    private static final List<String> KEYS = List.of("autostart", "class", "cpu_weight", "default_dispvm", "gui",
            "label", "maxmem", "maxprocs", "name", "nofile", "private_max_size", "tags", "template",
            "template_for_dispvms", "uuid");

    private static final List<String> SETTABLE = List.of("autostart", "cpu_weight", "default_dispvm", "gui",
            "label", "maxmem", "maxprocs", "nofile", "private_max_size", "template", "template_for_dispvms");

    @Spec
    CommandSpec spec;

    @Mixin
    HomeOption homeOption;

    @Option(names = "--global", description = "Show or set the host's global properties (qubes-prefs) instead of "
            + "a domain's; NAME is then left out.")
    boolean global;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "The domain.")
    String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "KEY", description = "The property to show or set.")
    String key;

    @Parameters(index = "2", arity = "0..1", paramLabel = "VALUE", description = "The value to set.")
    String value;

    @Option(names = "--tag-add", paramLabel = "TAG", description = "Add a tag; may be repeated.")
    List<String> tagsToAdd = new ArrayList<>();

    @Option(names = "--tag-del", paramLabel = "TAG", description = "Remove a tag; may be repeated.")
    List<String> tagsToRemove = new ArrayList<>();

    /** The global properties, in the order {@code qubes-prefs} lists them. */
    private static final List<String> GLOBAL_KEYS = List.of("default_dispvm");

    @Override
    public Integer call() throws IOException {
        if (global) {
            return callGlobal();
        }
        if (name == null) {
            return PolicyCommand.usageError(spec, "NAME is missing (or use --global for the host's properties)");
        }
        boolean tagChange = !tagsToAdd.isEmpty() || !tagsToRemove.isEmpty();
        if (tagChange && key != null) {
            return PolicyCommand.usageError(spec, "--tag-add and --tag-del cannot be combined with KEY");
        }
        if (key != null && !KEYS.contains(key)) {
            return PolicyCommand.usageError(spec, "no such property: " + key + " (properties: "
                    + String.join(", ", KEYS) + ")");
        }
        if (value != null && !SETTABLE.contains(key)) {
            return PolicyCommand.usageError(spec, "property " + key + " cannot be set"
                    + (key.equals("tags") ? "; use --tag-add and --tag-del" : ""));
        }
        if (tagChange) {
            homeOption.registry().update(all -> {
                Domain d = all.require(name);
                TreeSet<String> tags = new TreeSet<>(d.tags());
                tags.addAll(tagsToAdd);
                tags.removeAll(tagsToRemove);
                return all.replace(d.withTags(tags));
            });
        } else if (value != null) {
            homeOption.registry().update(all -> all.replace(changed(all.require(name))));
        } else {
            Map<String, String> props = homeOption.registry().read(all -> properties(all.require(name), all));
            PrintWriter out = spec.commandLine().getOut();
            if (key != null) {
                String shown = props.get(key);
                if (shown.endsWith(GLOBAL_MARK)) {
                    out.println(shown.substring(0, shown.length() - GLOBAL_MARK.length()));
                    out.flush();
                    spec.commandLine().getErr().println("airlock: " + name + " has no default_dispvm of its own: "
                            + "this is the global default (airlock prefs --global default_dispvm)");
                } else {
                    out.println(props.get(key));
                }
            } else {
                int width = props.keySet().stream().mapToInt(String::length).max().orElse(0);
                props.forEach((k, v) -> out.println((k + " ".repeat(width - k.length() + 2) + v).stripTrailing()));
            }
            out.flush();
        }
        return 0;
    }

    /** {@code prefs --global [KEY [VALUE]]}: NAME's place holds KEY, KEY's holds VALUE. */
    private int callGlobal() throws IOException {
        if (!tagsToAdd.isEmpty() || !tagsToRemove.isEmpty()) {
            return PolicyCommand.usageError(spec, "--tag-add and --tag-del are for domains, not --global");
        }
        if (value != null) {
            return PolicyCommand.usageError(spec, "too many arguments: --global takes KEY and VALUE");
        }
        String globalKey = name;
        String globalValue = key;
        if (globalKey != null && !GLOBAL_KEYS.contains(globalKey)) {
            return PolicyCommand.usageError(spec, "no such global property: " + globalKey + " (global properties: "
                    + String.join(", ", GLOBAL_KEYS) + ")");
        }
        if (globalValue != null) {
            String template = globalValue.isEmpty() || globalValue.equals("none") ? null : globalValue;
            homeOption.registry().update(all -> {
                if (template != null) {
                    Domain t = all.get(template).orElseThrow(() -> new IllegalArgumentException(
                            "no such domain: " + template + " (the global default_dispvm must be a disposable "
                                    + "template: airlock create --class DispVM-template NAME)"));
                    if (!t.templateForDispvms()) {
                        throw new IllegalArgumentException(template + " is not a disposable template (set it with: "
                                + "airlock prefs " + template + " template_for_dispvms true)");
                    }
                }
                return all.withDefaultDispvm(template);
            });
            return 0;
        }
        String current = homeOption.registry().read(Domains::defaultDispvm);
        PrintWriter out = spec.commandLine().getOut();
        out.println(globalKey != null ? Objects.requireNonNullElse(current, "")
                : ("default_dispvm  " + Objects.requireNonNullElse(current, "")).stripTrailing());
        out.flush();
        return 0;
    }

    private Domain changed(Domain d) {
        String none = value.isEmpty() || value.equals("none") ? null : value;
        return switch (key) {
            case "label" -> d.withLabel(Label.of(value));
            case "template" -> d.withTemplate(none);
            case "default_dispvm" -> d.withDefaultDispvm(none);
            case "autostart" -> d.withAutostart(bool(value));
            case "gui" -> d.withGui(none == null ? null : bool(value));
            case "template_for_dispvms" -> d.withTemplateForDispvms(bool(value));
            case "maxmem" -> d.withLimits(d.limits().withMaxmem(mebibytes(value)));
            case "maxprocs" -> d.withLimits(d.limits().withMaxprocs(count(value)));
            case "cpu_weight" -> d.withLimits(d.limits().withCpuWeight(count(value)));
            case "nofile" -> d.withLimits(d.limits().withNofile(count(value)));
            case "private_max_size" -> d.withLimits(d.limits().withPrivateMaxSize(none == null ? 0
                    : new SizeConverter().convert(value)));
            default -> throw new IllegalStateException(key);
        };
    }

    /** MiB, as {@code qvm-prefs VM maxmem 4000} means: a plain number, or a size with a unit (a whole MiB). */
    private static int mebibytes(String v) {
        if (isDigits(v)) {
            return count(v);
        }
        long bytes = new SizeConverter().convert(v);
        if (bytes % (1 << 20) != 0 || bytes >> 20 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("maxmem must be a whole number of MiB, not \"" + v + "\"");
        }
        return (int) (bytes >> 20);
    }

    private static int count(String v) {
        if (!isDigits(v) || v.length() > 9) {
            throw new IllegalArgumentException("expected a number, found \"" + v + "\"");
        }
        return Integer.parseInt(v);
    }

    private static boolean isDigits(String v) {
        return !v.isEmpty() && v.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private static boolean bool(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new IllegalArgumentException("expected true or false, found \"" + v + "\"");
        };
    }

    /** What follows a default_dispvm that the domain takes from the global default, in the listing. */
    private static final String GLOBAL_MARK = "  (global default)";

    /**
     * The properties by {@link #KEYS}; a missing value is the empty string, and a default_dispvm taken from the
     * global default ends in {@link #GLOBAL_MARK}.
     */
    private static Map<String, String> properties(Domain d, Domains all) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String k : KEYS) {
            m.put(k, switch (k) {
                case "autostart" -> String.valueOf(d.autostart());
                case "class" -> d.domainClass().typeName();
                case "default_dispvm" -> d.defaultDispvm() != null ? d.defaultDispvm()
                        : all.defaultDispvm() != null ? all.defaultDispvm() + GLOBAL_MARK : "";
                case "gui" -> d.gui() != null ? d.gui().toString()
                        : d.domainClass() == DomainClass.DISP_VM ? "(its template's)" : "true (default)";
                case "label" -> d.label().labelName();
                case "name" -> d.name();
                case "tags" -> String.join(" ", d.tags());
                case "template" -> Objects.requireNonNullElse(d.template(), "");
                case "template_for_dispvms" -> String.valueOf(d.templateForDispvms());
                case "uuid" -> d.uuid().toString();
                case "maxmem" -> String.valueOf(d.limits().maxmem());
                case "maxprocs" -> String.valueOf(d.limits().maxprocs());
                case "cpu_weight" -> String.valueOf(d.limits().cpuWeight());
                case "nofile" -> String.valueOf(d.limits().nofile());
                case "private_max_size" -> String.valueOf(d.limits().privateMaxSize());
                default -> throw new IllegalStateException(k);
            });
        }
        return m;
    }
}
