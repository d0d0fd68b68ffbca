/**
 * The pendrive channel between a domain and the host: a small framed request/response protocol for the domain's
 * own keys (read, write, remove, watch) and for block I/O on the pendrives attached to it. Pure codec: it reads
 * and writes buffers; the host and the domain do the socket I/O.
 */
package dev.airlock.pendrive.wire;
