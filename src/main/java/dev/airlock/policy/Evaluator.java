package dev.airlock.policy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Decides requests against a list of rules: the first rule that matches service, argument, source and target
 * decides; no match denies.
 *
 * <p>Choices where the language leaves room, made to keep Qubes policy files meaning what they mean there:
 * <ul>
 *   <li>The host is {@code dom0}; requests for {@code @adminvm} and {@code dom0} mean it, and so do the
 *       {@code @adminvm} token and the name {@code dom0} in a rule.</li>
 *   <li>A requested name that is not an existing domain, and a requested {@code @dispvm:NAME} whose NAME is not
 *       an existing disposable template, are treated as {@code @default}: the answer never tells the caller
 *       which domains exist.</li>
 *   <li>Target {@code @anyvm} matches every request except one for the host, so also {@code @default} and the
 *       disposable requests; {@code *} matches every request.</li>
 *   <li>Target {@code @dispvm} matches only a request for {@code @dispvm}, not one that names a template, even
 *       the caller's default one; target {@code @dispvm:NAME} matches a request for {@code @dispvm:NAME} and a
 *       request for {@code @dispvm} from a caller whose default disposable template is NAME.</li>
 *   <li>Target {@code @dispvm:@tag:T} matches requests for new disposables (named or the caller's default)
 *       whose template is a disposable template with tag T; {@code @tag:}, {@code @type:} and names match
 *       existing domains only. Source {@code @dispvm:@tag:T} matches a disposable whose template has tag T.</li>
 *   <li>A call to oneself is refused before any rule is read, and so is a redirect to the caller.</li>
 *   <li>The ask list holds only targets that {@code autostart=no} rules may reach without starting anything:
 *       running domains, no new disposables. {@code internal} domains are offered only when a rule names
 *       them. The preselected target is the rule's {@code default_target=}; when the rule has one that it
 *       does not offer, nothing is preselected (as in Qubes). A rule without {@code default_target=}
 *       preselects the target the caller asked for, if offered.</li>
 *   <li>{@code allow autostart=no} to a target that would have to be started (a halted domain, a new
 *       disposable) denies at once, as Qubes does, instead of failing later when the call is made.</li>
 * </ul>
 */
final class Evaluator {

    /** What the caller asked for, after checking it against the domains. */
    private sealed interface Wanted {
        record Named(DomainFacts domain) implements Wanted {
        }

        /** No target, or one that does not exist. */
        record NoTarget() implements Wanted {
        }

        /** {@code @dispvm}. */
        record NewDisposable() implements Wanted {
        }

        /** {@code @dispvm:NAME} of an existing disposable template. */
        record DisposableOf(DomainFacts template) implements Wanted {
        }
    }

    /** A concrete destination, or why there is none. */
    private record Resolved(String target, String problem) {
        static Resolved ok(String target) {
            return new Resolved(target, null);
        }

        static Resolved fail(String problem) {
            return new Resolved(null, problem);
        }
    }

    private static final String DISPVM_PREFIX = "@dispvm:";

    private final Rule[] rules;

    Evaluator(List<Rule> rules) {
        this.rules = rules.toArray(Rule[]::new);
    }

    Decision evaluate(Request request, DomainView domains) {
        String requested = request.requestedTarget();
        Optional<DomainFacts> found = domains.find(request.source());
        if (found.isEmpty()) {
            return new Decision.Deny(requested, null, true, "the calling domain " + request.source()
                    + " does not exist");
        }
        DomainFacts source = found.get();
        Wanted wanted = wanted(request, domains);
        if (wanted instanceof Wanted.Named(DomainFacts d) && d.name().equals(source.name())) {
            return new Decision.Deny(requested, null, true, "a domain may not call itself");
        }
        String note = wanted instanceof Wanted.NoTarget && !requested.equals("@default")
                ? "the requested target " + requested + " is not a known domain or disposable template, so it is "
                        + "treated as @default; " : "";
        for (Rule rule : rules) {
            if (rule.matchesService(request.service()) && rule.matchesArgument(request.argument())
                    && matchesSource(rule.source(), source, domains)
                    && matchesTarget(rule.target(), wanted, source, domains)) {
                return decide(rule, request, source, wanted, domains, note);
            }
        }
        return new Decision.Deny(requested, null, true, note + "no rule matches");
    }

    private static Wanted wanted(Request request, DomainView domains) {
        String t = request.requestedTarget();
        if (t.equals("@default")) {
            return new Wanted.NoTarget();
        }
        if (t.equals("@dispvm")) {
            return new Wanted.NewDisposable();
        }
        if (t.startsWith(DISPVM_PREFIX)) {
            return domains.find(t.substring(DISPVM_PREFIX.length()))
                    .filter(DomainFacts::dispvmTemplate)
                    .<Wanted>map(Wanted.DisposableOf::new)
                    .orElseGet(Wanted.NoTarget::new);
        }
        return domains.find(t).<Wanted>map(Wanted.Named::new).orElseGet(Wanted.NoTarget::new);
    }

    private static boolean matchesSource(Token.Source token, DomainFacts source, DomainView domains) {
        return switch (token) {
            case Token.Name(String name) -> source.name().equals(name);
            case Token.AnyVm a -> !source.isHost();
            case Token.Wildcard w -> true;
            case Token.AdminVm a -> source.isHost();
            case Token.Tag(String tag) -> source.tags().contains(tag);
            case Token.Type(String type) -> source.type().equals(type);
            case Token.DispVmTagged(String tag) -> source.type().equals(DomainFacts.DISP_VM)
                    && source.template() != null
                    && taggedTemplate(domains.find(source.template()), tag);
        };
    }

    private static boolean matchesTarget(Token.Target token, Wanted wanted, DomainFacts source,
                                         DomainView domains) {
        return switch (token) {
            case Token.Name(String name) -> wanted instanceof Wanted.Named(DomainFacts d) && d.name().equals(name);
            case Token.AnyVm a -> !(wanted instanceof Wanted.Named(DomainFacts d) && d.isHost());
            case Token.Wildcard w -> true;
            case Token.AdminVm a -> wanted instanceof Wanted.Named(DomainFacts d) && d.isHost();
            case Token.Tag(String tag) -> wanted instanceof Wanted.Named(DomainFacts d) && d.tags().contains(tag);
            case Token.Type(String type) -> wanted instanceof Wanted.Named(DomainFacts d) && d.type().equals(type);
            case Token.DispVm d -> wanted instanceof Wanted.NewDisposable;
            case Token.DispVmOf(String template) -> switch (wanted) {
                case Wanted.DisposableOf(DomainFacts t) -> t.name().equals(template);
                case Wanted.NewDisposable n -> template.equals(source.defaultDispvm());
                default -> false;
            };
            case Token.DispVmTagged(String tag) -> switch (wanted) {
                case Wanted.DisposableOf(DomainFacts t) -> t.tags().contains(tag);
                case Wanted.NewDisposable n -> source.defaultDispvm() != null
                        && taggedTemplate(domains.find(source.defaultDispvm()), tag);
                default -> false;
            };
            case Token.Default d -> wanted instanceof Wanted.NoTarget;
        };
    }

    private static boolean taggedTemplate(Optional<DomainFacts> template, String tag) {
        return template.filter(t -> t.dispvmTemplate() && t.tags().contains(tag)).isPresent();
    }

    private Decision decide(Rule rule, Request request, DomainFacts source, Wanted wanted, DomainView domains,
                            String note) {
        String requested = request.requestedTarget();
        RuleRef ref = RuleRef.of(rule);
        return switch (rule.action()) {
            case Action.Deny deny -> new Decision.Deny(requested, ref, deny.notifyOrDefault(),
                    note + "denied by " + ref.location());
            case Action.Allow allow -> {
                Resolved dest = allow.target() != null
                        ? redirect(allow.target(), source, domains) : wantedTarget(wanted, source, domains);
                if (dest.problem() != null) {
                    yield new Decision.Deny(requested, ref, true, note + ref.location() + " allows the call, but "
                            + dest.problem());
                }
                if (dest.target().equals(source.name())) {
                    yield new Decision.Deny(requested, ref, true, ref.location() + " redirects the call to the "
                            + "calling domain itself, which is refused");
                }
                if (!allow.autostartOrDefault() && !reachableWithoutStart(dest.target(), domains)) {
                    yield new Decision.Deny(requested, ref, allow.notifyOrDefault(), note + ref.location()
                            + " allows the call with autostart=no, but its target " + dest.target()
                            + " would have to be started");
                }
                String how = allow.target() != null
                        ? "allowed and redirected to " + dest.target() + " by " : "allowed by ";
                yield new Decision.Allow(requested, dest.target(), ref, allow.user(), allow.notifyOrDefault(),
                        allow.autostartOrDefault(), note + how + ref.location());
            }
            case Action.Ask ask -> ask(rule, ref, ask, request, source, wanted, domains, note);
        };
    }

    private Decision ask(Rule rule, RuleRef ref, Action.Ask ask, Request request, DomainFacts source,
                         Wanted wanted, DomainView domains, String note) {
        String requested = request.requestedTarget();
        List<String> offered;
        if (ask.target() != null) {
            Resolved dest = redirect(ask.target(), source, domains);
            if (dest.problem() != null) {
                return new Decision.Deny(requested, ref, true, note + ref.location() + " asks, but "
                        + dest.problem());
            }
            offered = new ArrayList<>();
            offer(offered, List.of(dest.target()), ask.autostartOrDefault(), domains);
            offered.remove(source.name());
        } else {
            offered = targetsForAsk(request, source, domains);
        }
        if (offered.isEmpty()) {
            return new Decision.Deny(requested, ref, true, note + ref.location()
                    + " asks, but there is no target to offer");
        }
        String preselected = null;
        if (ask.defaultTarget() != null) {
            Resolved d = redirect(ask.defaultTarget(), source, domains);
            if (d.problem() == null && offered.contains(d.target())) {
                preselected = d.target();
            }
        } else if (!(wanted instanceof Wanted.NoTarget)) {
            Resolved d = wantedTarget(wanted, source, domains);
            if (d.problem() == null && offered.contains(d.target())) {
                preselected = d.target();
            }
        }
        return new Decision.Ask(requested, offered, preselected, ref, ask.user(), ask.notifyOrDefault(),
                ask.autostartOrDefault(), note + "the user is asked, by " + rule.location());
    }

    /**
     * The targets to offer: walk the rules that match the call regardless of their target from the last to
     * the first; allow and ask rules add their targets, deny rules take theirs away, so that what remains is
     * what the first-match rule would not deny. The caller is never offered, nor the host unless the call named
     * it.
     */
    private List<String> targetsForAsk(Request request, DomainFacts source, DomainView domains) {
        TreeSet<String> targets = new TreeSet<>();
        for (int i = rules.length - 1; i >= 0; i--) {
            Rule rule = rules[i];
            if (!rule.matchesService(request.service()) || !rule.matchesArgument(request.argument())
                    || !matchesSource(rule.source(), source, domains)) {
                continue;
            }
            switch (rule.action()) {
                case Action.Deny d -> targets.removeAll(expand(rule.target(), source, domains, false));
                case Action.Allow a -> offer(targets, a.target() != null
                        ? redirected(a.target(), source, domains)
                        : expand(rule.target(), source, domains, true), a.autostartOrDefault(), domains);
                case Action.Ask a -> offer(targets, a.target() != null
                        ? redirected(a.target(), source, domains)
                        : expand(rule.target(), source, domains, true), a.autostartOrDefault(), domains);
            }
        }
        targets.remove(source.name());
        if (!request.requestedTarget().equals(Names.HOST)) {
            // The host is offered only to a call that named it (qvm-copy-to-dom0): a prompt for qvm-copy, where the
            // user picks a domain, never holds it, so no habit of clicking sends a domain's files into the host.
            targets.remove(Names.HOST);
        }
        return List.copyOf(targets);
    }

    private static List<String> redirected(Token.Redirect token, DomainFacts source, DomainView domains) {
        Resolved r = redirect(token, source, domains);
        return r.problem() == null ? List.of(r.target()) : List.of();
    }

    /** With {@code autostart=no} nothing may be started: only running domains, no new disposables. */
    private static void offer(Collection<String> into, List<String> targets, boolean autostart,
                              DomainView domains) {
        for (String t : targets) {
            if (autostart || reachableWithoutStart(t, domains)) {
                into.add(t);
            }
        }
    }

    /** The host always runs; a new disposable is always started; a domain must be running. */
    private static boolean reachableWithoutStart(String target, DomainView domains) {
        return !target.startsWith(DISPVM_PREFIX)
                && domains.find(target).map(d -> d.isHost() || d.running()).orElse(false);
    }

    /** The targets a TARGET token stands for; {@code offering} leaves out internal domains it does not name. */
    private static List<String> expand(Token.Target token, DomainFacts source, DomainView domains,
                                       boolean offering) {
        List<String> out = new ArrayList<>();
        switch (token) {
            case Token.Name(String name) -> domains.find(name).ifPresent(d -> out.add(d.name()));
            case Token.AdminVm a -> out.add(Names.HOST);
            case Token.Default d -> {
            }
            case Token.DispVm d -> {
                Resolved r = newDisposable(source, domains);
                if (r.problem() == null) {
                    out.add(r.target());
                }
            }
            case Token.DispVmOf(String template) -> domains.find(template)
                    .filter(DomainFacts::dispvmTemplate).ifPresent(t -> out.add(DISPVM_PREFIX + t.name()));
            default -> {
                for (DomainFacts d : domains.all()) {
                    if (offering && d.internal()) {
                        continue;
                    }
                    if (matchesTarget(token, new Wanted.Named(d), source, domains)) {
                        out.add(d.name());
                    }
                    if (d.dispvmTemplate() && matchesTarget(token, new Wanted.DisposableOf(d), source, domains)) {
                        out.add(DISPVM_PREFIX + d.name());
                    }
                }
            }
        }
        return out;
    }

    private static Resolved wantedTarget(Wanted wanted, DomainFacts source, DomainView domains) {
        return switch (wanted) {
            case Wanted.Named(DomainFacts d) -> Resolved.ok(d.name());
            case Wanted.NoTarget n -> Resolved.fail("neither the caller nor the rule names a target (target=)");
            case Wanted.NewDisposable n -> newDisposable(source, domains);
            case Wanted.DisposableOf(DomainFacts t) -> Resolved.ok(DISPVM_PREFIX + t.name());
        };
    }

    private static Resolved redirect(Token.Redirect token, DomainFacts source, DomainView domains) {
        return switch (token) {
            case Token.Name(String name) -> domains.find(name).isPresent()
                    ? Resolved.ok(name) : Resolved.fail("its target " + name + " does not exist");
            case Token.AdminVm a -> Resolved.ok(Names.HOST);
            case Token.DispVm d -> newDisposable(source, domains);
            case Token.DispVmOf(String template) -> domains.find(template).filter(DomainFacts::dispvmTemplate)
                    .isPresent() ? Resolved.ok(DISPVM_PREFIX + template)
                    : Resolved.fail(template + " is not a disposable template");
        };
    }

    private static Resolved newDisposable(DomainFacts source, DomainView domains) {
        String template = source.defaultDispvm();
        if (template == null) {
            return Resolved.fail(source.name() + " has no default disposable template (set the global one: airlock "
                    + "prefs --global default_dispvm NAME; airlock demo creates default-dvm and sets it)");
        }
        return domains.find(template).filter(DomainFacts::dispvmTemplate).isPresent()
                ? Resolved.ok(DISPVM_PREFIX + template)
                : Resolved.fail("the default disposable template " + template + " of " + source.name()
                        + " is not a disposable template");
    }
}
