package dev.airlock.policy;

/**
 * One policy rule and where it was written.
 *
 * @param service a service name, or {@code *} for every service
 * @param argument {@code *} for every argument, otherwise {@code +} followed by the argument (maybe empty)
 * @param file the file, as shown to the user (relative to the policy folder when inside it)
 * @param line 1-based line number in that file
 */
record Rule(String service, String argument, Token.Source source, Token.Target target, Action action,
            String file, int line) {

    static final String ANY = "*";

    boolean matchesService(String requested) {
        return service.equals(ANY) || service.equals(requested);
    }

    boolean matchesArgument(String requested) {
        return argument.equals(ANY)
                || argument.length() == requested.length() + 1 && argument.startsWith(requested, 1);
    }

    /** The rule as policy text, one space between fields; parsing it gives an equal rule. */
    String text() {
        return service + " " + argument + " " + source.text() + " " + target.text() + " " + action.text();
    }

    String location() {
        return file + ":" + line;
    }
}
