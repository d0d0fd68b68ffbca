package dev.airlock.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.airlock.dialog.DialogLauncher;
import dev.airlock.domain.Registry;
import dev.airlock.hostcopy.HostReceiver;
import dev.airlock.hostcopy.IncomingLimits;
import dev.airlock.hostcopy.Recipient;
import dev.airlock.notify.Notifier;
import dev.airlock.policy.PolicyLocation;
import dev.airlock.policy.PolicyStore;
import dev.airlock.qrexec.QrexecNames;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/**
 * The broker ({@code airlockd}, the host's "dom0" role): one long-running process per user that owns the admin
 * socket, starts and stops domains and routes the calls between them.
 */
public final class Broker implements AutoCloseable {
    /** How long a call waits for the user's answer when the policy says ask, unless told otherwise. */
    public static final Duration DEFAULT_ASK_TIMEOUT = Duration.ofSeconds(60);
    /** The environment variable that sets the ask timeout, in whole seconds. */
    public static final String ASK_TIMEOUT_VARIABLE = "AIRLOCK_ASK_TIMEOUT";
    /** How many started disposables are kept ready per disposable template, unless told otherwise. */
    public static final int DEFAULT_POOL_SIZE = 1;
    /** The environment variable that sets the pool size per disposable template (0 for no pool). */
    public static final String POOL_SIZE_VARIABLE = "AIRLOCK_DISPVM_POOL";
    /** The most a disposable may write in its home, unless told otherwise. */
    public static final long DEFAULT_DISPOSABLE_HOME_BYTES = 256L << 20;
    /** The environment variable that sets the most a disposable may write in its home, in MiB. */
    public static final String DISPOSABLE_HOME_VARIABLE = "AIRLOCK_DISPVM_HOME_MB";
    private static final int MAX_POOL_SIZE = 16;

