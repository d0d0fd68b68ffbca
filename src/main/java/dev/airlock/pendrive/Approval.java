package dev.airlock.pendrive;

/** The user's (or the policy's) consent to a transfer. Called without the daemon's lock: may take long. */
public interface Approval {

    /** "Do you authorize pendrive transfer from SOURCE to DEST?" */
    boolean authorizeTransfer(String source, String dest) throws InterruptedException;

    /**
     * DEST is halted: authorize the transfer as {@link #authorizeTransfer} does and, only if the deciding rule lets
     * a call start its target (autostart, as for a qrexec call), start DEST and return once it runs. An approval
     * that has no way to start domains answers no, which is what the daemon did before it could ask.
     */
    default boolean authorizeTransferStarting(String source, String dest) throws InterruptedException {
        return false;
    }

    /** DEST still holds a pendrive: "wait until DEST releases it, then transfer from SOURCE?" */
    boolean waitForRelease(String source, String dest) throws InterruptedException;
}
