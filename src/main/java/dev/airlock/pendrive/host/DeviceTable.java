package dev.airlock.pendrive.host;

import dev.airlock.pendrive.Device;
import dev.airlock.pendrive.fat.FileBlockDevice;
import dev.airlock.pendrive.wire.ChannelResponse.Code;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Which image each domain has attached as which device, consulted by every block request: the pendrive's block
 * backend. Detaching waits for the requests in progress on that attachment and then refuses all
 * others, so when {@link #detach} returns the domain can neither read nor write the image.
 */
final class DeviceTable {
    private record Key(String domain, Device device) {
    }

    /** One attached image; the lock lets requests run together and makes detaching wait for them. */
    private static final class Attachment {
        final long image;
        final FileBlockDevice file;
        final boolean writable;
        final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        boolean detached;

        Attachment(long image, FileBlockDevice file, boolean writable) {
            this.image = image;
            this.file = file;
            this.writable = writable;
        }
    }

    private interface Io<T> {
        T run(Attachment a) throws IOException, DeviceRefusal;
    }

    private final Map<Key, Attachment> attached = new ConcurrentHashMap<>();

    /**
     * Lets {@code domain} use {@code path} (image {@code image}) as {@code device}, for writing only when
     * {@code writable}.
     *
     * @throws IllegalStateException the domain already has that device
     */
    void attach(String domain, Device device, long image, Path path, boolean writable) throws IOException {
        FileBlockDevice file = FileBlockDevice.open(path, writable);
        Attachment a = new Attachment(image, file, writable);
        if (attached.putIfAbsent(new Key(domain, device), a) != null) {
            file.close();
            throw new IllegalStateException(domain + " already has a " + device.deviceName());
        }
    }

    /**
     * Takes image {@code image} away from {@code domain}'s {@code device}; returns once no request on it runs.
     * Does nothing when that device holds another image, or none.
     */
    void detach(String domain, Device device, long image) {
        Key k = new Key(domain, device);
        Attachment a = attached.get(k);
        if (a == null || a.image != image || !attached.remove(k, a)) {
            return;
        }
        a.lock.writeLock().lock();
        try {
            a.detached = true;
            a.file.close();
        } catch (IOException e) {
            // Nothing more can reach it: the channel is unusable either way.
        } finally {
            a.lock.writeLock().unlock();
        }
    }

    /** The image {@code domain} has as {@code device}, or 0. */
    long imageOf(String domain, Device device) {
        Attachment a = attached.get(new Key(domain, device));
        return a == null ? 0 : a.image;
    }

    long size(String domain, Device device) throws IOException, DeviceRefusal {
        return use(domain, device, a -> a.file.size());
    }

    /** Reads {@code length} bytes at {@code offset} of {@code domain}'s {@code device}. */
    byte[] read(String domain, Device device, long offset, int length) throws IOException, DeviceRefusal {
        return use(domain, device, a -> {
            inRange(a, offset, length);
            ByteBuffer b = ByteBuffer.allocate(length);
            a.file.read(offset, b);
            return b.array();
        });
    }

    /** Writes {@code data} at {@code offset} of {@code domain}'s {@code device}. */
    void write(String domain, Device device, long offset, byte[] data) throws IOException, DeviceRefusal {
        use(domain, device, a -> {
            if (!a.writable) {
                throw new DeviceRefusal(Code.READ_ONLY, device.deviceName() + " is attached read-only");
            }
            inRange(a, offset, data.length);
            a.file.write(offset, ByteBuffer.wrap(data));
            return null;
        });
    }

    private <T> T use(String domain, Device device, Io<T> io) throws IOException, DeviceRefusal {
        Attachment a = attached.get(new Key(domain, device));
        if (a == null) {
            throw notAttached(device);
        }
        a.lock.readLock().lock();
        try {
            if (a.detached) {
                throw notAttached(device);
            }
            return io.run(a);
        } finally {
            a.lock.readLock().unlock();
        }
    }

    private static void inRange(Attachment a, long offset, int length) throws DeviceRefusal {
        if (offset < 0 || length < 0 || offset > a.file.size() - length) {
            throw new DeviceRefusal(Code.OUT_OF_RANGE, "range " + offset + "+" + length + " is outside the device ("
                    + a.file.size() + " bytes)");
        }
    }

    private static DeviceRefusal notAttached(Device device) {
        return new DeviceRefusal(Code.NOT_ATTACHED, "no pendrive is attached as " + device.deviceName());
    }

    /** Detaches everything. */
    void clear() {
        for (Key k : attached.keySet()) {
            Attachment a = attached.get(k);
            if (a != null) {
                detach(k.domain(), k.device(), a.image);
            }
        }
    }
}
