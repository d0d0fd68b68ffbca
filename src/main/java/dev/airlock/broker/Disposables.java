package dev.airlock.broker;

import dev.airlock.domain.Domain;
import dev.airlock.domain.DomainClass;
import dev.airlock.domain.DomainFolder;
import dev.airlock.domain.Domains;
import dev.airlock.domain.Registry;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The disposables the broker makes for calls to {@code @dispvm}: each one a {@code dispNNNN} of class DispVM in the
 * registry, started from its disposable template with a throwaway home (see {@link DomainRunner}), and destroyed
 * (stopped, removed from the registry, its folders deleted) when its call ends or it exits by itself. A pool keeps
 * up to {@code poolSize} started ones per template; a pooled one carries no {@code created-by-} tag until a call
 * takes it. Disposables left by a broker that died are destroyed by the next one before it adopts anything.
 */
final class Disposables implements AutoCloseable {
    private static final Pattern NAME = Domain.DISPOSABLE_NAME;
    /** The tag that names the domain a disposable was made for. */
    static final String CREATED_BY = "created-by-";
    private static final int MAX_NUMBER = 9999;
    /** How long {@link #close} waits for destroys that calls started. */
    private static final long DESTROY_WAIT_MILLIS = 10_000;

    /** Runs something in a started disposable before it joins the pool, so that its first call finds it warm. */
    interface WarmUp {
        void run(String name) throws IOException;
    }

    /** A disposable handed to a call, and whether it came from the pool. */
    record Taken(String name, boolean pooled) {
    }

    private final Registry registry;
    private final DomainRunner domains;
    private final Path runDomains;
    private static final Duration POOL_ATTACH = Duration.ofSeconds(20);
    private final int poolSize;
    private final WarmUp warmUp;
    private final DisposableQuota quota;
    /** Ready disposables by template, oldest first; guarded by {@code this}, as is {@link #filling}. */
    private final Map<String, Deque<String>> pools = new HashMap<>();
    private final Map<String, Integer> filling = new HashMap<>();
    /** Every disposable of this broker, pooled or in a call. */
    private final Set<String> live = ConcurrentHashMap.newKeySet();
    /** The disposables not yet given to a call: pooled, starting, or being tagged for their caller. */
    private final Set<String> unbound = ConcurrentHashMap.newKeySet();
    /** Destroys under way, on any thread; guarded by {@code this}. */
    private int destroying;
    private volatile boolean closed;

    /**
     * @param runDomains the folder of the domains' sockets and pid files ({@code run/domains})
     * @param poolSize   how many started disposables to keep ready per template
     * @param warmUp     what runs in a pooled disposable before a call may take it
     * @param quota      how many disposables callers may have
     */
    Disposables(Registry registry, DomainRunner domains, Path runDomains, int poolSize, WarmUp warmUp,
                DisposableQuota quota) {
        if (poolSize < 0) {
            throw new IllegalArgumentException("the pool size cannot be negative");
        }
        this.registry = registry;
        this.domains = domains;
        this.runDomains = runDomains;
        this.poolSize = poolSize;
        this.warmUp = warmUp;
        this.quota = quota;
    }

    /**
     * Destroys the disposables an earlier broker left: every DispVM named like {@link #NAME} in the registry, and
     * every such folder in {@code run/domains}, whatever runs there. Call it before the running domains are adopted.
     *
     * @return the names destroyed, sorted; a domain of such a name that is not a DispVM is left alone
     */
    List<String> removeLeftovers() throws IOException {
        Set<String> names = new TreeSet<>();
        names.addAll(registry.read(all -> all.all().stream()
                .filter(d -> d.domainClass() == DomainClass.DISP_VM && NAME.matcher(d.name()).matches())
                .map(Domain::name).toList()));
        if (Files.isDirectory(runDomains, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> folders = Files.newDirectoryStream(runDomains)) {
                for (Path f : folders) {
                    String name = f.getFileName().toString();
                    if (NAME.matcher(name).matches()) {
                        names.add(name);
                    }
                }
            }
        }
        List<String> removed = new ArrayList<>();
        for (String name : names) {
            if (remove(name)) {
                removed.add(name);
            }
        }
        return removed;
    }

