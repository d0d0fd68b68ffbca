package dev.airlock.keystore;

/** Who reads, writes or watches: the host, or a domain known by its numeric id. */
public sealed interface Principal {

    /** The host: may touch every key. */
    record Host() implements Principal {
    }

    /**
     * A domain: may touch only its own subtree {@code /local/domain/ID}.
     *
     * @param id the domain's id, at least 1 (0 is the host's id in the key paths, as dom0's in Xen)
     */
    record Domain(int id) implements Principal {
        public Domain {
            if (id < 1) {
                throw new IllegalArgumentException("a domain id is at least 1, not " + id);
            }
        }
    }

    /** The host. */
    static Principal host() {
        return new Host();
    }

    /** The domain with this id. */
    static Principal domain(int id) {
        return new Domain(id);
    }
}
