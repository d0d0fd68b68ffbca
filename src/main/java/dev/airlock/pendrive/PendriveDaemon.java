package dev.airlock.pendrive;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The pendrive state machine ({@code docs/design-notes.md}, "The pendrive daemon"): per-domain sending and receiving
 * states, the global sequence counter, transfers, waits for a busy receiver and disposable transactions.
 *
 * <p>Thread-safe. One lock guards all states and is held while the {@link PendriveHost} works, so transitions
 * never interleave; it is released while the user is asked, and everything the question depended on is checked
 * again when the answer comes. While a question about a domain's request is open, that domain's further
 * requests are refused.
 *
 * <p>Consent comes first: a send to a busy receiver is authorized like any other send (unless the sender is a
 * disposable answering its transaction) and then the user is asked whether to wait, so the transfer that
 * resumes on the receiver's {@code umount} has both answers and asks nothing more.
 */
public final class PendriveDaemon {

    /** The sending side of a domain. */
    public enum Sending {
        IDLE, HAS_CLEAN_PENDRIVE
    }

    /** The receiving side of a domain. */
    public enum Receiving {
        IDLE, HAS_LOADED_PENDRIVE, WAITS_TO_UMOUNT
    }

    /**
     * What the daemon knows of one domain, at one moment.
     *
     * @param sendSeq the image attached as {@code xvdg}, or 0
     * @param rcvSeq the image attached as {@code xvdh}, or 0
     * @param waitingSender the domain waiting to send here, or null
     * @param allowedDest for a disposable: the only domain it may send to; otherwise null
     * @param allowedSeq for a disposable: the only transaction it may send in
     * @param delayedTransactionSeq the transaction of this domain's send that waits for a busy receiver
     * @param waitsFor the busy receiver this domain's send waits for, or null
     * @param disposable whether the daemon created this domain for a transaction
     * @param asking whether a question about this domain's request is open
     */
    public record DomainState(String name, Sending sending, Receiving receiving, long sendSeq, long rcvSeq,
                              String waitingSender, String allowedDest, int allowedSeq, int delayedTransactionSeq,
                              String waitsFor, boolean disposable, boolean asking) {
    }

    /** What became of a request. */
    public sealed interface Outcome {
        /** Done (or, for a send to a busy receiver, waiting). */
        record Served(String what) implements Outcome {
        }

        /** Refused; the reason is also logged. */
        record Refused(String why) implements Outcome {
        }
    }

    private static final class State {
        final String name;
        Sending sending = Sending.IDLE;
        Receiving receiving = Receiving.IDLE;
        long sendSeq;
        long rcvSeq;
        String waitingSender;
        String allowedDest;
        int allowedSeq;
        int delayedTransactionSeq;
        String waitsFor;
        boolean disposable;
        boolean asking;

        State(String name) {
            this.name = name;
        }

        DomainState snapshot() {
            return new DomainState(name, sending, receiving, sendSeq, rcvSeq, waitingSender, allowedDest,
                    allowedSeq, delayedTransactionSeq, waitsFor, disposable, asking);
        }

        String describe() {
            return "sending " + sending.name().toLowerCase() + ", receiving " + receiving.name().toLowerCase()
                    + (asking ? ", a question is open" : "") + (waitsFor != null ? ", waits for " + waitsFor : "")
                    + (disposable ? ", disposable" : "");
        }
    }

    private static final System.Logger LOG = System.getLogger(PendriveDaemon.class.getName());

    private final PendriveHost host;
    private final Approval approval;
    private final Consumer<String> log;
    private final Object lock = new Object();
    private final Map<String, State> states = new HashMap<>();
    private long sequence;

    /** A daemon that logs through {@link System.Logger}. */
    public PendriveDaemon(PendriveHost host, Approval approval) {
        this(host, approval, line -> LOG.log(System.Logger.Level.INFO, line));
    }

    /** A daemon that writes its log lines (served and refused requests) to {@code log}. */
    public PendriveDaemon(PendriveHost host, Approval approval, Consumer<String> log) {
        this.host = Objects.requireNonNull(host);
        this.approval = Objects.requireNonNull(approval);
        this.log = Objects.requireNonNull(log);
    }

