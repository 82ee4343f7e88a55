package io.ingot.target;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * A kind of target (libvirt; later Glance, OCI, OVA, Proxmox), registered in META-INF/services like the storage
 * types: {@link Targets} knows none of them by name. Each has its feature row and reads its own URIs.
 */
public interface TargetType {
    /** Its name in listings and in the catalog's deliveries: {@code libvirt}. */
    String name();

    /** Whether a target URI with this scheme is this type's ({@code libvirt}, {@code qemu}, {@code qemu+ssh}...). */
    boolean handles(String scheme);

    /** An example URI for messages and help. */
    String example();

    TargetFeatures features();

    /**
     * The target a URI names: its options are checked here (a UserError names the bad one); nothing is contacted
     * yet.
     */
    Target open(TargetUri uri);

    /** The types on the class path, in the order found. */
    static List<TargetType> registered() {
        List<TargetType> out = new ArrayList<>();
        for (TargetType t : ServiceLoader.load(TargetType.class, TargetType.class.getClassLoader())) out.add(t);
        return List.copyOf(out);
    }
}
