package dev.airlock.filecopy;

/** Ends an unpack session: the error code for the reply and, when it differs from the entry's name, the name to report. */
final class Refusal extends Exception {
    private static final long serialVersionUID = 1L;
    final int code;
    final transient byte[] lastName;

    Refusal(int code) {
        this(code, null);
    }

    Refusal(int code, byte[] lastName) {
        super("refused with code " + code, null, false, false);
        this.code = code;
        this.lastName = lastName;
    }
}
