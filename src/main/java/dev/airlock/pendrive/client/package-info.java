/**
 * The domain side of the pendrive exchange: the pendrive channel to the host, a {@code BlockDevice} over it, the
 * requests of {@code qubes_penctl}, the pendrive mode of {@code qvm-copy-to-vm} and the incoming handler.
 */
package dev.airlock.pendrive.client;
