package dev.airlock.domain;

import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One domain as the registry stores it. Immutable: the {@code with...} methods return changed copies. The
 * constructor checks everything that can be checked on one domain alone; references to other domains are
 * checked by {@link Domains}.
 *
 * @param name the domain's name (see {@link #NAME_RULES})
 * @param domainClass its class
 * @param label the colour of its windows
 * @param template for an {@link DomainClass#APP_VM}, the TemplateVM it is based on, or {@code null}; for a
 *                 {@link DomainClass#DISP_VM}, the disposable template it is made from (required); for a
 *                 {@link DomainClass#TEMPLATE_VM}, always {@code null}
 * @param defaultDispvm the disposable template for the disposables it asks for ({@code @dispvm}), or
 *                      {@code null} for none
 * @param templateForDispvms whether disposables may be made from it (only an AppVM can be a disposable template)
 * @param autostart whether the broker starts it when the broker starts
 * @param tags its tags, sorted (at most {@link #MAX_TAGS}, each 1 to 64 characters of {@code [A-Za-z0-9_-]})
 * @param uuid its identity, which no other domain ever has, not even a later one of the same name: what the
 *             broker records with a running sandbox, so that a sandbox outliving its domain is never taken for
 *             the new domain of that name
 * @param limits what it may take from the host ({@link ResourceLimits#DEFAULT} unless changed)
 * @param gui whether it shows windows on the desktop, or {@code null} when not set: then a disposable follows its
 *            template, and any other domain shows windows whenever the broker knows a desktop
 */
public record Domain(String name, DomainClass domainClass, Label label, String template, String defaultDispvm,
                     boolean templateForDispvms, boolean autostart, SortedSet<String> tags, UUID uuid,
                     ResourceLimits limits, Boolean gui) {

    /** The rules for domain names, as the user is told them. */
    public static final String NAME_RULES = "at most 31 characters of A-Z, a-z, 0-9, '_', '.' and '-', starting "
            + "with a letter, not ending with \"-dm\", and not dom0, default, none or Domain-0";

    /**
     * The names the broker gives the disposables it makes for calls ({@code disp1} to {@code disp9999}); it destroys
     * the DispVMs of these names that an earlier broker left, so {@code airlock create} reserves them.
     */
    public static final Pattern DISPOSABLE_NAME = Pattern.compile("disp[0-9]{1,4}");

    /** The most tags one domain may carry; bounds the registry's size and the policy's work per domain. */
    public static final int MAX_TAGS = 64;

    /** A domain whose {@code gui} is not set. */
    public Domain(String name, DomainClass domainClass, Label label, String template, String defaultDispvm,
                  boolean templateForDispvms, boolean autostart, SortedSet<String> tags, UUID uuid,
                  ResourceLimits limits) {
        this(name, domainClass, label, template, defaultDispvm, templateForDispvms, autostart, tags, uuid, limits,
                null);
    }

    public Domain {
        DomainNames.requireName("domain name", name);
        Objects.requireNonNull(domainClass, "domainClass");
        Objects.requireNonNull(label, "label");
        if (template != null) {
            DomainNames.requireName("template of " + name, template);
        }
        if (defaultDispvm != null) {
            DomainNames.requireName("default_dispvm of " + name, defaultDispvm);
        }
        Objects.requireNonNull(tags, "tags");
        Objects.requireNonNull(uuid, "uuid");
        if (tags.size() > MAX_TAGS) {
            throw new IllegalArgumentException("domain " + name + ": more than " + MAX_TAGS + " tags");
        }
        for (String tag : tags) {
            if (!DomainNames.isTag(tag)) {
                throw new IllegalArgumentException("domain " + name + ": invalid tag \"" + tag
                        + "\": 1 to " + DomainNames.MAX_TAG_CHARS + " characters of A-Z, a-z, 0-9, '_' and '-'");
            }
        }
        tags = Collections.unmodifiableSortedSet(new TreeSet<>(tags));
        Objects.requireNonNull(limits, "limits");
        switch (domainClass) {
            case TEMPLATE_VM -> {
                if (template != null) {
                    throw new IllegalArgumentException("domain " + name + ": a TemplateVM has no template");
                }
                if (templateForDispvms) {
                    throw new IllegalArgumentException("domain " + name
                            + ": a TemplateVM cannot be a disposable template (use an AppVM based on it)");
                }
            }
            case DISP_VM -> {
                if (template == null) {
                    throw new IllegalArgumentException("domain " + name
                            + ": a DispVM needs a template (the disposable template it is made from)");
                }
                if (templateForDispvms) {
                    throw new IllegalArgumentException("domain " + name
                            + ": a DispVM cannot be a disposable template");
                }
            }
            case APP_VM -> {
            }
        }
        if (name.equals(template)) {
            throw new IllegalArgumentException("domain " + name + ": cannot be its own template");
        }
    }

    /** A new domain of that class and label, with no template, default_dispvm or tags, and a new uuid. */
    public static Domain of(String name, DomainClass domainClass, Label label) {
        return new Domain(name, domainClass, label, null, null, false, false, new TreeSet<>(), UUID.randomUUID(),
                ResourceLimits.DEFAULT);
    }

    /** A new disposable made from the disposable template {@code template}, with no default_dispvm or tags. */
    public static Domain disposable(String name, Label label, String template) {
        return new Domain(name, DomainClass.DISP_VM, label, template, null, false, false, new TreeSet<>(),
                UUID.randomUUID(), ResourceLimits.DEFAULT);
    }

    public Domain withLabel(Label newLabel) {
        return new Domain(name, domainClass, newLabel, template, defaultDispvm, templateForDispvms, autostart, tags,
                uuid, limits, gui);
    }

    public Domain withTemplate(String newTemplate) {
        return new Domain(name, domainClass, label, newTemplate, defaultDispvm, templateForDispvms, autostart, tags,
                uuid, limits, gui);
    }

    public Domain withDefaultDispvm(String newDefault) {
        return new Domain(name, domainClass, label, template, newDefault, templateForDispvms, autostart, tags, uuid,
                limits, gui);
    }

    public Domain withTemplateForDispvms(boolean value) {
        return new Domain(name, domainClass, label, template, defaultDispvm, value, autostart, tags, uuid, limits,
                gui);
    }

    public Domain withAutostart(boolean value) {
        return new Domain(name, domainClass, label, template, defaultDispvm, templateForDispvms, value, tags, uuid,
                limits, gui);
    }

    public Domain withTags(Set<String> newTags) {
        return new Domain(name, domainClass, label, template, defaultDispvm, templateForDispvms, autostart,
                new TreeSet<>(newTags), uuid, limits, gui);
    }

    public Domain withLimits(ResourceLimits newLimits) {
        return new Domain(name, domainClass, label, template, defaultDispvm, templateForDispvms, autostart, tags,
                uuid, newLimits, gui);
    }

    public Domain withGui(Boolean value) {
        return new Domain(name, domainClass, label, template, defaultDispvm, templateForDispvms, autostart, tags, uuid,
                limits, value);
    }

    /** Whether this domain names {@code other} as its template or default_dispvm. */
    boolean refersTo(String other) {
        return other.equals(template) || other.equals(defaultDispvm);
    }
}
