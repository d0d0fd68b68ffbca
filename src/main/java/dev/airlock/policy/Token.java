package dev.airlock.policy;

import dev.airlock.qrexec.QrexecNames;

/**
 * The tokens of the SOURCE and TARGET columns and of the {@code target=} and {@code default_target=}
 * parameters. Which token may stand where is part of the type: a {@link Source} token can only be used in the
 * source column, and so on, so matching code switches over closed sets with no impossible cases.
 */
sealed interface Token permits Token.Source, Token.Target, Token.Redirect {

    /** The token as written in a policy file. */
    String text();

    /** Parses any token; the caller checks whether it may stand where it was found. */
    static Token parse(String s) {
        switch (s) {
            case "*":
                return new Token.Wildcard();
            case "@anyvm":
                return new Token.AnyVm();
            case "@adminvm":
                return new Token.AdminVm();
            case "@default":
                return new Token.Default();
            case "@dispvm":
                return new Token.DispVm();
            default:
                break;
        }
        if (s.startsWith("@dispvm:@tag:")) {
            return new Token.DispVmTagged(tag(s, "@dispvm:@tag:"));
        }
        if (s.startsWith("@dispvm:")) {
            String template = s.substring("@dispvm:".length());
            if (!Names.isDomainName(template)) {
                throw new IllegalArgumentException("invalid disposable template name in \"" + s + "\"");
            }
            if (template.equals(Names.HOST)) {
                throw new IllegalArgumentException("the host is not a disposable template: \"" + s + "\"");
            }
            return new Token.DispVmOf(template);
        }
        if (s.startsWith("@tag:")) {
            return new Token.Tag(tag(s, "@tag:"));
        }
        if (s.startsWith("@type:")) {
            return new Token.Type(tag(s, "@type:"));
        }
        if (s.startsWith("@")) {
            throw new IllegalArgumentException("unknown token \"" + s + "\"");
        }
        if (s.startsWith("$")) {
            throw new IllegalArgumentException("\"" + s + "\" is the old Qubes 4.0 syntax; write @"
                    + s.substring(1).replace('$', '@'));
        }
        if (!Names.isDomainName(s)) {
            throw new IllegalArgumentException("invalid domain name \"" + s + "\" (at most "
                    + QrexecNames.MAX_DOMAIN_CHARS + " of A-Z a-z 0-9 _ . -, starting with a letter)");
        }
        return new Token.Name(s);
    }

    private static String tag(String s, String prefix) {
        String value = s.substring(prefix.length());
        if (!Names.isTag(value)) {
            throw new IllegalArgumentException((value.isEmpty() ? "empty name in \"" : "invalid name in \"")
                    + s + "\"");
        }
        return value;
    }

    /** Tokens allowed in the SOURCE column. */
    sealed interface Source extends Token permits Name, AnyVm, Wildcard, AdminVm, Tag, Type, DispVmTagged {
    }

    /** Tokens allowed in the TARGET column. */
    sealed interface Target extends Token
            permits Name, AnyVm, Wildcard, AdminVm, Tag, Type, DispVm, DispVmOf, DispVmTagged, Default {
    }

    /** Values of {@code target=} and {@code default_target=}: always one concrete destination. */
    sealed interface Redirect extends Token permits Name, AdminVm, DispVm, DispVmOf {
    }

    /** A domain by name; {@code dom0} names the host. */
    record Name(String name) implements Source, Target, Redirect {
        @Override
        public String text() {
            return name;
        }
    }

    /** {@code @anyvm}: every domain except the host. */
    record AnyVm() implements Source, Target {
        @Override
        public String text() {
            return "@anyvm";
        }
    }

    /** {@code *}: everything, the host included. */
    record Wildcard() implements Source, Target {
        @Override
        public String text() {
            return "*";
        }
    }

    /** {@code @adminvm}: the host. */
    record AdminVm() implements Source, Target, Redirect {
        @Override
        public String text() {
            return "@adminvm";
        }
    }

    /** {@code @tag:T}. */
    record Tag(String tag) implements Source, Target {
        @Override
        public String text() {
            return "@tag:" + tag;
        }
    }

    /** {@code @type:T}, a domain class such as AppVM. */
    record Type(String type) implements Source, Target {
        @Override
        public String text() {
            return "@type:" + type;
        }
    }

    /** {@code @dispvm}: a new disposable from the caller's default disposable template. */
    record DispVm() implements Target, Redirect {
        @Override
        public String text() {
            return "@dispvm";
        }
    }

    /** {@code @dispvm:NAME}: a new disposable from the disposable template NAME. */
    record DispVmOf(String template) implements Target, Redirect {
        @Override
        public String text() {
            return "@dispvm:" + template;
        }
    }

    /** {@code @dispvm:@tag:T}: disposables whose disposable template has tag T. */
    record DispVmTagged(String tag) implements Source, Target {
        @Override
        public String text() {
            return "@dispvm:@tag:" + tag;
        }
    }

    /** {@code @default}: the caller named no target. */
    record Default() implements Target {
        @Override
        public String text() {
            return "@default";
        }
    }
}
