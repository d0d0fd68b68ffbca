package dev.airlock.policy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Holds the current policy and replaces it when its files change, without a restart. Evaluations read one
 * volatile reference to an immutable {@link Policy}: they never wait for a reload and never see a policy that
 * is half old and half new. A reload happens on a background thread that looks at the files' attributes at a
 * fixed interval; it reads and parses only when something changed, and publishes the new policy only if the
 * files did not change again while it was reading them (an editor still writing), else it tries again at the
 * next check.
 */
public final class PolicyStore implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PolicyStore.class.getName());

    private final Path directory;
    private volatile Policy current;
    private final ScheduledExecutorService poller;

    private PolicyStore(Path directory, Duration interval) {
        this.directory = directory;
        this.current = Policy.load(directory);
        report(current);
        if (interval == null) {
            this.poller = null;
        } else {
            this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "policy-reload");
                t.setDaemon(true);
                return t;
            });
            long millis = Math.max(1, interval.toMillis());
            poller.scheduleWithFixedDelay(this::refreshQuietly, millis, millis, TimeUnit.MILLISECONDS);
        }
    }

    /** Loads the policy now and then checks for changes every {@code interval}. */
    public static PolicyStore open(Path directory, Duration interval) {
        return new PolicyStore(directory, interval);
    }

    /** Loads the policy now; it changes only when {@link #refresh()} is called. */
    public static PolicyStore openManual(Path directory) {
        return new PolicyStore(directory, null);
    }

    /** The policy in force; never blocks. */
    public Policy current() {
        return current;
    }

    /** Decides a request with the policy in force. */
    public Decision evaluate(Request request, DomainView domains) {
        return current.evaluate(request, domains);
    }

    /**
     * Reloads the policy if its files changed. Only the background thread or a caller that wants a change to
     * take effect now calls this; evaluations do not.
     *
     * @return true if a new policy was published
     */
    public synchronized boolean refresh() {
        if (current.isCurrent()) {
            return false;
        }
        Policy fresh = Policy.load(directory);
        if (!fresh.isCurrent()) {
            return false;
        }
        current = fresh;
        report(fresh);
        return true;
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            // The old policy stays in force; the next check tries again.
            LOG.log(System.Logger.Level.ERROR, "reloading the policy from " + directory + " failed", e);
        }
    }

    private static void report(Policy policy) {
        if (!policy.errors().isEmpty()) {
            LOG.log(System.Logger.Level.ERROR, "the policy in " + policy.directory() + " has "
                    + policy.errors().size() + " error(s); every call is denied until they are fixed");
            for (PolicyError e : policy.errors()) {
                LOG.log(System.Logger.Level.ERROR, e.toString());
            }
        }
    }

    /** Stops checking for changes; the last policy stays readable. */
    @Override
    public void close() {
        if (poller != null) {
            poller.shutdownNow();
        }
    }
}
