// Writes the binary seeds of the fuzz corpora (issue 17) with airlock's own encoders; bench/fuzz.sh seeds runs it.
// The text seeds (policy, desktop files, XML, JSON, key-store scripts) are written by hand in the corpus folders.
import dev.airlock.backup.*;
import dev.airlock.openinvm.*;
import dev.airlock.pendrive.Device;
import dev.airlock.pendrive.wire.*;
import dev.airlock.qrexec.*;
import java.io.*;
import java.nio.ByteBuffer;
import java.nio.file.*;
import java.util.*;

Path res = Path.of(System.getProperty("seeds.resources"));

void seed(String dir, String name, byte[]... parts) throws IOException {
    Path d = res.resolve(dir);
    Files.createDirectories(d);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] p : parts) b.write(p);
    Files.write(d.resolve(name), b.toByteArray());
}

byte[] flag(int f) { return new byte[]{(byte) f}; }
byte[] bytes(ByteBuffer b) { byte[] a = new byte[b.remaining()]; b.duplicate().get(a); return a; }
byte[] ascii(String s) { return s.getBytes(java.nio.charset.StandardCharsets.UTF_8); }

String q = "dev/airlock/qrexec/QrexecFuzzTestInputs/messages";
byte[] hello = MessageEncoder.encode(new Message.Hello(3));
seed(q, "call-request", flag(2), flag(255), hello,
        MessageEncoder.encode(new Message.CallRequest(7, "work", new ServiceCall("qubes.Filecopy", ""))));
seed(q, "service-start", flag(3), flag(3), hello,
        MessageEncoder.encode(new Message.ServiceStart(42L, "work", new ServiceCall("qubes.OpenInVM", "x"))));
seed(q, "data-exchange", flag(0), flag(16), hello,
        MessageEncoder.encode(new Message.Data(DataStream.STDIN, ascii("hello"))),
        MessageEncoder.encode(Message.Data.eof(DataStream.STDIN)),
        MessageEncoder.encode(new Message.ExitCode(0)));
seed(q, "refused", flag(1), flag(7), hello,
        MessageEncoder.encode(new Message.CallRefused(7, 126, "denied by policy")),
        MessageEncoder.encode(new Message.ServiceRefused(42L, 127, "no such service")));
seed(q, "agent", flag(2), flag(1), hello, MessageEncoder.encode(new Message.AgentReady()),
        MessageEncoder.encode(new Message.Connect(42L)), MessageEncoder.encode(new Message.CallChannel()),
        MessageEncoder.encode(new Message.CallAccepted(7, 42L)));

String w = "dev/airlock/pendrive/wire/ChannelCodecFuzzTestInputs/frames";
seed(w, "requests", bytes(ChannelCodec.encode(new ChannelRequest.Read("/local/domain/1/pendrive"))),
        bytes(ChannelCodec.encode(new ChannelRequest.Write("/local/domain/1/pendrive/state", "attached"))),
        bytes(ChannelCodec.encode(new ChannelRequest.Remove("/local/domain/1/x"))),
        bytes(ChannelCodec.encode(new ChannelRequest.Watch("/local/domain/1"))));
seed(w, "blocks", bytes(ChannelCodec.encode(new ChannelRequest.DeviceSize(Device.XVDG))),
        bytes(ChannelCodec.encode(new ChannelRequest.BlockRead(Device.XVDG, 4096, 512))),
        bytes(ChannelCodec.encode(new ChannelRequest.BlockWrite(Device.XVDH, 0, new byte[16]))));
seed(w, "responses", bytes(ChannelCodec.encode(new ChannelResponse.Done())),
        bytes(ChannelCodec.encode(new ChannelResponse.Value(Optional.of("v")))),
        bytes(ChannelCodec.encode(new ChannelResponse.Size(40L << 20))),
        bytes(ChannelCodec.encode(new ChannelResponse.Data(new byte[]{1, 2, 3}))),
        bytes(ChannelCodec.encode(new ChannelResponse.Written("/local/domain/1/a", "b"))),
        bytes(ChannelCodec.encode(new ChannelResponse.Removed("/local/domain/1/a"))),
        bytes(ChannelCodec.encode(new ChannelResponse.Overflow())));

String o = "dev/airlock/openinvm/OpenInVmFuzzTestInputs/";
seed(o + "dvmHeader", "report", new DvmHeader(1234, "report.pdf").encode());
seed(o + "dvmHeader", "unicode", new DvmHeader(0, "\u00e9t\u00e9 \u2014 notes.txt").encode());
seed(o + "nameField", "plain", NameField.encode(ascii("report.pdf"), false));
seed(o + "nameField", "view-only", NameField.encode(ascii("photo of a cat.jpg"), true));
seed(o + "nameField", "long", NameField.encode(ascii("x".repeat(300) + ".odt"), false));

String bk = "dev/airlock/backup/BackupFuzzTestInputs/";
byte[] key = KeyStrings.header("fuzz passphrase");
seed(bk + "scryptFile", "sealed", flag(0), ScryptFile.sealWhole(key, new ScryptParams(4, 8, 1), ascii("version=4\n")));
seed(bk + "scryptFile", "sealed-empty", flag(1), ScryptFile.sealWhole(key, new ScryptParams(3, 8, 2), new byte[0]));
ByteArrayOutputStream tar = new ByteArrayOutputStream();
try (TarWriter t = new TarWriter(tar, false)) {
    t.add(new TarEntry("vm1", TarEntry.Type.DIRECTORY, 0755, 0, 0, 0, 1_700_000_000L, null), new byte[0]);
    t.add(TarEntry.file("vm1/private.img.000", 0644, 5, 1_700_000_000L), ascii("hello"));
    t.add(new TarEntry("vm1/link", TarEntry.Type.SYMLINK, 0777, 0, 0, 0, 1_700_000_000L, "private.img.000"), new byte[0]);
    t.add(TarEntry.file("vm1/" + "long name ".repeat(20) + "\u00e9", 0600, 3, 1_700_000_000L), ascii("abc"));
}
seed(bk + "tar", "archive", flag(0), tar.toByteArray());
BackupHeader h = new BackupHeader(true, "gzip", "20261203T120000-1234");
seed(bk + "backupHeader", "gzip", h.format());
seed(bk + "backupHeader", "plain", new BackupHeader(false, "zstd", "20261203T120001-99").format());
QubesXml x = new QubesXml(new LinkedHashMap<>(Map.of("default_dispvm", "default-dvm")), List.of(
        new QubesXml.Vm("AdminVM", Map.of("name", "dom0", "label", "black"), Map.of(), new TreeSet<>()),
        new QubesXml.Vm("AppVM", Map.of("name", "work", "label", "blue", "template", "fedora"),
                Map.of("backup-content", "True", "backup-path", "appvms/work"), new TreeSet<>(Set.of("audio")))));
seed(bk + "qubesXml", "two-domains", x.format());
/exit
