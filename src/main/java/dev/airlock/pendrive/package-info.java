/**
 * The virtual-pendrive daemon (the role of {@code qfilexchgd}; {@code docs/design-notes.md}, "The pendrive daemon"):
 * the per-domain states, the requests domains write to their {@code device/qpen} key, and the transitions between them.
 * The code here decides; it does no I/O. Images, attachments, disposables and the keys it writes go through
 * {@link dev.airlock.pendrive.PendriveHost}; questions to the user through {@link dev.airlock.pendrive.Approval}, which
 * {@link dev.airlock.pendrive.PolicyApproval} answers with the policy and the trusted prompt. The FAT file system lives
 * in the sub-package {@code fat}.
 */
package dev.airlock.pendrive;
