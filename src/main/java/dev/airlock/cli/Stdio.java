package dev.airlock.cli;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.nio.channels.FileChannel;

/** The process's standard input and output as channels: data streams bypass {@code System.out}'s buffering. */
final class Stdio {
    private Stdio() {
    }

    static FileChannel in() {
        return new FileInputStream(FileDescriptor.in).getChannel();
    }

    static FileChannel out() {
        return new FileOutputStream(FileDescriptor.out).getChannel();
    }
}
