package dev.airlock.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * The FFM plumbing every binding in this package shares: finding a C library function, calling it with errno
 * captured, and turning a failure into an {@link ErrnoException}. Kept apart from the bindings so that each file of
 * bindings ({@link Posix}, {@link Sockets}) holds calls, not machinery.
 */
final class Native {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    // One errno slot per thread: allocating per call would cost more than the call itself.
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    private Native() {
    }

    /** A handle on the C library function {@code name} that captures errno. */
    static MethodHandle fn(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(extra, 0, options, 1, extra.length);
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new ExceptionInInitializerError("C library lacks " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    /** One native call; receives the thread's errno slot and returns the raw result. */
    @FunctionalInterface
    interface NativeCall {
        long call(MemorySegment errnoState) throws Throwable;
    }

    /** Runs {@code call}; a negative result becomes an {@link ErrnoException} named {@code name}. */
    static long invoke(String name, NativeCall call) throws ErrnoException {
        MemorySegment state = STATE.get();
        long result;
        try {
            result = call.call(state);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (result < 0) {
            throw new ErrnoException(name, (int) ERRNO.get(state, 0L));
        }
        return result;
    }

    /** A NUL-terminated copy of {@code path}; a NUL inside would silently shorten the path, so it is refused. */
    static MemorySegment cString(Arena arena, byte[] path) {
        for (byte b : path) {
            if (b == 0) {
                throw new IllegalArgumentException("path contains a NUL byte");
            }
        }
        MemorySegment seg = arena.allocate(path.length + 1L);
        MemorySegment.copy(path, 0, seg, JAVA_BYTE, 0, path.length);
        seg.set(JAVA_BYTE, path.length, (byte) 0);
        return seg;
    }
}
