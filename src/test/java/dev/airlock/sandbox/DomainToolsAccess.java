package dev.airlock.sandbox;

import java.util.List;

/** Lets tests of other packages compare the domain scripts' list of thin commands with the agent's. */
public final class DomainToolsAccess {
    private DomainToolsAccess() {
    }

    public static List<String> thin() {
        return DomainTools.THIN;
    }
}