    /**
     * Where the broker finds what it needs.
     *
     * @param policyDirectory the policy files ({@code policy.d}); the default policy is installed if it is missing
     * @param installDir      the folder holding {@code airlock.jar} and {@code lib/}, which domains run
     * @param jdkHome         the JDK that domains run on
     * @param askTimeout      how long a call waits for the user's answer when the policy says ask; then it is denied
     * @param poolSize        how many started disposables are kept ready per disposable template (0 to
     *                        {@value #MAX_POOL_SIZE})
     * @param disposableHomeBytes the most a disposable may write in its home (memory on the host), at least 1 MiB
     * @param hostSettings    the environment that sets what the host accepts from domains' copies
     *                        ({@link IncomingLimits}, {@link Recipient}): the process's own by default
     */
    public record Settings(AirlockHome home, Path policyDirectory, Path installDir, Path jdkHome,
                           Duration askTimeout, int poolSize, long disposableHomeBytes,
                           Map<String, String> hostSettings) {

        public Settings {
            if (askTimeout.isNegative() || askTimeout.isZero()) {
                throw new IllegalArgumentException("the ask timeout must be positive");
            }
            if (poolSize < 0 || poolSize > MAX_POOL_SIZE) {
                throw new IllegalArgumentException("the pool of disposables holds 0 to " + MAX_POOL_SIZE
                        + " per template, not " + poolSize);
            }
            if (disposableHomeBytes < 1 << 20) {
                throw new IllegalArgumentException("a disposable's home needs at least 1 MiB");
            }
            hostSettings = Map.copyOf(hostSettings);
        }

        /** Settings whose host settings are this process's environment. */
        public Settings(AirlockHome home, Path policyDirectory, Path installDir, Path jdkHome, Duration askTimeout,
                        int poolSize, long disposableHomeBytes) {
            this(home, policyDirectory, installDir, jdkHome, askTimeout, poolSize, disposableHomeBytes,
                    System.getenv());
        }

        /** These settings with {@code settings} for what the host accepts from domains' copies. */
        public Settings withHostSettings(Map<String, String> settings) {
            return new Settings(home, policyDirectory, installDir, jdkHome, askTimeout, poolSize,
                    disposableHomeBytes, settings);
        }

        /** Settings with the default pool and disposable home size. */
        public Settings(AirlockHome home, Path policyDirectory, Path installDir, Path jdkHome, Duration askTimeout) {
            this(home, policyDirectory, installDir, jdkHome, askTimeout, DEFAULT_POOL_SIZE,
                    DEFAULT_DISPOSABLE_HOME_BYTES);
        }

        /** Settings with the {@linkplain #DEFAULT_ASK_TIMEOUT default ask timeout}, pool and disposable home size. */
        public Settings(AirlockHome home, Path policyDirectory, Path installDir, Path jdkHome) {
            this(home, policyDirectory, installDir, jdkHome, DEFAULT_ASK_TIMEOUT);
        }

        /**
         * The settings of this process: policy, ask timeout ({@value #ASK_TIMEOUT_VARIABLE}), pool size
         * ({@value #POOL_SIZE_VARIABLE}) and disposable home size ({@value #DISPOSABLE_HOME_VARIABLE}) from the
         * environment, this jar's folder and JDK.
         */
        public static Settings defaults(AirlockHome home) {
            return new Settings(home, PolicyLocation.directory(System.getenv()), ownFolder(),
                    Path.of(System.getProperty("java.home")), askTimeout(System.getenv(ASK_TIMEOUT_VARIABLE)),
                    (int) number(POOL_SIZE_VARIABLE, DEFAULT_POOL_SIZE, 1),
                    number(DISPOSABLE_HOME_VARIABLE, DEFAULT_DISPOSABLE_HOME_BYTES, 1 << 20));
        }

        private static long number(String variable, long otherwise, long unit) {
            return number(variable, System.getenv(variable), otherwise, unit);
        }

        /** The whole number {@code value} (of {@code variable}) times {@code unit}, or {@code otherwise} when unset. */
        static long number(String variable, String value, long otherwise, long unit) {
            if (value == null || value.isBlank()) {
                return otherwise;
            }
            try {
                return Math.multiplyExact(Integer.parseInt(value.strip()), unit);
            } catch (NumberFormatException | ArithmeticException e) {
                throw new IllegalArgumentException(variable + " must be a whole number, not \"" + value + "\"");
            }
        }

        static Duration askTimeout(String seconds) {
            if (seconds == null || seconds.isBlank()) {
                return DEFAULT_ASK_TIMEOUT;
            }
            try {
                return Duration.ofSeconds(Long.parseLong(seconds.strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(ASK_TIMEOUT_VARIABLE + " must be a number of seconds, not \""
                        + seconds + "\"");
            }
        }

        private static Path ownFolder() {
            try {
                Path p = Path.of(Broker.class.getProtectionDomain().getCodeSource().getLocation().toURI());
                // target/airlock.jar, or target/classes when run from a build: both sit beside the jar.
                return p.toAbsolutePath().normalize().getParent();
            } catch (URISyntaxException e) {
                throw new IllegalStateException("cannot tell where airlock is installed", e);
            }
        }
    }

    private final AirlockHome home;
    private final AdminServer admin;
    private final PolicyStore policy;
    private final DomainRunner domains;
    /** How long a stopping broker waits for the records of the calls its stopped domains ended. */
    private static final long CALLS_END_MILLIS = 2000;
    private final Disposables disposables;
    private final CallRouter router;
    private final HostRun runs;
    private final HostOpen hostOpen;
    private final AuditLog audit;
    private final AskQueue asks;
    /** The desktop notifications of the call path; stopped with the broker. */
    private final Notifier notifier;
    private final PendriveExchange pendrives;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread aotTraining;
    /** Held from before the broker touches its home until it has stopped. */
    private final BrokerLock lock;
    /** How long a starting broker waits for the lock of a broker that is stopping. */
    private static final Duration LOCK_PATIENCE = Duration.ofSeconds(15);
    private static final long LOCK_RETRY_MILLIS = 100;

    private Broker(Settings settings, BrokerLock lock) throws IOException {
        this.lock = lock;
        this.home = settings.home();
        PolicyLocation.installDefaultIfMissing(settings.policyDirectory());
        this.policy = PolicyStore.open(settings.policyDirectory());
        Registry registry = Registry.open(home.root());
        this.asks = new AskQueue(settings.askTimeout(), new AskDialogs(new DialogLauncher(home.run(),
                settings.installDir().toAbsolutePath().normalize(), settings.jdkHome()), registry));
        this.audit = new AuditLog(home.auditLog());
        // The router serves the sockets of the domains it starts calls in: it is given its parts once they exist.
        this.router = new CallRouter();
        this.domains = new DomainRunner(home, registry, settings.installDir().toAbsolutePath().normalize(),
                settings.jdkHome().toRealPath(), router, settings.disposableHomeBytes());
        this.runs = new HostRun(router, domains, audit);
        this.disposables = new Disposables(registry, domains, home.run().resolve("domains"), settings.poolSize(),
                runs::warmUp, DisposableQuota.fromEnvironment(System.getenv()));
        RegistryViews views = new RegistryViews(registry, domains::isReady, disposables::isUnbound,
                domains::startedFor);
        this.notifier = Notifier.forRecordedDesktop(home.run(), Notifier.processUid());
        CallAudit calls = new CallAudit(audit, notifier::post);
        CallDecider decider = new CallDecider(domains, disposables, policy, views, asks, calls);
        router.attach(domains, decider, disposables, calls,
                new HostIncoming(home, settings.hostSettings(), HostReceiver.FreeSpace.FILE_SYSTEM));
        this.hostOpen = new HostOpen(router, decider, disposables, registry, audit);
        ClipboardExchange clipboard = new ClipboardExchange(runs::capture, policy, views, domains::isReady, audit);
        this.pendrives = PendriveExchange.open(home.root().resolve("pendrives"), policy, views, asks, audit,
                disposables, domains::start);
        domains.lifecycle(pendrives);
        // Before adoption: a disposable outlives neither its call nor the broker that made it.
        for (String name : disposables.removeLeftovers()) {
            audit.append(new AuditLog.Entry(Instant.now(), QrexecNames.HOST, name, null, null, null, "destroyed",
                    "disposable left by an earlier broker"));
        }
        domains.adopt();
        this.aotTraining = Thread.ofPlatform().daemon().name("airlock-aot-cache").start(() -> {
            try {
                domains.refreshAotCache();
            } catch (IOException e) {
                // Domains start without the cache, only slower.
            }
        });
        Map<String, Function<JsonNode, ObjectNode>> handlers = new HashMap<>();
        handlers.put("ping", r -> AdminServer.ok().put("pid", ProcessHandle.current().pid()));
        handlers.put("stop", r -> {
            Thread.ofPlatform().start(this::close);
            return AdminServer.ok();
        });
        handlers.put("start", r -> {
            String name = domainOf(r);
            run(() -> domains.start(name));
            return AdminServer.ok();
        });
        handlers.put("shutdown", r -> {
            String name = domainOf(r);
            run(() -> domains.shutdown(name));
            return AdminServer.ok();
        });
        handlers.put("sandbox", r -> {
            String name = domainOf(r);
            boolean[] runs = new boolean[1];
            run(() -> runs[0] = domains.hasSandbox(name));
            return AdminServer.ok().put("running", runs[0]);
        });
        // Before a domain is removed: its sandbox, however it came to run, is stopped and its run folder deleted.
        handlers.put("discard", r -> {
            String name = domainOf(r);
            run(() -> domains.discard(name));
            return AdminServer.ok();
        });
        handlers.put("running", r -> {
            ObjectNode answer = AdminServer.ok();
            var names = answer.putArray("domains");
            domains.names().stream().filter(domains::isReady).forEach(names::add);
            var pooled = answer.putArray("pooled");
            disposables.pooled().forEach(pooled::add);
            return answer;
        });
        handlers.put("pending", r -> {
            ObjectNode answer = AdminServer.ok();
            answer.set("calls", asks.list());
            return answer;
        });
        handlers.put("approve", r -> {
            asks.approve(r.path("id").asInt(-1), r.hasNonNull("target") ? r.get("target").asText() : null);
            return AdminServer.ok();
        });
        handlers.put("deny", r -> {
            asks.deny(r.path("id").asInt(-1));
            return AdminServer.ok();
        });
        handlers.put("clipboard-copy", clipboard::copy);
        handlers.put("clipboard-paste", clipboard::paste);
        handlers.put("clipboard-show", clipboard::show);
        handlers.put("clipboard-clear", clipboard::clear);
        this.admin = AdminServer.start(home, handlers, Map.of("run", runs::runCommand,
                OPEN_IN_DISPOSABLE, hostOpen::open, COPY_TO_DOMAIN, runs::copyToDomain));
        disposables.fillPools();
    }

    /**
     * Starts a broker for {@code home} with the {@linkplain Settings#defaults default settings}. Refuses when
     * another broker already answers there; a socket left by a broker that died is replaced.
     */
    public static Broker start(AirlockHome home) throws IOException {
        return start(Settings.defaults(home));
    }

    /** Starts a broker with {@code settings}. */
    public static Broker start(Settings settings) throws IOException {
        return start(settings, LOCK_PATIENCE);
    }

    /** Starts a broker, waiting up to {@code patience} for the lock of one that is stopping. */
    static Broker start(Settings settings, Duration patience) throws IOException {
        settings.home().ensureCreated();
        BrokerLock lock = lock(settings.home(), patience);
        try {
            return new Broker(settings, lock);
        } catch (IOException | RuntimeException | Error e) {
            lock.close();
            throw e;
        }
    }

    /**
     * The home's broker lock. A broker that answers refuses at once; a held lock without an answer is a broker
     * starting, or one stopping that has closed its admin socket but not yet let go of the rest of its home (which
     * {@code airlock down} does not wait for), so it is tried again for a while.
     */
    private static BrokerLock lock(AirlockHome home, Duration patience) throws IOException {
        AdminClient admin = new AdminClient(home);
        long end = System.nanoTime() + patience.toNanos();
        for (;;) {
            if (admin.isRunning()) {
                throw new IOException("a broker is already running for " + home.root());
            }
            Optional<BrokerLock> lock = BrokerLock.tryTake(home.run().resolve("broker.lock"));
            if (lock.isPresent()) {
                return lock.get();
            }
            if (System.nanoTime() - end >= 0) {
                throw new IOException("a broker is already starting or running for " + home.root());
            }
            try {
                Thread.sleep(LOCK_RETRY_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the broker lock of " + home.root());
            }
        }
    }

    /** Blocks until the broker stops (a {@code stop} request or {@link #close}). */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** The admin request by which the host opens a file of its own in a new disposable ({@link HostOpen}). */
    public static final String OPEN_IN_DISPOSABLE = "open-in-dvm";
    /** The admin request of {@code airlock copy FILE... DOMAIN}, whose files follow on the connection. */
    public static final String COPY_TO_DOMAIN = "copy-to-domain";
    /** What a newcomer without any disposable template is told to run. */
    public static final String NO_DEFAULT_DISPVM = "no default disposable template: create one and make it the "
            + "default with 'airlock demo' (it creates default-dvm), or: airlock create --class DispVM-template "
            + "default-dvm && airlock prefs --global default_dispvm default-dvm";

    /** The domain a request names, checked. */
    static String domainOf(JsonNode request) {
        String name = request.path("domain").asText("");
        if (!QrexecNames.isDomainName(name)) {
            throw new IllegalArgumentException("invalid domain name \"" + name + "\"");
        }
        return name;
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private static void run(IoAction action) {
        try {
            action.run();
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        close(true);
    }

    /** Stops as a broker that is killed does, leaving its domains running for the next one to adopt. */
    void closeLeavingDomains() {
        close(false);
    }

    private void close(boolean stopDomains) {
        // The admin socket goes last: until it does, the broker answers and `airlock down` waits, so that a new
        // broker never starts while this one still stops (or lets go of) its domains and would delete their sockets.
        try {
            if (stopDomains) {
                disposables.close();
                domains.close();
                // The stopped domains' calls end now: their records are written before the broker is gone.
                router.awaitCallsEnded(CALLS_END_MILLIS);
            } else {
                disposables.abandon();
                domains.leaveRunning();
            }
        } finally {
            try {
                admin.close();
                Files.deleteIfExists(home.adminSocket());
            } catch (IOException e) {
                // Stopping anyway: a leftover socket file is replaced by the next broker.
            } finally {
                pendrives.close();
                // The folded refusals' counts are written while the log is still the broker's.
                router.closeAudit();
                notifier.close();
                audit.close();
                policy.close();
                stopTraining();
                lock.close();
                stopped.countDown();
            }
        }
    }

    /** A training still running when the broker stops is ended, so that nothing keeps writing under its home. */
    private void stopTraining() {
        aotTraining.interrupt();
        try {
            aotTraining.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
