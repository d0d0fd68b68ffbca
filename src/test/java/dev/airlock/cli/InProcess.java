package dev.airlock.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * {@code airlock ARGS...} run in this process through {@link Main#run}, as the command tests meet it: the exit code
 * and everything it printed.
 */
record InProcess(int code, String out, String err) {
    static InProcess run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new InProcess(code, out.toString(), err.toString());
    }
}
