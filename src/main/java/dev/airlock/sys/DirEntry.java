package dev.airlock.sys;

/** One entry of a directory as the kernel lists it: the raw name bytes and the {@code d_type} hint. */
public record DirEntry(byte[] name, int type) {
}
