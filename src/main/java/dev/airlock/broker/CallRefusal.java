package dev.airlock.broker;

/** A call that will not run, with the exit code and the reason its caller is told. */
final class CallRefusal extends Exception {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    CallRefusal(int exitCode, String reason) {
        super(reason, null, false, false);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
