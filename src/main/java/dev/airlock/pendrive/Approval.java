package dev.airlock.pendrive;

/** The user's (or the policy's) consent to a transfer. Called without the daemon's lock: may take long. */
public interface Approval {

    /** "Do you authorize pendrive transfer from SOURCE to DEST?" */
    boolean authorizeTransfer(String source, String dest) throws InterruptedException;

    /** DEST still holds a pendrive: "wait until DEST releases it, then transfer from SOURCE?" */
    boolean waitForRelease(String source, String dest) throws InterruptedException;
}
