/**
 * Desktop notifications: what the broker tells the person through the freedesktop notification daemon of the
 * desktop user's session bus (a denied call, the end of a copy, a disposable that failed). Sent asynchronously and
 * rate-limited, never as root, with every piece of text a domain chose made inert; without a bus or a daemon nothing
 * happens, and the audit log has it all.
 */
package dev.airlock.notify;
