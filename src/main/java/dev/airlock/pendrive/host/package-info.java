/**
 * The host side of the pendrive exchange: images on disk, the table of which domain has which image attached as
 * which device, the server of each domain's pendrive channel, and the service that ties them to the key store and
 * the daemon.
 */
package dev.airlock.pendrive.host;
