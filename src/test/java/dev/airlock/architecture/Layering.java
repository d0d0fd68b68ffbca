package dev.airlock.architecture;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Which airlock class refers to which, read from the compiled classes (every class name in a constant pool: calls,
 * fields, signatures, annotations) and from the sources' imports (a compile-time constant is copied into the class
 * that uses it, so only the import shows that dependency). Classes are named by their top-level class
 * ({@code dev.airlock.broker.Broker}); nested classes count as their outer class.
 */
final class Layering {
    static final String ROOT = "dev.airlock";

    private static final Pattern INTERNAL_NAME = Pattern.compile("dev/airlock/((?:[a-z0-9_]+/)+)([A-Za-z0-9_]+)");
    private static final Pattern IMPORT = Pattern.compile(
            "^import\\s+(?:static\\s+)?dev\\.airlock\\.((?:[a-z0-9_]+\\.)+)([A-Z][A-Za-z0-9_]*)", Pattern.MULTILINE);

    /** Class to the classes it refers to, all by their top-level names; keeps adding to one map. */
    private final Map<String, Set<String>> edges = new TreeMap<>();

    Map<String, Set<String>> edges() {
        return edges;
    }

    /** Adds that {@code from} refers to {@code to} (both top-level class names). */
    Layering refer(String from, String to) {
        edges.computeIfAbsent(from, k -> new TreeSet<>());
        if (!from.equals(to)) {
            edges.get(from).add(to);
        }
        return this;
    }

    /** Adds every class below {@code classes} (a compiler's output folder) and what it refers to. */
    Layering readClasses(Path classes) throws IOException {
        List<Path> files;
        try (Stream<Path> all = Files.walk(classes)) {
            files = all.filter(p -> p.toString().endsWith(".class")).toList();
        }
        for (Path file : files) {
            var model = ClassFile.of().parse(Files.readAllBytes(file));
            String self = topLevel(model.thisClass().asInternalName());
            if (self == null) {
                continue;
            }
            refer(self, self);
            for (PoolEntry entry : model.constantPool()) {
                if (entry instanceof Utf8Entry utf8) {
                    Matcher m = INTERNAL_NAME.matcher(utf8.stringValue());
                    while (m.find()) {
                        refer(self, (ROOT + "/" + m.group(1) + m.group(2)).replace('/', '.'));
                    }
                }
            }
        }
        return this;
    }

    /** Adds the imports of every source file below {@code sources} (a source root). */
    Layering readImports(Path sources) throws IOException {
        List<Path> files;
        try (Stream<Path> all = Files.walk(sources)) {
            files = all.filter(p -> p.toString().endsWith(".java")).toList();
        }
        for (Path file : files) {
            String relative = sources.relativize(file).toString();
            String self = relative.substring(0, relative.length() - ".java".length()).replace('/', '.');
            if (!self.startsWith(ROOT + ".")) {
                continue;
            }
            refer(self, self);
            Matcher m = IMPORT.matcher(Files.readString(file));
            while (m.find()) {
                refer(self, ROOT + "." + m.group(1) + m.group(2));
            }
        }
        return this;
    }

    /** {@code dev.airlock.pendrive.host.PenService} for {@code dev/airlock/pendrive/host/PenService$1}. */
    private static String topLevel(String internalName) {
        Matcher m = INTERNAL_NAME.matcher(internalName);
        if (!m.lookingAt()) {
            return null;
        }
        return (ROOT + "/" + m.group(1) + m.group(2)).replace('/', '.');
    }

    /** The package of a class name, below {@link #ROOT}: {@code pendrive.host}. */
    static String packageOf(String className) {
        String pkg = className.substring(0, className.lastIndexOf('.'));
        return pkg.equals(ROOT) ? "" : pkg.substring(ROOT.length() + 1);
    }

    /**
     * The row of the table a package falls under: its own, or its nearest ancestor's ({@code broker.x} is
     * {@code broker} until it has a row of its own); empty when no row covers it.
     */
    static String rowOf(String pkg, Collection<String> rows) {
        for (String p = pkg; !p.isEmpty(); p = p.contains(".") ? p.substring(0, p.lastIndexOf('.')) : "") {
            if (rows.contains(p)) {
                return p;
            }
        }
        return "";
    }