    /**
     * Serves the request that {@code domain} wrote to its {@code device/qpen} key. May wait for the user.
     *
     * @param domain the requesting domain, as the host knows it (never taken from the value)
     * @param value the value, as the domain wrote it
     */
    public Outcome handle(String domain, String value) throws InterruptedException {
        PenRequest request;
        try {
            request = PenRequest.parse(value);
        } catch (IllegalArgumentException e) {
            return refused(domain + ": malformed request refused: " + e.getMessage());
        }
        return switch (request) {
            case PenRequest.New n -> newPendrive(domain);
            case PenRequest.Send(String dest, int seq) -> send(domain, dest, seq);
            case PenRequest.SendDisposable(int seq) -> sendDisposable(domain, seq);
            case PenRequest.Umount u -> umount(domain);
            case PenRequest.Killme k -> killme(domain);
        };
    }

    /**
     * The domain is gone (its keys were removed): its pendrives are taken away and deleted, a send it was
     * waiting to make is dropped, and a sender waiting for it keeps its pendrive.
     */
    public void domainGone(String domain) {
        synchronized (lock) {
            State s = states.remove(domain);
            if (s != null) {
                release(s);
                log.accept(domain + ": gone; its pendrives are deleted");
            }
        }
    }

    /** What the daemon knows of {@code domain}: all idle for a domain it never heard of. */
    public DomainState state(String domain) {
        synchronized (lock) {
            State s = states.get(domain);
            return (s != null ? s : new State(domain)).snapshot();
        }
    }

    /** The last sequence number handed out; images are numbered 1, 2, ... */
    public long lastSequence() {
        synchronized (lock) {
            return sequence;
        }
    }

    private Outcome newPendrive(String domain) {
        synchronized (lock) {
            State s = state0(domain);
            if (s.sending != Sending.IDLE || s.asking) {
                return nonMatching(domain + ": new", s);
            }
            long image = ++sequence;
            try {
                host.createImage(image, domain);
            } catch (RuntimeException e) {
                return failed(domain, "new", e);
            }
            try {
                host.attach(image, domain, Device.XVDG);
            } catch (RuntimeException e) {
                deleteQuietly(image);
                return failed(domain, "new", e);
            }
            s.sending = Sending.HAS_CLEAN_PENDRIVE;
            s.sendSeq = image;
            return served(domain + ": new: pendrive " + image + " attached as xvdg");
        }
    }

    private Outcome send(String src, String dest, int seq) throws InterruptedException {
        String what = "send " + dest + (seq != 0 ? " " + seq : "");
        long image;
        boolean fromDisposable;
        boolean halted;
        synchronized (lock) {
            State s = state0(src);
            Outcome bad = checkSender(s, src + ": " + what);
            if (bad != null) {
                return bad;
            }
            if (dest.equals(src)) {
                return refused(src + ": " + what + " refused: a domain cannot send to itself");
            }
            if (s.disposable && (!dest.equals(s.allowedDest) || seq != s.allowedSeq)) {
                return refused(src + ": " + what + " refused: transaction mismatch (this disposable may only send "
                        + "to " + s.allowedDest + " in transaction " + s.allowedSeq + ")");
            }
            halted = !host.isRunning(dest);
            // A disposable answers its own transaction, whose receiver runs: it never starts one.
            if (halted && s.disposable) {
                return refused(src + ": " + what + " refused: " + dest + " does not exist or does not run");
            }
            if (!halted) {
                if (host.isUnbound(dest)) {
                    return refused(src + ": " + what + " refused: " + unboundReason(dest));
                }
                State d = state0(dest);
                if (d.receiving == Receiving.WAITS_TO_UMOUNT) {
                    return nonMatching(src + ": " + what, d);
                }
            }
            image = s.sendSeq;
            fromDisposable = s.disposable;
            s.asking = true;
        }
        // Ordinary transfers never carry a transaction: only a disposable answers one.
        int transaction = fromDisposable ? seq : 0;
        // A halted receiver is started by the approval (outside the lock: starting it reports to this daemon) when
        // the policy's rule allows autostart; else the answer is no, as it always was.
        boolean authorized = ask(src, () -> fromDisposable
                || (halted ? approval.authorizeTransferStarting(src, dest) : approval.authorizeTransfer(src, dest)));
        synchronized (lock) {
            if (halted && !authorized) {
                return refused(src + ": " + what + " refused: " + dest + " does not exist or does not run, and the "
                        + "policy did not allow starting it for the transfer (that takes a rule with autostart)");
            }
            Outcome stale = revalidate(src, dest, image, what);
            if (stale != null) {
                return stale;
            }
            if (!authorized) {
                return refused(src + ": " + what + " refused: the transfer was not authorized");
            }
            State d = states.get(dest);
            switch (d.receiving) {
                case IDLE -> {
                    return transfer(src, dest, transaction, what);
                }
                case WAITS_TO_UMOUNT -> {
                    return nonMatching(src + ": " + what, d);
                }
                case HAS_LOADED_PENDRIVE -> states.get(src).asking = true;
            }
        }
        boolean wait = ask(src, () -> approval.waitForRelease(src, dest));
        synchronized (lock) {
            Outcome stale = revalidate(src, dest, image, what);
            if (stale != null) {
                return stale;
            }
            if (!wait) {
                return refused(src + ": " + what + " refused: the user chose not to wait until " + dest
                        + " releases its pendrive");
            }
            State s = states.get(src);
            State d = states.get(dest);
            return switch (d.receiving) {
                case IDLE -> transfer(src, dest, transaction, what);
                case WAITS_TO_UMOUNT -> nonMatching(src + ": " + what, d);
                case HAS_LOADED_PENDRIVE -> {
                    d.receiving = Receiving.WAITS_TO_UMOUNT;
                    d.waitingSender = src;
                    s.delayedTransactionSeq = transaction;
                    s.waitsFor = dest;
                    yield served(src + ": " + what + ": waits until " + dest + " releases its pendrive");
                }
            };
        }
    }

