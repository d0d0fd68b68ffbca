package dev.airlock.keystore;

/** What a watch reports. */
public sealed interface WatchEvent {

    /** {@code path} was written with {@code value}. */
    record Written(KeyPath path, String value) implements WatchEvent {
    }

    /** {@code path} and every key below it were removed. */
    record Removed(KeyPath path) implements WatchEvent {
    }

    /**
     * The watch's queue was full and changes were dropped; the watcher should read the keys again. Reported
     * once per overflow, when the queue has room again.
     */
    record Overflow() implements WatchEvent {
    }
}
