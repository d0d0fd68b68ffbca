/**
 * The freedesktop Desktop Entry Specification as airlock reads it: one fail-closed parser of {@code .desktop} files
 * ({@link dev.airlock.xdg.DesktopFile}) for every feature that reads one a domain controls, so that a quoting or
 * escaping rule is decided in one place. Imports nothing of airlock.
 */
package dev.airlock.xdg;
