package dev.airlock.sandbox;

import dev.airlock.sys.ErrnoException;
import dev.airlock.sys.Fd;
import dev.airlock.sys.Posix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * Confines the calling OS thread to one directory tree with Linux Landlock: afterwards the thread can open,
 * create and change files only beneath that directory, cannot bind or connect TCP sockets (ABI 4+), and cannot
 * signal or reach abstract sockets outside its domain (ABI 6+).
 *
 * <p>Landlock (before ABI 8) and {@code no_new_privs} bind the calling thread only, and for good: confine only a
 * dedicated platform thread that ends with its job, never a virtual thread or a pooled thread. A confined thread
 * cannot load classes from files either, and a class that fails to load stays broken for the whole JVM: load
 * what it will run first ({@link ClassPreloader}).
 */
public final class Landlock {
    private static final long SYS_CREATE_RULESET = 444;
    private static final long SYS_ADD_RULE = 445;
    private static final long SYS_RESTRICT_SELF = 446;
    private static final long CREATE_RULESET_VERSION = 1;
    private static final long RULE_PATH_BENEATH = 1;

    private static final long FS_WRITE_FILE = 1L << 1;
    private static final long FS_READ_DIR = 1L << 3;
    private static final long FS_REMOVE_FILE = 1L << 5;
    private static final long FS_MAKE_DIR = 1L << 7;
    private static final long FS_MAKE_REG = 1L << 8;
    private static final long FS_MAKE_SYM = 1L << 12;
    private static final long FS_REFER = 1L << 13;
    private static final long FS_TRUNCATE = 1L << 14;
    private static final long FS_IOCTL_DEV = 1L << 15;
    private static final long NET_ALL = 0b11;
    private static final long SCOPE_ALL = 0b11;

    private static final AtomicBoolean WARNED = new AtomicBoolean();

    /** The outcome of a confinement attempt. */
    public sealed interface Result permits Confined, Unavailable {
    }

    /** The thread is confined; {@code abi} is the kernel's Landlock ABI version. */
    public record Confined(int abi) implements Result {
    }

    /** Landlock could not be applied; the thread runs unconfined. */
    public record Unavailable(String reason) implements Result {
    }

    private Landlock() {
    }

    /** The kernel's Landlock ABI version, or 0 when the kernel lacks or disables Landlock. */
    public static int abiVersion() {
        try {
            return (int) Posix.syscall("landlock_create_ruleset", SYS_CREATE_RULESET, 0, 0, CREATE_RULESET_VERSION);
        } catch (ErrnoException e) {
            return 0;
        }
    }

    /**
     * Confines the calling thread to the tree beneath the open directory {@code dir}: list folders, write new
     * files, create folders, regular files and symlinks, remove files and set sizes there; nothing anywhere else
     * (not even reading a file there). Sets
     * {@code no_new_privs} on the thread first (Landlock requires it). When the kernel cannot do it, says so once
     * on standard error and returns {@link Unavailable}.
     */
    public static Result confineCurrentThreadTo(Fd dir) {
        int abi = abiVersion();
        if (abi < 1) {
            return unavailable("the kernel does not offer Landlock");
        }
        long handledFs = (1L << 13) - 1;
        if (abi >= 2) {
            handledFs |= FS_REFER;
        }
        if (abi >= 3) {
            handledFs |= FS_TRUNCATE;
        }
        if (abi >= 5) {
            handledFs |= FS_IOCTL_DEV;
        }
        // Only what unpacking does: open folders, write new files (never read them), make folders, files and links,
        // remove its own temporary names, set sizes. Every link stays in its folder, so no REFER.
        long allowed = handledFs & (FS_WRITE_FILE | FS_READ_DIR | FS_REMOVE_FILE | FS_MAKE_DIR | FS_MAKE_REG
                | FS_MAKE_SYM | FS_TRUNCATE);
        long attrSize = abi >= 6 ? 24 : abi >= 4 ? 16 : 8;
        int rulesetFd = -1;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(24, 8);
            attr.set(JAVA_LONG, 0, handledFs);
            attr.set(JAVA_LONG, 8, abi >= 4 ? NET_ALL : 0);
            attr.set(JAVA_LONG, 16, abi >= 6 ? SCOPE_ALL : 0);
            rulesetFd = (int) Posix.syscall("landlock_create_ruleset", SYS_CREATE_RULESET, attr.address(),
                    attrSize, 0);
            MemorySegment beneath = arena.allocate(12, 8);
            beneath.set(JAVA_LONG_UNALIGNED, 0, allowed);
            dir.writeInto(beneath, 8);
            Posix.syscall("landlock_add_rule", SYS_ADD_RULE, rulesetFd, RULE_PATH_BENEATH, beneath.address(), 0);
            Posix.prctl(Posix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
            // Made before the restriction: once confined, the thread could not load the class from its file.
            Result confined = new Confined(abi);
            Posix.syscall("landlock_restrict_self", SYS_RESTRICT_SELF, rulesetFd, 0, 0);
            return confined;
        } catch (ErrnoException e) {
            return unavailable(e.getMessage());
        } finally {
            Posix.closeQuietly(rulesetFd);
        }
    }

    private static Result unavailable(String reason) {
        if (WARNED.compareAndSet(false, true)) {
            System.err.println("airlock: Landlock confinement unavailable (" + reason
                    + "); the unpacker relies on its openat-style path resolution alone");
        }
        return new Unavailable(reason);
    }
}