    /** Fills the pool of every disposable template in the background. */
    void fillPools() throws IOException {
        for (String template : registry.read(all -> all.all().stream().filter(Domain::templateForDispvms)
                .map(Domain::name).toList())) {
            refill(template);
        }
    }

    /**
     * A started disposable of {@code template} for a call from {@code caller}: a pooled one if one is ready, else a
     * new one; tagged {@code created-by-CALLER}. The caller refills the pool with {@link #refill} once the call's
     * service has started: a disposable starting meanwhile would compete with it for the processors.
     *
     * @throws DisposableQuota.LimitReachedException if {@code caller} (or, for a disposable, the domain its chain of
     *                                                 creation started from), or all callers, have as many as allowed
     * @throws IOException if {@code template} is not a disposable template or no disposable could be started
     */
    Taken take(String template, String caller) throws IOException {
        Domain t = registry.read(all -> all.get(template)).orElse(null);
        if (t == null || !t.templateForDispvms()) {
            throw new IOException(template + " is not a disposable template (template_for_dispvms)");
        }
        String account = quota.reserve(caller);
        String name = null;
        boolean held = false;
        boolean pooled = false;
        try {
            while ((name = pooled(template)) != null) {
                if (domains.isReady(name)) {
                    pooled = true;
                    break;
                }
                destroy(name);
            }
            if (name == null) {
                name = create(t);
            }
            quota.hold(account, name);
            held = true;
            if (!live.contains(name)) {
                // Destroyed before it held the place (it exited at once): its destroy could not free it.
                quota.release(name);
                throw new IOException("disposable " + name + " was destroyed before its call began");
            }
            String bound = name;
            registry.update(all -> {
                Domain d = all.require(bound);
                Set<String> tags = new TreeSet<>(d.tags());
                tags.add(CREATED_BY + caller);
                return all.replace(d.withTags(tags));
            });
            unbound.remove(name);
        } catch (IOException | RuntimeException e) {
            if (name != null) {
                destroy(name);
            }
            if (!held) {
                quota.cancel(account);
            }
            refill(template);
            throw e;
        }
        return new Taken(name, pooled);
    }

    /** The names of the pooled disposables, ready for a call, sorted. */
    synchronized List<String> pooled() {
        List<String> all = new ArrayList<>();
        pools.values().forEach(all::addAll);
        return all.stream().sorted().toList();
    }

    /**
     * Whether {@code name} is a disposable of this broker that no call has been given yet (pooled, starting, or
     * being tagged for its caller): no call may reach it by name.
     */
    boolean isUnbound(String name) {
        return unbound.contains(name);
    }

    private synchronized String pooled(String template) {
        Deque<String> pool = pools.get(template);
        return pool == null ? null : pool.pollFirst();
    }

    /**
     * Stops {@code name} and removes it from the registry and the disk, if it is a disposable of this broker and
     * not destroyed already; never throws, since it runs when a call ends, however it ended.
     */
    void destroy(String name) {
        if (!live.remove(name)) {
            return;
        }
        quota.release(name);
        unbound.remove(name);
        synchronized (this) {
            pools.values().forEach(p -> p.remove(name));
            destroying++;
        }
        try {
            remove(name);
        } catch (IOException | RuntimeException e) {
            System.err.println("airlock: cannot remove disposable " + name + ": " + e.getMessage()
                    + " (the next broker removes it)");
        } finally {
            synchronized (this) {
                destroying--;
                notifyAll();
            }
        }
    }

    /** Whether {@code name} was a disposable (or nothing) and is gone now. */
    private boolean remove(String name) throws IOException {
        if (registry.read(all -> all.get(name)).filter(d -> d.domainClass() != DomainClass.DISP_VM).isPresent()) {
            // A domain of that name that is no disposable (made before the names were reserved) is left alone.
            return false;
        }
        domains.discard(name);
        registry.update(all -> all.get(name).filter(d -> d.domainClass() == DomainClass.DISP_VM)
                .map(d -> all.remove(name)).orElse(all));
        DomainFolder.delete(registry.domainFolder(name));
        return true;
    }

