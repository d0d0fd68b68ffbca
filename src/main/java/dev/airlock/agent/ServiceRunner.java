package dev.airlock.agent;

import dev.airlock.contract.BuiltInService;
import dev.airlock.filecopy.Destinations;
import dev.airlock.filecopy.FilecopyErrors;
import dev.airlock.filecopy.Reply;
import dev.airlock.filecopy.Unpacker;
import dev.airlock.openinvm.FileEditor;
import dev.airlock.sys.BlockingThreads;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Runs one service call inside a domain: the built-in {@code qubes.Filecopy} (the unpacker, into
 * {@code ~/QubesIncoming/SOURCE}), the built-in {@code qubes.OpenInVM} ({@code vm-file-editor}), or an executable
 * {@code SERVICE+ARG} / {@code SERVICE} from the qubes-rpc folders (the {@code +ARG} form wins), with the argument
 * as {@code argv[1]} and the environment Qubes gives: {@code QREXEC_REMOTE_DOMAIN} (set by the broker, trusted),
 * {@code QREXEC_SERVICE_FULL_NAME}, {@code QREXEC_SERVICE_ARGUMENT}.
 */
public final class ServiceRunner {
    /** Exit code when the domain has no such service (the broker passes it to the caller). */
    public static final int NO_SUCH_SERVICE = 127;
    static final String FILECOPY = BuiltInService.FILECOPY.serviceName();
    static final String OPEN_IN_VM = BuiltInService.OPEN_IN_VM.serviceName();
    /** How long a service whose caller is gone has after {@code SIGTERM} before {@code SIGKILL}. */
    static final Duration TERMINATION_GRACE = Duration.ofSeconds(2);
    private static final String ALLOW_ALL_NAMES = "allow-all-names";

    /** One call, as the broker described it. */
    public record Call(String source, String service, String argument) {
        String fullName() {
            return argument.isEmpty() ? service : service + "+" + argument;
        }
    }

    /** The call's three streams; {@code stdin} ends at the caller's EOF. */
    public record Io(ReadableByteChannel stdin, WritableByteChannel stdout, WritableByteChannel stderr) {
    }

    private final Path home;
    private final List<Path> rpcFolders;

    /**
     * @param home       the domain user's home (incoming files go to {@code home/QubesIncoming/SOURCE})
     * @param rpcFolders where executable services live, first match wins
     */
    public ServiceRunner(Path home, List<Path> rpcFolders) {
        this.home = home;
        this.rpcFolders = List.copyOf(rpcFolders);
    }

    /**
     * True when this domain can serve {@code call} here; a host-only built-in is not served here but only as the
     * broker's own call (see {@code ServiceSide}).
     */
    public boolean has(Call call) {
        return call.service().equals(FILECOPY) || call.service().equals(OPEN_IN_VM) || executable(call).isPresent();
    }

    /** Runs the call to its end and returns its exit code ({@link #NO_SUCH_SERVICE} when there is none). */
    public int run(Call call, Io io) throws IOException, InterruptedException {
        if (BuiltInService.isHostOnly(call.service())) {
            return NO_SUCH_SERVICE;
        }
        if (call.service().equals(FILECOPY)) {
            return fileCopy(call, io);
        }
        if (call.service().equals(OPEN_IN_VM)) {
            return FileEditor.forDomain(home, System.getenv()).serve(Channels.newInputStream(io.stdin()),
                    Channels.newOutputStream(io.stdout()), Channels.newOutputStream(io.stderr()));
        }
        Optional<Path> exe = executable(call);
        if (exe.isEmpty()) {
            return NO_SUCH_SERVICE;
        }
        return runExecutable(exe.get(), call, io);
    }