    /** Row to the rows it refers to, each edge with one class that makes it, for messages. */
    Map<String, Map<String, String>> rowGraph(Collection<String> rows) {
        Map<String, Map<String, String>> graph = new TreeMap<>();
        edges.forEach((from, tos) -> {
            String a = rowOf(packageOf(from), rows);
            graph.computeIfAbsent(a, k -> new TreeMap<>());
            for (String to : tos) {
                String b = rowOf(packageOf(to), rows);
                if (!a.equals(b)) {
                    graph.get(a).putIfAbsent(b, from + " -> " + to);
                }
            }
        });
        return graph;
    }

    /**
     * Everything that breaks {@code allowed} (row to the rows it may import): a class in no row, and a reference to
     * a row that is not allowed. Rows with no classes (packages this tree does not have yet) are no violation.
     */
    List<String> violations(Map<String, Set<String>> allowed) {
        List<String> found = new ArrayList<>();
        for (String c : edges.keySet()) {
            if (rowOf(packageOf(c), allowed.keySet()).isEmpty()) {
                found.add(c + " is in package '" + packageOf(c) + "', which has no row in the layering table");
            }
        }
        rowGraph(allowed.keySet()).forEach((from, tos) -> {
            if (from.isEmpty()) {
                return;
            }
            tos.forEach((to, example) -> {
                if (!to.isEmpty() && !allowed.get(from).contains(to)) {
                    found.add(from + " may not import " + to + ": " + example);
                }
            });
        });
        return found;
    }

    /** The cycles between rows, each as one path that comes back to its start; none when the rows form a DAG. */
    List<List<String>> cycles(Collection<String> rows) {
        Map<String, Map<String, String>> graph = rowGraph(rows);
        List<List<String>> found = new ArrayList<>();
        Set<String> done = new TreeSet<>();
        for (String start : graph.keySet()) {
            Deque<String> path = new ArrayDeque<>();
            visit(start, graph, path, new TreeSet<>(), done, found);
        }
        return found;
    }

    private static void visit(String node, Map<String, Map<String, String>> graph, Deque<String> path,
            Set<String> onPath, Set<String> done, List<List<String>> found) {
        if (onPath.contains(node)) {
            List<String> cycle = new ArrayList<>();
            boolean in = false;
            for (String p : path.reversed()) {
                in |= p.equals(node);
                if (in) {
                    cycle.add(p);
                }
            }
            cycle.add(node);
            found.add(cycle);
            return;
        }
        if (!done.add(node)) {
            return;
        }
        path.push(node);
        onPath.add(node);
        for (String next : graph.getOrDefault(node, Map.of()).keySet()) {
            visit(next, graph, path, onPath, done, found);
        }
        onPath.remove(node);
        path.pop();
    }

    /**
     * The classes of {@code forbidden} (a package, with its sub-packages) that {@code roots} reach through
     * references, each with the chain that reaches it; none when the roots stay clear of it.
     */
    List<String> reaches(Collection<String> roots, String forbidden) {
        Map<String, String> via = new TreeMap<>();
        Deque<String> queue = new ArrayDeque<>();
        for (String r : roots) {
            via.put(r, null);
            queue.add(r);
        }
        List<String> found = new ArrayList<>();
        while (!queue.isEmpty()) {
            String c = queue.poll();
            String pkg = packageOf(c);
            if (pkg.equals(forbidden) || pkg.startsWith(forbidden + ".")) {
                List<String> chain = new ArrayList<>();
                for (String p = c; p != null; p = via.get(p)) {
                    chain.addFirst(p);
                }
                found.add(String.join(" -> ", chain));
                continue;
            }
            for (String next : edges.getOrDefault(c, Set.of())) {
                if (!via.containsKey(next)) {
                    via.put(next, c);
                    queue.add(next);
                }
            }
        }
        return found;
    }
}
