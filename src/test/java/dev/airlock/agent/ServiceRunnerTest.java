package dev.airlock.agent;

import dev.airlock.contract.BuiltInService;
import dev.airlock.filecopy.Packer;
import dev.airlock.openinvm.NameField;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(30)
class ServiceRunnerTest {

    private static Path service(Path folder, String name, String script) throws IOException {
        Files.createDirectories(folder);
        Path p = folder.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + script + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    private record Outcome(int code, String out, String err) {
    }

    private static Outcome run(ServiceRunner r, ServiceRunner.Call call, String input) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = r.run(call, new ServiceRunner.Io(
                Channels.newChannel(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8))),
                Channels.newChannel(out), Channels.newChannel(err)));
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void executableServiceGetsArgumentAndTrustedEnvironment(@TempDir Path tmp) throws Exception {
        Path rpc = tmp.resolve("rpc");
        service(rpc, "test.Echo", "echo \"$1|$QREXEC_REMOTE_DOMAIN|$QREXEC_SERVICE_FULL_NAME|$QREXEC_SERVICE_ARGUMENT\";"
                + " cat; echo oops >&2; exit 3");
        ServiceRunner r = new ServiceRunner(tmp, List.of(rpc));
        Outcome o = run(r, new ServiceRunner.Call("work", "test.Echo", "arg1"), "stdin data");
        assertThat(o.code()).isEqualTo(3);
        assertThat(o.out()).isEqualTo("arg1|work|test.Echo+arg1|arg1\nstdin data");
        assertThat(o.err()).isEqualTo("oops\n");
    }

    @Test
    void serviceWithArgumentSuffixWinsOverThePlainOne(@TempDir Path tmp) throws Exception {
        Path rpc = tmp.resolve("rpc");
        service(rpc, "test.S", "echo plain");
        service(rpc, "test.S+special", "echo special");
        ServiceRunner r = new ServiceRunner(tmp, List.of(rpc));
        assertThat(run(r, new ServiceRunner.Call("work", "test.S", "special"), "").out()).isEqualTo("special\n");
        assertThat(run(r, new ServiceRunner.Call("work", "test.S", "other"), "").out()).isEqualTo("plain\n");
        assertThat(run(r, new ServiceRunner.Call("work", "test.S", ""), "").out()).isEqualTo("plain\n");
    }

    @Test
    void missingOrNonExecutableServiceIs127(@TempDir Path tmp) throws Exception {
        Path rpc = tmp.resolve("rpc");
        Files.createDirectories(rpc);
        Files.writeString(rpc.resolve("test.NotExec"), "#!/bin/sh\necho no\n");
        ServiceRunner r = new ServiceRunner(tmp, List.of(rpc));
        assertThat(r.has(new ServiceRunner.Call("work", "test.NotExec", ""))).isFalse();
        assertThat(run(r, new ServiceRunner.Call("work", "test.NotExec", ""), "").code()).isEqualTo(127);
        assertThat(run(r, new ServiceRunner.Call("work", "test.Missing", ""), "").code()).isEqualTo(127);
    }

    @Test
    void openInVmIsBuiltInAndSendsBackTheEditedFile(@TempDir Path tmp) throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        service(home.resolve(".config/airlock"), "open-handler", "printf ' edited' >> \"$1\"");
        ServiceRunner r = new ServiceRunner(home, List.of());
        ServiceRunner.Call call = new ServiceRunner.Call("work", "qubes.OpenInVM", "");
        assertThat(r.has(call)).isTrue();
        byte[] field = NameField.encode("n.txt".getBytes(StandardCharsets.US_ASCII), false);
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        in.write(field);
        in.write("text".getBytes(StandardCharsets.US_ASCII));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = r.run(call, new ServiceRunner.Io(Channels.newChannel(new ByteArrayInputStream(in.toByteArray())),
                Channels.newChannel(out), Channels.newChannel(err)));
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("text edited");
    }

    @Test
    void fileCopyLandsInQubesIncomingOfTheSource(@TempDir Path tmp) throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        Path src = Files.writeString(tmp.resolve("report.txt"), "quarterly");
        ServiceRunner r = new ServiceRunner(home, List.of());
        Pipe data = Pipe.open();
        Pipe replies = Pipe.open();
        int[] code = new int[1];
        Thread t = Thread.ofPlatform().start(() -> {
            try (var in = data.source(); var out = replies.sink()) {
                code[0] = r.run(new ServiceRunner.Call("work", "qubes.Filecopy", ""),
                        new ServiceRunner.Io(in, out, Channels.newChannel(java.io.OutputStream.nullOutputStream())));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try (var replyIn = replies.source()) {
            Packer.send(List.of(src.toString()), data.sink(), replyIn, Packer.Options.defaults());
        }
        t.join();
        assertThat(code[0]).isZero();
        assertThat(home.resolve("QubesIncoming/work/report.txt")).hasContent("quarterly");
    }

    @Test
    void fileCopyServiceExitsWithTheReceiversErrorCodeAsQubes(@TempDir Path tmp) throws Exception {
        ServiceRunner r = new ServiceRunner(Files.createDirectories(tmp.resolve("home")), List.of());
        // A sender that stops before the end marker: EREMOTEIO in the reply, and 121 as Qubes' qfile-unpacker exits.
        Outcome o = run(r, new ServiceRunner.Call("work", "qubes.Filecopy", ""), "");
        assertThat(o.code()).isEqualTo(121);
        assertThat(o.out().getBytes(StandardCharsets.ISO_8859_1)).startsWith(121, 0, 0, 0);
    }

    @Test
    void domainCannotServeAHostOnlyServiceFromAnExecutableOfItsName(@TempDir Path tmp) throws Exception {
        Path rpc = tmp.resolve("rpc");
        Path ran = tmp.resolve("ran");
        for (String name : BuiltInService.hostOnlyNames()) {
            service(rpc, name, "touch " + ran);
            service(rpc, name + "+x", "touch " + ran);
        }
        ServiceRunner r = new ServiceRunner(tmp, List.of(rpc));

        for (String name : BuiltInService.hostOnlyNames()) {
            for (String argument : List.of("", "x")) {
                ServiceRunner.Call call = new ServiceRunner.Call("work", name, argument);
                assertThat(r.has(call)).isFalse();
                assertThat(run(r, call, "").code()).isEqualTo(ServiceRunner.NO_SUCH_SERVICE);
            }
        }
        assertThat(ran).doesNotExist();
    }
}
