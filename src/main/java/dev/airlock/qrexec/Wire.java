package dev.airlock.qrexec;

/**
 * Numbers of the wire format: message types, sizes and the exit codes of the call machinery. Layouts are in
 * {@code package-info.java}.
 */
public final class Wire {
    /** {@code u32 type; u32 len}, little-endian. */
    public static final int HEADER_SIZE = 8;
    /** Longest payload of any message: a data chunk. A header claiming more ends the session. */
    public static final int MAX_LENGTH = 65536;

    public static final int DATA_STDIN = 0x190;
    public static final int DATA_STDOUT = 0x191;
    public static final int DATA_STDERR = 0x192;
    public static final int DATA_EXIT_CODE = 0x193;
    public static final int HELLO = 0x300;
    /** airlock's call control starts here, clear of the Qubes types (0x100-0x3ff), so the two never collide. */
    public static final int CALL_REQUEST = 0x400;
    public static final int CALL_ACCEPTED = 0x401;
    public static final int CALL_REFUSED = 0x402;
    public static final int SERVICE_START = 0x410;
    public static final int SERVICE_REFUSED = 0x411;
    public static final int CONNECT = 0x420;
    /** Broker to agent on a CONNECT connection: this side's end of the call comes attached (SCM_RIGHTS). */
    public static final int CALL_CHANNEL = 0x421;
    /** Agent to broker, first after HELLO: this connection is the domain's control channel. */
    public static final int AGENT_READY = 0x430;

    /** The call machinery failed. */
    public static final int EXIT_MACHINERY = 125;
    /** Policy refused the call. */
    public static final int EXIT_REFUSED = 126;
    /** The target has no such service. */
    public static final int EXIT_NO_SERVICE = 127;

    /** Longest reason text in a refusal, in bytes. */
    public static final int MAX_REASON_BYTES = 255;

    private Wire() {
    }

    /**
     * Largest payload a message of {@code type} can have, or -1 for a type we do not know. Control messages are
     * bounded by their fields, so a hostile length is refused from the header, before anything is buffered.
     */
    static int maxPayload(int type) {
        return switch (type) {
            case DATA_STDIN, DATA_STDOUT, DATA_STDERR -> MAX_LENGTH;
            case DATA_EXIT_CODE, HELLO -> 4;
            case CALL_REQUEST -> 4 + string(QrexecNames.MAX_TARGET_CHARS) + serviceCall();
            case CALL_ACCEPTED -> 4 + 8;
            case CALL_REFUSED -> 4 + 4 + string(MAX_REASON_BYTES);
            case SERVICE_START -> 8 + string(QrexecNames.MAX_DOMAIN_CHARS) + serviceCall();
            case SERVICE_REFUSED -> 8 + 4 + string(MAX_REASON_BYTES);
            case CONNECT -> 8;
            case CALL_CHANNEL -> 0;
            case AGENT_READY -> 0;
            default -> -1;
        };
    }

    /** Smallest payload of a known {@code type}: the fixed part, with every string empty. */
    static int minPayload(int type) {
        return switch (type) {
            case DATA_STDIN, DATA_STDOUT, DATA_STDERR -> 0;
            case CALL_REQUEST -> 4 + 3 * 2;
            case CALL_REFUSED -> 4 + 4 + 2;
            case SERVICE_START -> 8 + 3 * 2;
            case SERVICE_REFUSED -> 8 + 4 + 2;
            default -> maxPayload(type);
        };
    }

    private static int string(int maxBytes) {
        return 2 + maxBytes;
    }

    private static int serviceCall() {
        return string(QrexecNames.MAX_SERVICE_BYTES) + string(QrexecNames.MAX_ARGUMENT_BYTES);
    }

    /** Reason texts are printable ASCII so that a refusal shown in a terminal cannot carry control sequences. */
    static boolean isReason(String s) {
        if (s.length() > MAX_REASON_BYTES) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    static String requireReason(String s) {
        if (!isReason(s)) {
            throw new IllegalArgumentException("invalid reason text " + QrexecNames.quote(s) + " (at most "
                    + MAX_REASON_BYTES + " printable ASCII characters)");
        }
        return s;
    }
}
