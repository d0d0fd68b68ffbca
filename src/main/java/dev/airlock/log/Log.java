package dev.airlock.log;

import dev.airlock.text.TerminalText;

import java.io.PrintStream;
import java.text.MessageFormat;
import java.util.ResourceBundle;
import java.util.function.Supplier;

/**
 * The loggers of the broker and the agent: {@link System.Logger}s that write each message as one line,
 * {@code PREFIX: message}, to standard error, which is {@code run/broker.log} for a broker that {@code airlock up}
 * started and {@code console.log} for a domain's agent. Messages often carry what a domain sent or named, so a line
 * is escaped as for a terminal ({@link TerminalText}): a domain can neither start a line of its own in the log nor
 * hide text in it. Debug and trace messages are not written.
 */
public final class Log {
    private Log() {
    }

    /** A logger whose lines start with {@code prefix}, such as {@code airlock} or {@code airlock agent}. */
    public static System.Logger of(String prefix) {
        return new Line(prefix, () -> System.err);
    }

    /** A logger writing to {@code out}, for tests. */
    static System.Logger of(String prefix, Supplier<PrintStream> out) {
        return new Line(prefix, out);
    }

    private record Line(String prefix, Supplier<PrintStream> out) implements System.Logger {
        @Override
        public String getName() {
            return prefix;
        }

        @Override
        public boolean isLoggable(Level level) {
            return level.getSeverity() >= Level.INFO.getSeverity() && level != Level.OFF;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
            if (isLoggable(level)) {
                write(thrown == null ? message : message + ": " + thrown);
            }
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            if (isLoggable(level)) {
                write(params == null || params.length == 0 ? format : MessageFormat.format(format, params));
            }
        }

        private void write(String message) {
            // One println per line: lines of several threads do not interleave within a line.
            out.get().println(prefix + ": " + TerminalText.escape(message));
        }
    }
}
