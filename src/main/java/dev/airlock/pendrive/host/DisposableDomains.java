package dev.airlock.pendrive.host;

import java.io.IOException;

/** Where the pendrive exchange gets the disposable domains of {@code send disposable SEQ} from. */
public interface DisposableDomains {
    /** No disposables on this host: every {@code send disposable} is refused. */
    DisposableDomains NONE = new DisposableDomains() {
        @Override
        public String create(String forDomain) throws IOException {
            throw new IOException("this broker has no disposable domains for pendrive transactions");
        }

        @Override
        public void destroy(String name) throws IOException {
            throw new IOException("this broker has no disposable domains for pendrive transactions");
        }

        @Override
        public boolean isUnbound(String name) {
            return false;
        }
    };

    /**
     * Creates and starts a new disposable for {@code forDomain} (from its default disposable template); returns its
     * name once it runs, its pendrive socket bound ({@link PendriveService#domainStarted} called).
     */
    String create(String forDomain) throws IOException;

    /** Destroys disposable {@code name} and removes it from the registry. */
    void destroy(String name) throws IOException;

    /** Whether {@code name} is a disposable no caller has been given yet (pooled or starting). */
    boolean isUnbound(String name);
}
