/**
 * A user-space FAT32 file system for virtual pendrives (spec/pendrive.md): a block device abstraction, a formatter,
 * a writer for the sending domain and a fail-closed reader for the receiving one, which treats every image as
 * hostile. No kernel ever mounts a pendrive.
 */
package dev.airlock.pendrive.fat;
