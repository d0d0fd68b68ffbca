package dev.airlock.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.policy.Decision;
import dev.airlock.domain.Registry;
import dev.airlock.policy.DomainView;
import dev.airlock.policy.Policy;
import dev.airlock.policy.PolicyError;
import dev.airlock.policy.PolicyLocation;
import dev.airlock.policy.Request;
import dev.airlock.policy.RuleRef;
import dev.airlock.policy.SystemInfoFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code airlock policy}: check the qrexec policy, decide a call with it, list its rules. */
@Command(name = "policy",
        mixinStandardHelpOptions = true,
        description = {
                "Check, query and list the qrexec policy: the rules that decide every call between domains.",
                "The policy is the *.policy files in $AIRLOCK_CONFIG/policy.d, or else in "
                        + "$XDG_CONFIG_HOME/airlock/policy.d (~/.config/airlock/policy.d); the default policy "
                        + "is installed there when the folder does not exist."},
        subcommands = {PolicyCommand.Lint.class, PolicyCommand.Eval.class, PolicyCommand.Show.class})
final class PolicyCommand implements Callable<Integer> {

    /** Exit code of {@code eval} for a denied call, as qrexec returns it. */
    static final int EXIT_DENIED = 126;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Main.EXIT_USAGE;
    }

    /** The policy folder: the one given, or the user's, with the default policy installed on first use. */
    static Path policyDir(Path given) throws IOException {
        if (given != null) {
            return given;
        }
        Path dir = PolicyLocation.directory(Invocation.current().env());
        PolicyLocation.installDefaultIfMissing(dir);
        return dir;
    }

    static int usageError(CommandSpec spec, String message) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("ERROR: " + Messages.safe(message));
        spec.commandLine().usage(err);
        return Main.EXIT_USAGE;
    }

    static void printErrors(PrintWriter err, Policy policy) {
        for (PolicyError e : policy.errors()) {
            err.println("ERROR: " + Messages.safe(e.toString()));
        }
    }

    @Command(name = "lint", mixinStandardHelpOptions = true,
            description = "Check the policy files and list every error. While the policy has an error, "
                    + "every call is denied.",
            exitCodeListHeading = "Exit codes:%n",
            exitCodeList = {"0:the policy has no errors", "1:the policy has errors", "2:bad usage"})
    static final class Lint implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "0..1", paramLabel = "DIR",
                description = "The policy folder to check (default: the user's policy folder). Its !compat-4.0 "
                        + "reads the legacy R4.0 folder policy-4.0 beside it, if that exists.")
        Path dir;

        @Override
        public Integer call() throws IOException {
            Path folder = policyDir(dir);
            Policy policy = Policy.load(folder);
            if (!policy.errors().isEmpty()) {
                PrintWriter err = spec.commandLine().getErr();
                printErrors(err, policy);
                int n = policy.errors().size();
                err.println("ERROR: " + n + (n == 1 ? " error" : " errors") + " in the policy in "
                        + Messages.safe(folder.toString()) + "; every call is denied until they are fixed");
                err.flush();
                return 1;
            }
            PrintWriter out = spec.commandLine().getOut();
            int n = policy.rules().size();
            out.println("OK: " + n + (n == 1 ? " rule" : " rules") + " in " + Messages.safe(folder.toString()));
            out.flush();
            return 0;
        }
    }

    @Command(name = "eval", mixinStandardHelpOptions = true,
            description = {"Decide a call with the policy, and tell why: SOURCE asks TARGET for SERVICE+ARG.",
                    "TARGET is a domain name, @default (no target), @adminvm, @dispvm or @dispvm:TEMPLATE.",
                    "The facts about the domains come from --domains, or else from the domain registry "
                            + "($AIRLOCK_HOME/domains.xml), where every domain counts as halted (autostart=no rules "
                            + "then neither allow nor offer any of them)."},
            exitCodeListHeading = "Exit codes:%n",
            exitCodeList = {"0:allow or ask", "126:deny", "1:error", "2:bad usage"})
    static final class Eval implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "SOURCE", description = "The calling domain.")
        String source;

        @Parameters(index = "1", paramLabel = "TARGET", description = "The target the caller names.")
        String target;

        @Parameters(index = "2", paramLabel = "SERVICE[+ARG]", description = "The service and its argument.")
        String service;

        @Option(names = "--policy-dir", paramLabel = "DIR", description = "Use the policy in DIR.")
        Path policyDir;

        @Option(names = "--domains", paramLabel = "FILE.json",
                description = "Domain facts in the shape of Qubes' system info: "
                        + "{\"domains\": {\"NAME\": {\"type\": ..., \"tags\": [...], \"default_dispvm\": ..., "
                        + "\"template_for_dispvms\": ..., \"power_state\": ..., \"internal\": ...}}}.")
        Path domains;

        @Option(names = "--json", description = "Print the decision as one JSON object.")
        boolean json;

        @Override
        public Integer call() throws IOException {
            Request request;
            try {
                request = Request.of(source, target, service);
            } catch (IllegalArgumentException e) {
                return usageError(spec, e.getMessage());
            }
            DomainView view = domains != null ? SystemInfoFile.read(domains)
                    : Registry.open(Registry.defaultHome(Invocation.current().env())).view(name -> false);
            Policy policy = Policy.load(policyDir(policyDir));
            Decision decision = policy.evaluate(request, view);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(new ObjectMapper().writeValueAsString(toJson(decision)));
            } else {
                printText(out, decision);
            }
            out.flush();
            return decision instanceof Decision.Deny ? EXIT_DENIED : 0;
        }

        private static ObjectNode toJson(Decision d) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            switch (d) {
                case Decision.Allow a -> {
                    o.put("result", "allow");
                    o.put("target", a.target());
                }
                case Decision.Deny x -> o.put("result", "deny");
                case Decision.Ask a -> o.put("result", "ask");
            }
            o.put("requested_target", d.requestedTarget());
            if (d instanceof Decision.Ask a) {
                if (a.defaultTarget() != null) {
                    o.put("default_target", a.defaultTarget());
                }
                ArrayNode targets = o.putArray("targets_for_ask");
                a.targetsForAsk().forEach(targets::add);
            }
            if (d.rule() != null) {
                o.put("rule", d.rule().location());
            }
            o.put("notify", d.notifyUser());
            switch (d) {
                case Decision.Allow a -> o.put("autostart", a.autostart());
                case Decision.Ask a -> o.put("autostart", a.autostart());
                case Decision.Deny x -> {
                }
            }
            o.put("reason", d.reason());
            return o;
        }

        private static void printText(PrintWriter out, Decision d) {
            String result = switch (d) {
                case Decision.Allow a -> "allow";
                case Decision.Deny x -> "deny";
                case Decision.Ask a -> "ask";
            };
            out.println(result);
            if (d instanceof Decision.Allow a) {
                line(out, "target", a.target());
            }
            line(out, "requested target", d.requestedTarget());
            if (d instanceof Decision.Ask a) {
                line(out, "targets for ask", String.join(" ", a.targetsForAsk()));
                line(out, "default target", a.defaultTarget() == null ? "(none)" : a.defaultTarget());
            }
            RuleRef rule = d.rule();
            line(out, "rule", rule == null ? "(none)" : rule.location() + ": " + rule.text());
            String user = switch (d) {
                case Decision.Allow a -> a.user();
                case Decision.Ask a -> a.user();
                case Decision.Deny x -> null;
            };
            if (user != null) {
                line(out, "user", user);
            }
            line(out, "notify", d.notifyUser() ? "yes" : "no");
            switch (d) {
                case Decision.Allow a -> line(out, "autostart", a.autostart() ? "yes" : "no");
                case Decision.Ask a -> line(out, "autostart", a.autostart() ? "yes" : "no");
                case Decision.Deny x -> {
                }
            }
            line(out, "reason", d.reason());
        }

        private static void line(PrintWriter out, String key, String value) {
            out.println("  " + key + ": " + Messages.safe(value));
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "List the rules in the order in which they are tried, each with its file and line: "
                    + "all of them, or those that can decide calls to SERVICE (and ARG).",
            exitCodeListHeading = "Exit codes:%n",
            exitCodeList = {"0:listed", "1:the policy has errors (every call is denied)", "2:bad usage"})
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "0..1", paramLabel = "SERVICE[+ARG]", description = "Only rules for this service.")
        String service;

        @Option(names = "--policy-dir", paramLabel = "DIR", description = "Use the policy in DIR.")
        Path policyDir;

        @Override
        public Integer call() throws IOException {
            Policy policy = Policy.load(policyDir(policyDir));
            List<Policy.RuleText> rules;
            try {
                rules = selected(policy);
            } catch (IllegalArgumentException e) {
                return usageError(spec, e.getMessage());
            }
            if (!policy.errors().isEmpty()) {
                PrintWriter err = spec.commandLine().getErr();
                printErrors(err, policy);
                err.println("ERROR: the policy has errors, so every call is denied and no rule is in force");
                err.flush();
                return 1;
            }
            PrintWriter out = spec.commandLine().getOut();
            if (rules.isEmpty()) {
                out.println(service == null ? "no rules: every call is denied"
                        : "no rules for " + service + ": every such call is denied");
            }
            int[] widths = new int[5];
            for (Policy.RuleText r : rules) {
                String[] f = columns(r);
                for (int i = 0; i < widths.length; i++) {
                    widths[i] = Math.max(widths[i], f[i].length());
                }
            }
            for (Policy.RuleText r : rules) {
                String[] f = columns(r);
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < widths.length; i++) {
                    b.append(f[i]).append(" ".repeat(widths[i] - f[i].length() + 2));
                }
                out.println(Messages.safe(b.append(f[5]).toString()));
            }
            out.flush();
            return 0;
        }

        private List<Policy.RuleText> selected(Policy policy) {
            if (service == null) {
                return policy.rules();
            }
            int plus = service.indexOf('+');
            return plus < 0 ? policy.rulesFor(service, null)
                    : policy.rulesFor(service.substring(0, plus), service.substring(plus + 1));
        }

        /** Location, service, argument, source, target, then the action with its parameters. */
        private static String[] columns(Policy.RuleText r) {
            String[] f = r.text().split(" ", 5);
            return new String[] {r.location(), f[0], f[1], f[2], f[3], f[4]};
        }
    }

}
