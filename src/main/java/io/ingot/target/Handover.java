package io.ingot.target;

import io.ingot.catalog.TemplateVersion;
import io.ingot.vm.VmConfig;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What a push hands to a target: the version, its base image (a file), the disk to copy for a full push, the
 * machine as the template was built, and the identity of the new machine (MAC, SMBIOS UUID, vmgenid, NoCloud seed
 * ISO with its instance id, host name, keys and host keys).
 *
 * @param name        the name the copy gets there (domain name)
 * @param linked      true: an overlay on {@code baseImage}; false: a copy of {@code fullDisk}
 * @param fullDisk    a self-contained disk (no backing file) for a full push; null for a linked one
 * @param fullSha256  sha256 of {@code fullDisk}, hashed once by the push (what the catalog records); null for a linked one
 * @param cloneName   the clone pushed, or null for a template
 * @param accelerator the accelerator ingot would use on this host ({@code kvm}, {@code tcg}), for local targets; asked
 *                    only by a target that needs it (it may probe KVM)
 * @param ramFiles    with {@code --ram}: the RAM template's files (name in the version folder -> file); else empty
 * @param sbom        the template version's SBOM file, named in its manifest (null: none, or a clone)
 * @param signer      what checks the version's signature and signs what a target carries of it ({@link VersionSigner#NONE}
 *                    for a clone)
 */
public record Handover(String name, TemplateVersion version, Path baseImage, String baseFormat, long virtualSize,
                       boolean linked, Path fullDisk, String fullFormat, String fullSha256, VmConfig.Machine machine, VmConfig.NicConfig nic,
                       String smbiosUuid, String vmgenid, Path seedIso, String cloneName, Supplier<String> accelerator,
                       Map<String, Path> ramFiles, Path sbom, VersionSigner signer) {
    public Handover {
        if (signer == null) signer = VersionSigner.NONE;
        ramFiles = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(ramFiles)); // in the manifest's order
    }
}
