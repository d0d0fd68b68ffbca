/**
 * The host's hierarchical key store with watches (the xenstore / QubesDB role of the pendrive exchange).
 *
 * <p>Keys are absolute paths such as {@code /local/domain/7/device/qpen}; folders exist only through the keys
 * under them. The host reads and writes anywhere; a domain with id N only within {@code /local/domain/N}. A
 * watch on a path sees every write and removal at or below it, through a bounded queue of its own, so a watcher
 * that never reads costs a fixed amount of memory and never slows a writer: when the queue is full the watch
 * drops further changes and reports one {@link dev.airlock.keystore.WatchEvent.Overflow}, after which the
 * watcher reads the keys it cares about again.
 */
package dev.airlock.keystore;
