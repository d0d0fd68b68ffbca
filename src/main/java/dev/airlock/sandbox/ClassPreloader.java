package dev.airlock.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Loads and initialises every class of some packages ahead of time. A thread confined by Landlock cannot open
 * files outside its tree, and that includes class files that the JVM would otherwise load on first use (from a
 * class folder, as under a test runner, or a jar that is not yet open): code meant to run confined is loaded first.
 */
public final class ClassPreloader {
    private ClassPreloader() {
    }

    /** Loads all classes (nested and synthetic ones too) of {@code packages} from where {@code anchor} came from. */
    public static void load(Class<?> anchor, String... packages) {
        ClassLoader loader = anchor.getClassLoader();
        for (String name : classNames(anchor, packages)) {
            try {
                Class.forName(name, true, loader);
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("cannot preload " + name, e);
            }
        }
    }

    private static List<String> classNames(Class<?> anchor, String... packages) {
        List<String> names = new ArrayList<>();
        try {
            Path root = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isDirectory(root)) {
                for (String pkg : packages) {
                    Path dir = root.resolve(pkg.replace('.', '/'));
                    try (Stream<Path> files = Files.list(dir)) {
                        files.map(p -> p.getFileName().toString())
                                .filter(f -> f.endsWith(".class"))
                                .forEach(f -> names.add(pkg + "." + f.substring(0, f.length() - 6)));
                    }
                }
            } else {
                try (JarFile jar = new JarFile(root.toFile())) {
                    for (JarEntry e : jar.stream().toList()) {
                        for (String pkg : packages) {
                            String prefix = pkg.replace('.', '/') + "/";
                            String n = e.getName();
                            if (n.startsWith(prefix) && n.endsWith(".class") && n.indexOf('/', prefix.length()) < 0) {
                                names.add(n.substring(0, n.length() - 6).replace('/', '.'));
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return names;
    }
}
