/**
 * The files of the installed tool that are written from the command model at package time (manual pages, shell
 * completion), so that they always say what {@code --help} says; the package itself is laid out by
 * {@code scripts/package.sh} (docs/packaging.md).
 */
package dev.airlock.packaging;
