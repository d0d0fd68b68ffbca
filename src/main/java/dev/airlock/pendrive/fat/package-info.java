/**
 * A user-space FAT32 file system for virtual pendrives ({@code docs/design-notes.md}, "Pendrive FAT32"): a block device
 * abstraction, a formatter, a writer for the sending domain and a fail-closed reader for the receiving one, which
 * treats every image as hostile. No kernel ever mounts a pendrive.
 */
package dev.airlock.pendrive.fat;
