package dev.airlock.packaging;

import dev.airlock.cli.Main;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the files of the installed tool that come from the command model: the manual pages ({@code airlock(1)}
 * and one per command) and the bash completion script. Run by {@code scripts/package.sh} on the jar it packages,
 * so the pages and the completion always match that jar's {@code --help}.
 * <p>
 * Usage: {@code java -cp airlock.jar:lib/* dev.airlock.packaging.PackageFiles VERSION MAN_FOLDER COMPLETION_FILE}
 */
public final class PackageFiles {
    private PackageFiles() {
    }

    /** Entry point; see the class comment. */
    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: PackageFiles VERSION MAN_FOLDER COMPLETION_FILE");
            System.exit(2);
        }
        CommandLine airlock = Main.commandLine();
        List<Path> pages = writeManPages(airlock.getCommandSpec(), args[0], Path.of(args[1]));
        Path completion = Path.of(args[2]);
        Files.createDirectories(completion.toAbsolutePath().getParent());
        Files.writeString(completion, AutoComplete.bash("airlock", airlock));
        System.out.println(pages.size() + " manual pages, completion in " + completion);
    }

    /** Writes the page of {@code spec} and of each of its visible subcommands, at any depth; returns them. */
    static List<Path> writeManPages(CommandSpec spec, String version, Path folder) throws IOException {
        Files.createDirectories(folder);
        List<Path> written = new ArrayList<>();
        List<CommandSpec> todo = new ArrayList<>(List.of(spec));
        while (!todo.isEmpty()) {
            CommandSpec s = todo.removeFirst();
            Path page = folder.resolve(ManPage.name(s) + ".1");
            Files.writeString(page, ManPage.render(s, version));
            written.add(page);
            todo.addAll(ManPage.visibleSubcommands(s));
        }
        return written;
    }
}
