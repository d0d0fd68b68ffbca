package dev.airlock.policy;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of evaluating a request. Targets are written as the policy engine reports them: a domain name,
 * {@code dom0} for the host, or {@code @dispvm:TEMPLATE} for a new disposable.
 */
public sealed interface Decision permits Decision.Allow, Decision.Deny, Decision.Ask {

    /** The target the caller asked for, as {@link Request#requestedTarget()} gives it. */
    String requestedTarget();

    /** The deciding rule, or {@code null} when none decided (no rule matched, a call to oneself, ...). */
    RuleRef rule();

    /** Whether the user is to be notified of the outcome. */
    boolean notifyUser();

    /** Why the call got this outcome, in words for the user. */
    String reason();

    /**
     * The call may go ahead.
     *
     * @param target the resolved target
     * @param user the {@code user=} of the rule, or {@code null}
     * @param autostart whether the target may be started for the call
     */
    record Allow(String requestedTarget, String target, RuleRef rule, String user, boolean notifyUser,
                 boolean autostart, String reason) implements Decision {
        public Allow {
            Objects.requireNonNull(target);
        }
    }

    /** The call is refused. */
    record Deny(String requestedTarget, RuleRef rule, boolean notifyUser, String reason) implements Decision {
    }

    /**
     * The user must choose, through a trusted prompt, among {@code targetsForAsk}.
     *
     * @param targetsForAsk the targets offered, sorted, never empty and never containing the caller
     * @param defaultTarget the target to preselect, one of {@code targetsForAsk}, or {@code null}
     */
    record Ask(String requestedTarget, List<String> targetsForAsk, String defaultTarget, RuleRef rule,
               String user, boolean notifyUser, boolean autostart, String reason) implements Decision {
        public Ask {
            targetsForAsk = List.copyOf(targetsForAsk);
            if (targetsForAsk.isEmpty()) {
                throw new IllegalArgumentException("an ask needs at least one target to offer");
            }
            if (defaultTarget != null && !targetsForAsk.contains(defaultTarget)) {
                throw new IllegalArgumentException("the default target must be one of the offered targets");
            }
        }

        /**
         * Applies the user's answer. Only an offered target is accepted: anything else, however it got into
         * the answer, is a deny.
         */
        public Decision answer(String chosen) {
            if (chosen != null && targetsForAsk.contains(chosen)) {
                return new Allow(requestedTarget, chosen, rule, user, notifyUser, autostart,
                        "the user chose " + chosen + " when asked by " + rule.location());
            }
            return new Deny(requestedTarget, rule, true, "the answer \"" + chosen
                    + "\" is not one of the offered targets");
        }
    }
}