    private Outcome sendDisposable(String src, int seq) {
        String what = "send disposable " + seq;
        synchronized (lock) {
            State s = state0(src);
            Outcome bad = checkSender(s, src + ": " + what);
            if (bad != null) {
                return bad;
            }
            if (s.disposable) {
                return refused(src + ": " + what + " refused: transaction mismatch (this disposable may only send "
                        + "to " + s.allowedDest + " in transaction " + s.allowedSeq + ")");
            }
            String dvm;
            try {
                dvm = host.createDisposable(src);
            } catch (RuntimeException e) {
                return failed(src, what, e);
            }
            State d = new State(dvm);
            d.disposable = true;
            d.allowedDest = src;
            d.allowedSeq = seq;
            State previous = states.put(dvm, d);
            if (previous != null) {
                release(previous);
            }
            Outcome o = transfer(src, dvm, seq, what);
            if (o instanceof Outcome.Refused) {
                destroy(d);
            }
            return o;
        }
    }

    private Outcome umount(String domain) {
        synchronized (lock) {
            State r = state0(domain);
            if (r.receiving == Receiving.IDLE) {
                return nonMatching(domain + ": umount", r);
            }
            try {
                host.detach(r.rcvSeq, domain, Device.XVDH);
            } catch (RuntimeException e) {
                return failed(domain, "umount", e);
            }
            deleteQuietly(r.rcvSeq);
            r.rcvSeq = 0;
            String waiting = r.waitingSender;
            r.waitingSender = null;
            r.receiving = Receiving.IDLE;
            String done = domain + ": umount: pendrive detached and deleted";
            if (waiting == null) {
                return served(done);
            }
            State w = states.get(waiting);
            if (w == null) {
                return served(done);
            }
            w.waitsFor = null;
            int transaction = w.delayedTransactionSeq;
            w.delayedTransactionSeq = 0;
            log.accept(done + "; the transfer from " + waiting + " resumes");
            return transfer(waiting, domain, transaction,
                    "send " + domain + (transaction != 0 ? " " + transaction : ""));
        }
    }

    private Outcome killme(String domain) {
        synchronized (lock) {
            State k = state0(domain);
            if (!k.disposable) {
                return nonMatching(domain + ": killme", k);
            }
            return destroy(k);
        }
    }

    /** Hands the sender's pendrive to {@code dest}: recorded, taken from the sender, then given. Lock held. */
    private Outcome transfer(String src, String dest, int transaction, String what) {
        State s = states.get(src);
        State d = states.get(dest);
        long image = s.sendSeq;
        try {
            host.recordTransaction(dest, src, transaction);
            host.detach(image, src, Device.XVDG);
        } catch (RuntimeException e) {
            return failed(src, what, e);
        }
        s.sending = Sending.IDLE;
        s.sendSeq = 0;
        try {
            host.attach(image, dest, Device.XVDH);
        } catch (RuntimeException e) {
            deleteQuietly(image);
            finishSend(s);
            return failed(src, what, e);
        }
        d.receiving = Receiving.HAS_LOADED_PENDRIVE;
        d.rcvSeq = image;
        Outcome o = served(src + ": " + what + ": pendrive " + image + " attached to " + dest + " as xvdh"
                + (transaction != 0 ? " in transaction " + transaction : ""));
        finishSend(s);
        return o;
    }

