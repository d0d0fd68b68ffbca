package dev.airlock.policy;

import java.util.Objects;
import java.util.Set;

/**
 * What the policy needs to know about one domain.
 *
 * @param name the domain's name; the host is {@code dom0}
 * @param type its class: AppVM, TemplateVM, DispVM, AdminVM, StandaloneVM, ...
 * @param tags its tags
 * @param running whether it runs now
 * @param defaultDispvm its default disposable template, or {@code null} if it has none
 * @param dispvmTemplate whether disposables may be made from it ({@code template_for_dispvms})
 * @param template for a disposable, the disposable template it was made from; otherwise {@code null}
 * @param internal a helper domain: never offered in an ask unless a rule names it
 */
public record DomainFacts(String name, String type, Set<String> tags, boolean running, String defaultDispvm,
                          boolean dispvmTemplate, String template, boolean internal) {

    /** The class of the host. */
    public static final String ADMIN_VM = "AdminVM";
    /** The class of disposables. */
    public static final String DISP_VM = "DispVM";

    public DomainFacts {
        if (!Names.isDomainName(name)) {
            throw new IllegalArgumentException("invalid domain name \"" + name + "\"");
        }
        if (!Names.isTag(Objects.requireNonNull(type))) {
            throw new IllegalArgumentException("domain " + name + ": invalid class \"" + type + "\"");
        }
        tags = Set.copyOf(tags);
        for (String tag : tags) {
            if (!Names.isTag(tag)) {
                throw new IllegalArgumentException("domain " + name + ": invalid tag \"" + tag + "\"");
            }
        }
        if (defaultDispvm != null && !Names.isDomainName(defaultDispvm)) {
            throw new IllegalArgumentException("domain " + name + ": invalid default_dispvm \""
                    + defaultDispvm + "\"");
        }
        if (template != null && !Names.isDomainName(template)) {
            throw new IllegalArgumentException("domain " + name + ": invalid template \"" + template + "\"");
        }
        if (name.equals(Names.HOST) != type.equals(ADMIN_VM)) {
            throw new IllegalArgumentException("the host, and only the host, is named " + Names.HOST
                    + " and of class " + ADMIN_VM + " (found " + name + " of class " + type + ")");
        }
    }

    /** The host: {@code dom0}, class AdminVM, running, with no tags. */
    public static DomainFacts host() {
        return new DomainFacts(Names.HOST, ADMIN_VM, Set.of(), true, null, false, null, false);
    }

    public boolean isHost() {
        return name.equals(Names.HOST);
    }
}
