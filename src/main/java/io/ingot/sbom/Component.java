package io.ingot.sbom;

/**
 * One thing installed in a template: a package (type {@code library}) or the running kernel (type
 * {@code operating-system}), as the guest reported it before the seal.
 *
 * @param type          CycloneDX component type: {@code library} or {@code operating-system}
 * @param name          the package name ({@code openssh-server}); the kernel is {@code linux}
 * @param version       the version as the package manager prints it ({@code 1:9.2p1-2+deb12u3})
 * @param arch          the package's architecture, or null
 * @param ecosystem     where an advisory for it comes from, as OSV names it: {@code Debian:12}, {@code Alpine:v3.19},
 *                      {@code Linux} (the kernel), {@code generic} (busybox of a guest without a package manager)
 * @param purl          its package URL
 * @param sourceName    the source package it was built from (Debian's security tracker lists source packages), or null
 * @param sourceVersion the source package's version, or null
 */
public record Component(String type, String name, String version, String arch, String ecosystem, String purl,
                        String sourceName, String sourceVersion) {
    public static final String LIBRARY = "library";
    public static final String OPERATING_SYSTEM = "operating-system";
    public static final String KERNEL = "linux";

    public boolean isKernel() {
        return OPERATING_SYSTEM.equals(type);
    }

    /** The ecosystem's family: {@code Debian} for {@code Debian:12}. */
    public String ecosystemFamily() {
        return ecosystem == null ? "" : ecosystem.split(":", 2)[0];
    }

    /** The key two SBOMs are compared by: a package name with its architecture, the kernel by its type. */
    public String key() {
        return isKernel() ? "kernel" : arch == null || arch.isEmpty() ? name : name + ":" + arch;
    }
}
