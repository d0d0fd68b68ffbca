package dev.airlock.pendrive;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A fake host that records every side effect in order and fails the test (by throwing AssertionError) when the
 * daemon breaks a rule of the real world: an image attached twice, a detach of something not attached, a
 * deleted image used again, an image given back to a domain it was taken from at a send.
 */
final class RecordingHost implements PendriveHost {
    /** Where an image is attached. */
    record Place(String domain, Device device) {
    }

    final List<String> events = new ArrayList<>();
    final Set<String> running = new HashSet<>();
    final Map<Long, Place> attached = new HashMap<>();
    final Set<Long> images = new HashSet<>();
    final Set<Long> deleted = new HashSet<>();
    final Set<String> disposables = new HashSet<>();
    /** Disposables no caller has yet (pooled or starting). */
    final Set<String> unbound = new HashSet<>();
    /** Images taken from a sender at a send, and from whom. */
    final Map<Long, Set<String>> revoked = new HashMap<>();
    final List<Long> created = new ArrayList<>();
    /** Names of methods that throw on their next call. */
    final Set<String> failNext = new HashSet<>();
    private int disposableCounter;

    RecordingHost(String... runningDomains) {
        running.addAll(List.of(runningDomains));
    }

    private synchronized void maybeFail(String method) {
        if (failNext.remove(method)) {
            throw new IllegalStateException(method + " failed (injected)");
        }
    }

    @Override
    public synchronized boolean isRunning(String domain) {
        return running.contains(domain);
    }

    @Override
    public synchronized boolean isUnbound(String domain) {
        return unbound.contains(domain);
    }

    @Override
    public synchronized void createImage(long image, String label) {
        maybeFail("createImage");
        if (!images.add(image) || deleted.contains(image)) {
            throw new AssertionError("image " + image + " created twice");
        }
        if (!created.isEmpty() && created.getLast() >= image) {
            throw new AssertionError("image " + image + " after " + created.getLast());
        }
        created.add(image);
        events.add("create " + image + " " + label);
    }

    @Override
    public synchronized void attach(long image, String domain, Device device) {
        maybeFail("attach");
        if (!images.contains(image) || deleted.contains(image)) {
            throw new AssertionError("attach of unknown or deleted image " + image);
        }
        if (attached.containsKey(image)) {
            throw new AssertionError("image " + image + " attached to " + attached.get(image) + " and " + domain);
        }
        if (attached.containsValue(new Place(domain, device))) {
            throw new AssertionError(domain + " already has a " + device);
        }
        if (revoked.getOrDefault(image, Set.of()).contains(domain)) {
            throw new AssertionError("image " + image + " given back to " + domain + ", which sent it");
        }
        if (!running.contains(domain)) {
            throw new AssertionError("attach to " + domain + ", which does not run");
        }
        attached.put(image, new Place(domain, device));
        events.add("attach " + image + " " + domain + " " + device.deviceName());
    }

    @Override
    public synchronized void detach(long image, String domain, Device device) {
        maybeFail("detach");
        if (!new Place(domain, device).equals(attached.get(image))) {
            throw new AssertionError("detach of image " + image + " from " + domain + " " + device
                    + ", but it is at " + attached.get(image));
        }
        attached.remove(image);
        if (device == Device.XVDG) {
            revoked.computeIfAbsent(image, k -> new HashSet<>()).add(domain);
        }
        events.add("detach " + image + " " + domain + " " + device.deviceName());
    }

    @Override
    public synchronized void deleteImage(long image) {
        maybeFail("deleteImage");
        if (attached.containsKey(image)) {
            throw new AssertionError("delete of image " + image + " attached to " + attached.get(image));
        }
        if (!images.contains(image) || !deleted.add(image)) {
            throw new AssertionError("delete of unknown or deleted image " + image);
        }
        events.add("delete " + image);
    }

    @Override
    public synchronized void recordTransaction(String dest, String source, int transactionSeq) {
        maybeFail("recordTransaction");
        events.add("record " + dest + " blocksrc=" + source + " seq=" + transactionSeq);
    }

    @Override
    public synchronized String createDisposable(String forDomain) {
        maybeFail("createDisposable");
        String name = "disp" + ++disposableCounter;
        running.add(name);
        disposables.add(name);
        events.add("create-disposable " + name);
        return name;
    }

    @Override
    public synchronized void destroyDisposable(String name) {
        maybeFail("destroyDisposable");
        if (!disposables.remove(name)) {
            throw new AssertionError("destroy of " + name + ", not a live disposable");
        }
        running.remove(name);
        events.add("destroy-disposable " + name);
    }

    synchronized int indexOf(String event) {
        int i = events.indexOf(event);
        if (i < 0) {
            throw new AssertionError("no event \"" + event + "\" in " + events);
        }
        return i;
    }

    /** Images that exist and are attached nowhere: leaked. */
    synchronized Set<Long> leaked() {
        Set<Long> s = new HashSet<>(images);
        s.removeAll(deleted);
        s.removeAll(attached.keySet());
        return s;
    }
}
