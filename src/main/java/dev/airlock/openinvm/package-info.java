/**
 * {@code qubes.OpenInVM}: opening a file in another domain (usually a disposable one) and getting the edited file
 * back. The wire formats ({@link dev.airlock.openinvm.NameField}, the legacy {@link dev.airlock.openinvm.DvmHeader})
 * are pure codecs; {@link dev.airlock.openinvm.OpenClient} is the sending side and
 * {@link dev.airlock.openinvm.FileEditor} the service ({@code vm-file-editor}) in the target domain.
 */
package dev.airlock.openinvm;