    private int fileCopy(Call call, Io io) throws IOException {
        Path incoming = home.resolve("QubesIncoming");
        Files.createDirectories(incoming);
        IncomingSettings settings = IncomingSettings.load(home);
        Reply r = Unpacker.receive(Destinations.forDomain(home, call.source(), settings.destinations()), io.stdin(),
                io.stdout(), new Unpacker.Options(call.argument().equals(ALLOW_ALL_NAMES), 0, 0,
                        settings.conflicts(), true));
        return FilecopyErrors.exitStatus(r.errorCode());
    }

    /**
     * The service file (a symlink to an executable counts, as in Qubes). Names were checked by the broker
     * ({@code [A-Za-z0-9._-]}, not {@code .} or {@code ..}), so they cannot leave the folder.
     */
    Optional<Path> executable(Call call) {
        if (BuiltInService.of(call.service()).isPresent()) {
            // A domain cannot put its own program under a built-in's name, least of all a host-only one's.
            return Optional.empty();
        }
        for (Path folder : rpcFolders) {
            for (String name : List.of(call.fullName(), call.service())) {
                Path p = folder.resolve(name);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    private int runExecutable(Path exe, Call call, Io io) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(exe.toString()));
        if (!call.argument().isEmpty()) {
            cmd.add(call.argument());
        }
        return runProcess(cmd, Map.of("QREXEC_REMOTE_DOMAIN", call.source(),
                "QREXEC_SERVICE_FULL_NAME", call.fullName(),
                "QREXEC_SERVICE_ARGUMENT", call.argument()), io);
    }

    /**
     * Runs {@code cmd} in the home folder with {@code env} added, its three streams joined to {@code io}, in a
     * process group of its own. An interrupt while it runs (its caller is gone, see {@link CallerWatch}) ends the
     * group ({@code SIGTERM}, {@code SIGKILL} after {@link #TERMINATION_GRACE}); the exit code is then the killed
     * process's.
     */
    int runProcess(List<String> cmd, Map<String, String> extraEnv, Io io) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile());
        pb.environment().putAll(extraEnv);
        ServiceProcess service = ServiceProcess.start(pb);
        Process p = service.process();
        Future<?> in = pump(io.stdin(), p.getOutputStream());
        Future<?> out = pump(p.getInputStream(), io.stdout());
        Future<?> err = pump(p.getErrorStream(), io.stderr());
        int code;
        try {
            code = p.waitFor();
        } catch (InterruptedException e) {
            code = service.terminate(TERMINATION_GRACE);
        }
        finish(out);
        finish(err);
        // The caller may still be writing; its input is no longer wanted once the service is done.
        in.cancel(true);
        return code;
    }

    private static void finish(Future<?> pump) throws InterruptedException {
        try {
            pump.get();
        } catch (ExecutionException e) {
            // A pump ends its own failures; one that threw anyway has nothing more to pass on.
        }
    }

    /**
     * Copies the caller's input to the process, closing the process's stdin at the caller's EOF. Pumps run on
     * platform threads: a call's socket blocks in native code, which would hold a virtual thread's carrier.
     */
    private static Future<?> pump(ReadableByteChannel from, OutputStream to) {
        return BlockingThreads.start(() -> {
            try (to) {
                // A heap buffer: a direct one per call is native memory that only a collection frees, and the
                // small heap of a resident agent is seldom collected (issue 16: its memory grew with every call).
                ByteBuffer b = ByteBuffer.allocate(64 * 1024);
                while (from.read(b.clear()) >= 0) {
                    to.write(b.array(), 0, b.position());
                    to.flush();
                }
            } catch (IOException e) {
                // The process closed its input or exited: the rest of the caller's input has nowhere to go.
            }
        });
    }

    /** Copies a process's output to the caller until the process closes it. */
    private static Future<?> pump(InputStream from, WritableByteChannel to) {
        return BlockingThreads.start(() -> {
            try (from) {
                byte[] b = new byte[64 * 1024];
                var out = Channels.newOutputStream(to);
                for (int n; (n = from.read(b)) >= 0; ) {
                    out.write(b, 0, n);
                }
            } catch (IOException e) {
                // The caller went away; the process still runs to its end.
            }
        });
    }
}