    /** Registers and starts a new disposable of {@code template}; it is destroyed when it exits. */
    private String create(Domain template) throws IOException {
        String[] name = new String[1];
        try {
            registry.update(all -> {
                name[0] = freeName(all);
                // Before it is saved: from then on the policy sees it, and must not let a call reach it by name.
                unbound.add(name[0]);
                live.add(name[0]);
                // Its template's limits: a disposable must not escape the ceilings set for what it is made from.
                return all.add(Domain.disposable(name[0], template.label(), template.name())
                        .withLimits(template.limits()));
            });
        } catch (IOException | RuntimeException e) {
            if (name[0] != null) {
                unbound.remove(name[0]);
                live.remove(name[0]);
            }
            throw e;
        }
        try {
            domains.start(name[0]);
        } catch (IOException | RuntimeException e) {
            destroy(name[0]);
            throw e;
        }
        if (!live.contains(name[0])) {
            // Destroyed while it started (the broker is stopping): what the start made goes too.
            remove(name[0]);
            throw new IOException("disposable " + name[0] + " was destroyed while it started");
        }
        domains.onExit(name[0]).thenRun(() -> destroy(name[0]));
        return name[0];
    }

    private String freeName(Domains all) {
        for (int tries = 0; tries < 100; tries++) {
            String name = "disp" + ThreadLocalRandom.current().nextInt(1, MAX_NUMBER + 1);
            if (all.get(name).isEmpty() && !live.contains(name)
                    && !Files.exists(runDomains.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
                return name;
            }
        }
        throw new IllegalStateException("no free name for a disposable (dispNNNN)");
    }

    /** Starts disposables of {@code template} in the background until its pool is full. */
    void refill(String template) {
        int missing;
        synchronized (this) {
            if (closed) {
                return;
            }
            int have = pools.getOrDefault(template, new ArrayDeque<>()).size() + filling.getOrDefault(template, 0);
            missing = poolSize - have;
            if (missing <= 0) {
                return;
            }
            filling.merge(template, missing, Integer::sum);
        }
        for (int i = 0; i < missing; i++) {
            Thread.ofVirtual().name("airlock-pool-" + template).start(() -> fillOne(template));
        }
    }

    private void fillOne(String template) {
        String name = null;
        try {
            Domain t = registry.read(all -> all.get(template)).filter(Domain::templateForDispvms).orElse(null);
            if (t != null && !closed) {
                String made = create(t);
                try {
                    warmUp.run(made);
                    // Its windows must show as soon as a call's viewer maps them: the host client attaches first.
                    if (!domains.displays().awaitAttached(made, POOL_ATTACH)) {
                        System.err.println("airlock: pooled disposable " + made + ": its display client has not "
                                + "attached within " + POOL_ATTACH.toSeconds() + " s");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    destroy(made);
                    throw new IOException("interrupted");
                } catch (IOException | RuntimeException e) {
                    destroy(made);
                    throw e;
                }
                name = made;
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                System.err.println("airlock: cannot fill the pool of " + template + ": " + e.getMessage());
            }
        }
        boolean keep;
        synchronized (this) {
            filling.merge(template, -1, Integer::sum);
            keep = name != null && !closed;
            if (keep) {
                pools.computeIfAbsent(template, k -> new ArrayDeque<>()).addLast(name);
            }
        }
        if (name != null && !keep) {
            destroy(name);
        }
    }

    /** Makes no more disposables and leaves the running ones, as a broker that dies does. */
    synchronized void abandon() {
        closed = true;
    }

    /**
     * Destroys every disposable of this broker, pooled or in a call (the calls fail), and waits for those that
     * their calls are destroying.
     */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        for (String name : List.copyOf(live)) {
            destroy(name);
        }
        // A call's own destroy may still run on the call's thread: the broker is not gone before it is done.
        long deadline = System.currentTimeMillis() + DESTROY_WAIT_MILLIS;
        synchronized (this) {
            try {
                for (long left = DESTROY_WAIT_MILLIS; destroying > 0 && left > 0;
                     left = deadline - System.currentTimeMillis()) {
                    wait(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
