/**
 * The desktop's integration files: the file-manager actions of {@code airlock desktop install} (Nautilus and Nemo
 * scripts, a Dolphin service menu, Thunar's {@code uca.xml}) on the host and inside domains, and the application
 * menu entries of {@code airlock menu} ({@code [work] Firefox}, its icon in the domain's label colour). Generating and
 * parsing are pure ({@link dev.airlock.menu.FileManagers}, {@link dev.airlock.menu.ThunarActions},
 * {@link dev.airlock.menu.AppEntry}, {@link dev.airlock.menu.MenuEntry}, {@link dev.airlock.menu.Icons}); writing
 * them into a user's folders, idempotently and removing only what carries airlock's marker, is
 * {@link dev.airlock.menu.Installation}.
 */
package dev.airlock.menu;
