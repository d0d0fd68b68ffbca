package dev.airlock.policy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** One domain of every kind the policy distinguishes, and helpers to write policy folders. */
final class TestDomains {
    private TestDomains() {
    }

    static DomainFacts domain(String name, String type, Set<String> tags, boolean running, String defaultDispvm,
                              boolean dispvmTemplate, String template) {
        return new DomainFacts(name, type, tags, running, defaultDispvm, dispvmTemplate, template, false);
    }

    /**
     * dom0 (the host); work (AppVM, tag work, running); personal (AppVM, halted); vault (AppVM, tag secret,
     * no default disposable template); fedora (TemplateVM); default-dvm and other-dvm (disposable templates,
     * default-dvm tagged dvmt); disp123 (a running disposable of default-dvm); disp456 (a disposable of
     * other-dvm); sys-net (internal, running).
     */
    static final DomainView ALL = DomainView.of(List.of(
            DomainFacts.host(),
            domain("work", "AppVM", Set.of("work"), true, "default-dvm", false, null),
            domain("personal", "AppVM", Set.of(), false, "default-dvm", false, null),
            domain("vault", "AppVM", Set.of("secret"), false, null, false, null),
            domain("fedora", "TemplateVM", Set.of(), false, null, false, null),
            domain("default-dvm", "AppVM", Set.of("dvmt"), false, "default-dvm", true, null),
            domain("other-dvm", "AppVM", Set.of(), false, "default-dvm", true, null),
            domain("disp123", "DispVM", Set.of(), true, "default-dvm", false, "default-dvm"),
            domain("disp456", "DispVM", Set.of(), false, "default-dvm", false, "other-dvm"),
            new DomainFacts("sys-net", "AppVM", Set.of(), true, "default-dvm", false, null, true)));

    static Path write(Path dir, String name, String text) {
        try {
            Path file = dir.resolve(name);
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A policy folder holding one file with these lines. */
    static Policy policy(Path dir, String... lines) {
        write(dir, "50-test.policy", String.join("\n", lines) + "\n");
        Policy p = Policy.load(dir);
        if (!p.errors().isEmpty()) {
            throw new AssertionError("unexpected policy errors: " + p.errors());
        }
        return p;
    }
}
