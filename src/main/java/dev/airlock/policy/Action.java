package dev.airlock.policy;

/**
 * The ACTION column with its parameters. Parameters hold what the file said ({@code null} when a parameter was
 * not given) so that a rule prints back as written; the effective values come from the {@code ...OrDefault}
 * methods.
 */
sealed interface Action permits Action.Granting, Action.Deny {

    /** The action with its parameters, as policy text. */
    String text();

    /** {@code deny [notify=yes|no]}; notify defaults to yes. */
    record Deny(Boolean notifyUser) implements Action {
        boolean notifyOrDefault() {
            return onUnlessSet(notifyUser);
        }

        @Override
        public String text() {
            return "deny" + param("notify", notifyUser);
        }
    }

    /** What allow and ask share: notify is off and autostart on unless the rule says otherwise. */
    sealed interface Granting extends Action permits Allow, Ask {
        Boolean notifyUser();

        Boolean autostart();

        default boolean notifyOrDefault() {
            return offUnlessSet(notifyUser());
        }

        default boolean autostartOrDefault() {
            return onUnlessSet(autostart());
        }
    }

    /** {@code allow [target=X] [user=U] [notify=yes|no] [autostart=yes|no]}; notify no, autostart yes. */
    record Allow(Token.Redirect target, String user, Boolean notifyUser, Boolean autostart) implements Granting {
        @Override
        public String text() {
            return "allow" + param("target", target) + param("user", user) + param("notify", notifyUser)
                    + param("autostart", autostart);
        }
    }

    /** {@code ask [target=X] [default_target=X] [user=U] [notify=...] [autostart=...]}; defaults as allow. */
    record Ask(Token.Redirect target, Token.Redirect defaultTarget, String user, Boolean notifyUser, Boolean autostart)
            implements Granting {
        @Override
        public String text() {
            return "ask" + param("target", target) + param("default_target", defaultTarget) + param("user", user)
                    + param("notify", notifyUser) + param("autostart", autostart);
        }
    }

    private static boolean offUnlessSet(Boolean value) {
        return value != null && value;
    }

    private static boolean onUnlessSet(Boolean value) {
        return value == null || value;
    }

    private static String param(String key, Object value) {
        return switch (value) {
            case null -> "";
            case Boolean b -> " " + key + "=" + (b ? "yes" : "no");
            case Token t -> " " + key + "=" + t.text();
            default -> " " + key + "=" + value;
        };
    }
}
