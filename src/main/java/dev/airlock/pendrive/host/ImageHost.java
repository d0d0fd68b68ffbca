package dev.airlock.pendrive.host;

import dev.airlock.keystore.KeyStore;
import dev.airlock.keystore.Principal;
import dev.airlock.pendrive.Device;
import dev.airlock.pendrive.KeyStoreFeed;
import dev.airlock.pendrive.PendriveHost;
import dev.airlock.pendrive.fat.Formatter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The daemon's side effects on this host: images are sparse files {@code pendrive-N.img} in one folder, formatted
 * by {@link Formatter}; attaching one enters it in the {@link DeviceTable} and announces it in the domain's
 * subtree as the host key {@code device/xvdg} or {@code device/xvdh} (value: the image number), the event the
 * domain's incoming handler watches for, as udev's was in Qubes.
 */
final class ImageHost implements PendriveHost {
    private final Path folder;
    private final long imageSize;
    private final DeviceTable devices;
    private final KeyStore keys;
    private final Function<String, Optional<Integer>> ids;
    private final Predicate<String> running;
    private final DisposableDomains disposables;

    ImageHost(Path folder, long imageSize, DeviceTable devices, KeyStore keys, Function<String, Optional<Integer>> ids,
              Predicate<String> running, DisposableDomains disposables) {
        this.folder = folder;
        this.imageSize = imageSize;
        this.devices = devices;
        this.keys = keys;
        this.ids = ids;
        this.running = running;
        this.disposables = disposables;
    }

    /** The key, relative to a domain's subtree, announcing its {@code device}. */
    static String deviceKey(Device device) {
        return "device/" + device.deviceName();
    }

    Path image(long image) {
        return folder.resolve("pendrive-" + image + ".img");
    }

    @Override
    public boolean isRunning(String domain) {
        return running.test(domain);
    }

    @Override
    public boolean isUnbound(String domain) {
        return disposables.isUnbound(domain);
    }

    @Override
    public void createImage(long image, String label) {
        try {
            Formatter.createImage(image(image), imageSize, label);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create pendrive " + image + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void attach(long image, String domain, Device device) {
        int id = idOf(domain);
        try {
            // Only the outgoing pendrive is writable: a receiver reads what it was given.
            devices.attach(domain, device, image, image(image), device == Device.XVDG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot attach pendrive " + image + ": " + e.getMessage(), e);
        }
        try {
            keys.write(Principal.host(), KeyStore.domainPath(id) + "/" + deviceKey(device), Long.toString(image));
        } catch (RuntimeException e) {
            devices.detach(domain, device, image);
            throw e;
        }
    }

    @Override
    public void detach(long image, String domain, Device device) {
        devices.detach(domain, device, image);
        ids.apply(domain).ifPresent(id ->
                keys.remove(Principal.host(), KeyStore.domainPath(id) + "/" + deviceKey(device)));
    }

    @Override
    public void deleteImage(long image) {
        try {
            Files.deleteIfExists(image(image));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete pendrive " + image + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void recordTransaction(String dest, String source, int transactionSeq) {
        String subtree = KeyStore.domainPath(idOf(dest));
        keys.write(Principal.host(), subtree + "/qubes_blocksrc", source);
        keys.write(Principal.host(), subtree + "/qubes_transaction_seq", Integer.toString(transactionSeq));
    }

    @Override
    public String createDisposable(String forDomain) {
        String name;
        try {
            name = disposables.create(forDomain);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        try {
            keys.write(Principal.host(), KeyStore.domainPath(idOf(name)) + "/" + KeyStoreFeed.VM_TYPE_KEY,
                    KeyStoreFeed.DISPOSABLE_TYPE);
        } catch (RuntimeException e) {
            destroyDisposable(name);
            throw e;
        }
        return name;
    }

    @Override
    public void destroyDisposable(String name) {
        try {
            disposables.destroy(name);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    private int idOf(String domain) {
        return ids.apply(domain).orElseThrow(() -> new IllegalStateException(domain + " is not running"));
    }
}
