package dev.airlock.agent;

import dev.airlock.filecopy.Conflict;
import dev.airlock.filecopy.ConflictMode;
import dev.airlock.filecopy.LocalCopy;
import dev.airlock.filecopy.Packer;
import dev.airlock.filecopy.Preamble;
import dev.airlock.filecopy.TransferException;
import dev.airlock.filecopy.Unpacker;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The receiving domain's own settings for incoming copies, through the agent's qubes.Filecopy. */
@Timeout(30)
class IncomingSettingsTest {
    @TempDir
    Path tmp;
    Path home;
    Path src;

    @BeforeEach
    void setUp() throws IOException {
        home = Files.createDirectories(tmp.resolve("home"));
        src = Files.writeString(tmp.resolve("report.txt"), "new");
    }

    private void setting(String file, String text) throws IOException {
        Files.createDirectories(home.resolve(file).getParent());
        Files.writeString(home.resolve(file), text);
    }

    private Packer.Result copy(Preamble preamble) throws Exception {
        ServiceRunner r = new ServiceRunner(home, List.of());
        Pipe data = Pipe.open();
        Pipe replies = Pipe.open();
        Thread t = Thread.ofPlatform().start(() -> {
            try (var in = data.source(); var out = replies.sink()) {
                r.run(new ServiceRunner.Call("work", "qubes.Filecopy", ""),
                        new ServiceRunner.Io(in, out, Channels.newChannel(OutputStream.nullOutputStream())));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try (var replyIn = replies.source()) {
            return Packer.send(List.of(src.toString()), data.sink(), replyIn,
                    Packer.Options.defaults().withPreamble(preamble));
        } finally {
            t.join();
        }
    }

    @Test
    void receiversRenameSettingKeepsItsFileAndTellsTheSender() throws Exception {
        setting(IncomingSettings.CONFLICTS_FILE, "rename\n");
        Files.createDirectories(home.resolve("QubesIncoming/work"));
        Files.writeString(home.resolve("QubesIncoming/work/report.txt"), "old");

        Packer.Result r = copy(new Preamble(true, null));

        assertThat(r.reply().conflicts().listed()).containsExactly(new Conflict.Renamed("report.txt",
                "report (1).txt"));
        assertThat(home.resolve("QubesIncoming/work/report.txt")).hasContent("old");
        assertThat(home.resolve("QubesIncoming/work/report (1).txt")).hasContent("new");
    }

    @Test
    void withoutASettingAConflictFailsAsInQubes() throws Exception {
        Files.createDirectories(home.resolve("QubesIncoming/work"));
        Files.writeString(home.resolve("QubesIncoming/work/report.txt"), "old");

        assertThatThrownBy(() -> copy(new Preamble(true, null))).isInstanceOf(TransferException.class)
                .hasMessageContaining("already exists");
        assertThat(home.resolve("QubesIncoming/work/report.txt")).hasContent("old");
    }

    @Test
    void senderReachesAHomeFolderOnlyWhenTheReceiverListedIt() throws Exception {
        Files.createDirectories(home.resolve("Documents"));
        Files.createDirectories(home.resolve("Music"));
        setting(IncomingSettings.DESTINATIONS_FILE, "# where others may deliver\nDocuments/\n");

        copy(new Preamble(true, "~/Documents/inbox"));
        assertThat(home.resolve("Documents/inbox/report.txt")).hasContent("new");
        assertThatThrownBy(() -> copy(new Preamble(true, "~/Music"))).isInstanceOf(TransferException.class);
        assertThat(home.resolve("Music")).isEmptyDirectory();
    }

    @Test
    void unreadableOrUnsafeSettingsFailClosed() throws IOException {
        setting(IncomingSettings.CONFLICTS_FILE, "overwrite\n");
        setting(IncomingSettings.DESTINATIONS_FILE, "Documents\n.config\n");
        IncomingSettings s = IncomingSettings.load(home);
        assertThat(s.conflicts()).isEqualTo(ConflictMode.FAIL);
        assertThat(s.destinations()).isEmpty();
    }

    @Test
    void qubesReceiverRefusesThePreambleCleanly() throws Exception {
        // Our own receiver without extensions stands in for Qubes': the same EILSEQ on the ".." name.
        Path dest = tmp.resolve("dest");
        assertThatThrownBy(() -> LocalCopy.run(List.of(src.toString()), dest,
                Unpacker.Options.defaults(),
                Packer.Options.defaults().withPreamble(new Preamble(true, "inbox"))))
                .isInstanceOf(TransferException.class).hasMessageContaining("does not support airlock's");
        assertThat(dest).isEmptyDirectory();
    }
}
