package dev.airlock.policy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Holds the current policy and replaces it when its files change, without a restart. Evaluations read one
 * volatile reference to an immutable {@link Policy}: they never wait for a reload and never see a policy that
 * is half old and half new.
 *
 * <p>A background thread looks at the attributes of the policy's files and folders at a fixed interval, and
 * reads and parses only when something changed. A freshly read policy is published only when its files did
 * not change while they were read and none was modified within the last {@code settle}: a file that an editor
 * is still writing, or the first of several files being edited together, is read again at a later check
 * instead of being put in force half written. Writers that replace files by renaming need no such grace.
 */
public final class PolicyStore implements AutoCloseable {

    /** How often the background thread checks the files, by default. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
    /** How long files must have been left alone before a new policy is put in force, by default. */
    public static final Duration DEFAULT_SETTLE = Duration.ofMillis(250);

    private static final System.Logger LOG = System.getLogger(PolicyStore.class.getName());

    private final Path directory;
    private final Duration settle;
    private volatile Policy current;
    private final ScheduledExecutorService poller;

    private PolicyStore(Path directory, Duration interval, Duration settle) {
        this.directory = Objects.requireNonNull(directory);
        this.settle = Objects.requireNonNull(settle);
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

    /** Loads the policy now, then checks for changes with the default interval and settle time. */
    public static PolicyStore open(Path directory) {
        return new PolicyStore(directory, DEFAULT_INTERVAL, DEFAULT_SETTLE);
    }

    /** Loads the policy now, then checks for changes every {@code interval}. */
    public static PolicyStore open(Path directory, Duration interval, Duration settle) {
        return new PolicyStore(directory, Objects.requireNonNull(interval), settle);
    }

    /** Loads the policy now; it changes only when {@link #refresh()} is called, and needs no settle time. */
    public static PolicyStore openManual(Path directory) {
        return new PolicyStore(directory, null, Duration.ZERO);
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
     * Reloads the policy if its files changed and have settled. Only the background thread or a caller that
     * wants a change to take effect now calls this; evaluations do not.
     *
     * @return true if a new policy was published
     */
    public synchronized boolean refresh() {
        if (current.isCurrent()) {
            return false;
        }
        Policy fresh = Policy.load(directory);
        if (!fresh.isCurrent() || !fresh.isSettled(settle)) {
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
