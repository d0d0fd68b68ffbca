package dev.airlock.domain;

import java.nio.file.Path;

/**
 * A separate process that uses the registry, for the tests that need several processes (file locks are per
 * process). Arguments: {@code HOME add PREFIX COUNT} adds COUNT domains PREFIX0..., one update each;
 * {@code HOME add-unchecked NAME} adds one domain with the identity check after locking turned off.
 */
final class RegistryChild {
    private RegistryChild() {
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]);
        switch (args[1]) {
            case "add" -> {
                Registry registry = Registry.open(home);
                int count = Integer.parseInt(args[3]);
                for (int i = 0; i < count; i++) {
                    String name = args[2] + i;
                    registry.update(d -> d.add(Domain.of(name, DomainClass.APP_VM, Label.GREEN)));
                }
            }
            case "add-unchecked" -> new Registry(home, false)
                    .update(d -> d.add(Domain.of(args[2], DomainClass.APP_VM, Label.GREEN)));
            default -> throw new IllegalArgumentException(args[1]);
        }
    }
}
