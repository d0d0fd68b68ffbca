package dev.airlock.pendrive;

/**
 * The side effects of the daemon. Images are known by the global sequence number they were created with. A
 * method that fails throws an unchecked exception; the daemon then refuses the request and undoes what it did
 * for it. Called with the daemon's lock held, so implementations must not call back into the daemon.
 */
public interface PendriveHost {

    /** Whether {@code domain} exists and runs. */
    boolean isRunning(String domain);

    /**
     * Whether {@code domain} is a disposable that no caller has been given yet (pooled or starting): what a
     * pendrive left in it would be waiting for whoever it is handed to next, so none may reach it by name.
     */
    boolean isUnbound(String domain);

    /** Creates image {@code image}: a sparse 1 GiB file holding an empty vfat file system labelled {@code label}. */
    void createImage(long image, String label);

    /** Lets {@code domain} use image {@code image} as {@code device}. */
    void attach(long image, String domain, Device device);

    /** Takes image {@code image} away from {@code domain}: from now on it can neither read nor write it. */
    void detach(long image, String domain, Device device);

    /** Deletes image {@code image}, which no domain has. */
    void deleteImage(long image);

    /**
     * Writes {@code qubes_blocksrc} = {@code source} and {@code qubes_transaction_seq} = {@code transactionSeq}
     * into {@code dest}'s subtree, before the pendrive is attached there.
     */
    void recordTransaction(String dest, String source, int transactionSeq);

    /** Creates and starts a new disposable domain for a transaction of {@code forDomain}; returns its name. */
    String createDisposable(String forDomain);

    /** Destroys disposable {@code name} and removes it from the registry. */
    void destroyDisposable(String name);
}
