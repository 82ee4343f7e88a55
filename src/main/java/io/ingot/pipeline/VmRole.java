package io.ingot.pipeline;

/** The VMs a build starts, one after the other; each is a phase of the build's state of its own. */
public enum VmRole {
    /** Boots the installation media and runs the unattended install (stages installer-vm, boot-command, wait-install). */
    INSTALL("install", "installer VM"),
    /** Boots the installed disk for provisioning and sealing (stages installed-vm to shutdown). */
    PROVISION("provision", "provisioning VM"),
    /** Boots the template with a seed (stage capture-boot) and saves its memory (stage ram-template). */
    CAPTURE("ram", "capture VM");

    private final String fileName;
    private final String label;

    VmRole(String fileName, String label) {
        this.fileName = fileName;
        this.label = label;
    }

    /** What its files in the build directory are named after (serial-ROLE.log, qemu-ROLE.pid). */
    public String fileName() { return fileName; }

    @Override
    public String toString() { return label; }
}