    /** A disposable's one send is its last act. */
    private void finishSend(State s) {
        if (s.disposable) {
            destroy(s);
        }
    }

    /** Destroys a disposable; one that survives keeps its state, so it stays bound to its transaction. */
    private Outcome destroy(State k) {
        release(k);
        try {
            host.destroyDisposable(k.name);
        } catch (RuntimeException e) {
            return failed(k.name, "destroying the disposable", e);
        }
        states.remove(k.name);
        return served(k.name + ": disposable destroyed");
    }

    /** Takes every pendrive away from a domain that leaves, and unties the waits it was part of. Lock held. */
    private void release(State x) {
        if (x.sending == Sending.HAS_CLEAN_PENDRIVE) {
            detachAndDelete(x.sendSeq, x.name, Device.XVDG);
            x.sending = Sending.IDLE;
            x.sendSeq = 0;
        }
        if (x.receiving != Receiving.IDLE) {
            detachAndDelete(x.rcvSeq, x.name, Device.XVDH);
            State waiter = x.waitingSender == null ? null : states.get(x.waitingSender);
            if (waiter != null) {
                waiter.waitsFor = null;
                waiter.delayedTransactionSeq = 0;
            }
            x.receiving = Receiving.IDLE;
            x.rcvSeq = 0;
            x.waitingSender = null;
        }
        State awaited = x.waitsFor == null ? null : states.get(x.waitsFor);
        if (awaited != null && x.name.equals(awaited.waitingSender)) {
            awaited.receiving = Receiving.HAS_LOADED_PENDRIVE;
            awaited.waitingSender = null;
        }
        x.waitsFor = null;
    }

    private void detachAndDelete(long image, String domain, Device device) {
        try {
            host.detach(image, domain, device);
        } catch (RuntimeException e) {
            log.accept(domain + ": detaching pendrive " + image + " failed: " + e.getMessage());
        }
        deleteQuietly(image);
    }

    private void deleteQuietly(long image) {
        try {
            host.deleteImage(image);
        } catch (RuntimeException e) {
            log.accept("deleting pendrive " + image + " failed: " + e.getMessage());
        }
    }

    private Outcome checkSender(State s, String line) {
        if (s.sending != Sending.HAS_CLEAN_PENDRIVE || s.asking || s.waitsFor != null) {
            return nonMatching(line, s);
        }
        return null;
    }

    /** After a question: the sender must still hold the same pendrive, and DEST must still run. Lock held. */
    private Outcome revalidate(String src, String dest, long image, String what) {
        State s = states.get(src);
        if (s == null || s.sending != Sending.HAS_CLEAN_PENDRIVE || s.sendSeq != image) {
            return refused(src + ": " + what + " refused: the sender's pendrive went away while the user was asked");
        }
        if (!host.isRunning(dest)) {
            return refused(src + ": " + what + " refused: " + dest + " stopped while the user was asked");
        }
        if (host.isUnbound(dest)) {
            return refused(src + ": " + what + " refused: " + unboundReason(dest));
        }
        state0(dest);
        return null;
    }

    private static String unboundReason(String dest) {
        return dest + " is a disposable waiting in the pool or starting: pendrives reach it only through "
                + "send disposable";
    }

    private interface Question {
        boolean answer() throws InterruptedException;
    }

    private boolean ask(String src, Question q) throws InterruptedException {
        try {
            return q.answer();
        } finally {
            synchronized (lock) {
                State s = states.get(src);
                if (s != null) {
                    s.asking = false;
                }
            }
        }
    }

    private State state0(String domain) {
        return states.computeIfAbsent(domain, State::new);
    }

    /** Logs and refuses {@code line}, a request that does not fit the state of {@code s} (sender or receiver). */
    private Outcome nonMatching(String line, State s) {
        return refused(line + " not served due to non-matching state (" + s.name + ": " + s.describe() + ")");
    }

    private Outcome failed(String domain, String what, RuntimeException e) {
        return refused(domain + ": " + what + " failed: " + e.getMessage());
    }

    private Outcome served(String line) {
        log.accept(line);
        return new Outcome.Served(line);
    }

    private Outcome refused(String line) {
        log.accept(line);
        return new Outcome.Refused(line);
    }
}
