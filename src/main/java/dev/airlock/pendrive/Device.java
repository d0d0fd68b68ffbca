package dev.airlock.pendrive;

/** Where a pendrive shows up in a domain. */
public enum Device {
    /** The outgoing pendrive, which the domain fills. */
    XVDG("xvdg"),
    /** The incoming pendrive, which the domain reads. */
    XVDH("xvdh");

    private final String deviceName;

    Device(String deviceName) {
        this.deviceName = deviceName;
    }

    /** The Qubes block-device name. */
    public String deviceName() {
        return deviceName;
    }
}
