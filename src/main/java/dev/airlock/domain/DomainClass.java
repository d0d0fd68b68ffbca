package dev.airlock.domain;

/**
 * The class of a stored domain, with the names Qubes gives them. The host ({@code AdminVM}) is not stored: it
 * is implicit. A disposable template is not a class of its own: as in Qubes, it is an {@link #APP_VM} with
 * {@link Domain#templateForDispvms()} set.
 */
public enum DomainClass {
    /** An ordinary domain, optionally based on a {@link #TEMPLATE_VM}. */
    APP_VM("AppVM"),
    /** A domain whose system other domains are based on; it has no template itself. */
    TEMPLATE_VM("TemplateVM"),
    /** A disposable, made from a disposable template (its {@link Domain#template()}). */
    DISP_VM("DispVM");

    private final String typeName;

    DomainClass(String typeName) {
        this.typeName = typeName;
    }

    /** The Qubes name of the class, as written in the registry and matched by {@code @type:} in policy. */
    public String typeName() {
        return typeName;
    }

    /**
     * The class of that Qubes name.
     *
     * @throws IllegalArgumentException if no stored class has that name
     */
    public static DomainClass of(String typeName) {
        for (DomainClass c : values()) {
            if (c.typeName.equals(typeName)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown domain class \"" + typeName + "\" (expected AppVM, TemplateVM "
                + "or DispVM)");
    }
}
