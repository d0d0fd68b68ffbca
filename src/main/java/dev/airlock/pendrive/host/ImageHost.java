package dev.airlock.pendrive.host;

import dev.airlock.keystore.KeyStore;
import dev.airlock.keystore.Principal;
import dev.airlock.pendrive.Device;
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
    /** Records a transfer's source and transaction in the receiver's subtree. */
    interface Transactions {
        void record(String dest, String source, int transactionSeq);
    }

    private final Path folder;
    private final long imageSize;
    private final DeviceTable devices;
    private final KeyStore keys;
    private final Function<String, Optional<Integer>> ids;
    private final Predicate<String> running;
    private final Transactions transactions;

    ImageHost(Path folder, long imageSize, DeviceTable devices, KeyStore keys, Function<String, Optional<Integer>> ids,
              Predicate<String> running, Transactions transactions) {
        this.folder = folder;
        this.imageSize = imageSize;
        this.devices = devices;
        this.keys = keys;
        this.ids = ids;
        this.running = running;
        this.transactions = transactions;
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
    public void createImage(long image, String label) {
        try {
            Formatter.createImage(image(image), imageSize, label);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create pendrive " + image + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void attach(long image, String domain, Device device) {
        int id = ids.apply(domain).orElseThrow(() -> new IllegalStateException(domain + " is not running"));
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
        transactions.record(dest, source, transactionSeq);
    }

    @Override
    public String createDisposable() {
        throw new UnsupportedOperationException("disposable pendrive transactions need disposable domains (issue 5)");
    }

    @Override
    public void destroyDisposable(String name) {
        throw new UnsupportedOperationException("disposable pendrive transactions need disposable domains (issue 5)");
    }
}
