package dev.airlock.testing;

/**
 * One case of a parameterised security test, run so that a failure names the threat it reproduces: Maven's report
 * numbers a parameterised test's cases ({@code [3]}) instead of using their display names.
 */
public final class Threat {
    /** A case's body. */
    @FunctionalInterface
    public interface Body {
        /** Reproduces the threat and asserts what must hold. */
        void run() throws Exception;
    }

    private Threat() {
    }

    /** Runs {@code body}; a failed assertion in it is thrown again with {@code threat} in front of its message. */
    public static void named(String threat, Body body) throws Exception {
        try {
            body.run();
        } catch (AssertionError e) {
            AssertionError named = new AssertionError(threat + ": " + e.getMessage(), e);
            named.setStackTrace(e.getStackTrace());
            throw named;
        }
    }
}
