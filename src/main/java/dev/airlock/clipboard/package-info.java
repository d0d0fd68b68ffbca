/**
 * The host's clipboard between domains (Qubes' global clipboard), as values: what one explicit copy took from a
 * domain ({@link dev.airlock.clipboard.Clip}), the limits and the text check it passed, and the one place it is
 * held until one paste takes it ({@link dev.airlock.clipboard.HostClipboard}). Nothing here reaches a domain, a
 * display or the policy: the broker does, and the policy decides a paste under
 * {@code qubes.ClipboardPaste}. Imports no airlock package.
 */
package dev.airlock.clipboard;
