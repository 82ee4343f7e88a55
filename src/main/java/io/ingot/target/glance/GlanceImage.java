package io.ingot.target.glance;

import io.ingot.target.Handover;
import io.ingot.template.Devices;
import io.ingot.template.Manifest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The attributes and properties a pushed image gets in Glance: those Nova reads to start it as ingot would
 * (firmware, guest agent, virtio disk and NIC, architecture, the least disk and RAM) and ingot's own, so an image
 * says which template version it is. Glance's extra properties are strings of at most 255 characters.
 */
final class GlanceImage {
    static final long GIB = 1L << 30;
    static final int MAX_PROPERTY = 255;

    private GlanceImage() { }

    /** For {@code POST /v2/images}: {@code sha256} is of the data to be uploaded. */
    static Map<String, Object> attributes(Handover h, GlanceTargetType.Options o, String name, String sha256) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("name", name);
        a.put("disk_format", o.diskFormat());
        a.put("container_format", "bare");
        if (o.visibility() != null) a.put("visibility", o.visibility());
        a.put("min_disk", minDiskGiB(h.virtualSize()));
        if (h.machine().memoryMiB() != null) a.put("min_ram", h.machine().memoryMiB());
        List<String> devices = h.machine().devices();
        a.put("hw_firmware_type", Devices.uefi(devices) ? "uefi" : "bios");
        a.put("hw_qemu_guest_agent", Devices.agent(devices) ? "yes" : "no");
        a.put("hw_disk_bus", diskBus(devices));
        a.put("hw_vif_model", vifModel(Devices.nicModel(devices)));
        a.put("architecture", "x86_64");
        if (o.osDistro() != null) a.put("os_distro", o.osDistro());
        a.put("ingot_template", h.version().name());
        a.put("ingot_version", String.valueOf(h.version().version()));
        a.put("ingot_sha256", sha256);
        if (h.cloneName() != null) a.put("ingot_clone", h.cloneName());
        Manifest m = h.version().manifest();
        if (m.parent() != null) a.put("ingot_parent", m.parent());
        if (!m.lineage().isEmpty()) a.put("ingot_lineage", lineage(m.lineage().stream().map(Manifest.Ancestor::ref).toList()));
        return a;
    }

    /** Whole GiB, rounded up: Nova refuses a flavor whose root disk is smaller. */
    static long minDiskGiB(long virtualSize) {
        return (virtualSize + GIB - 1) / GIB;
    }

    /** Nova's bus names (libvirt's): virtio unless the template names another disk bus. */
    static String diskBus(List<String> devices) {
        if (devices != null) {
            for (String d : devices) {
                if (d.startsWith("disk:")) {
                    String bus = d.substring(5);
                    if (List.of("virtio", "scsi", "sata", "ide").contains(bus)) return bus;
                }
            }
        }
        return "virtio";
    }

    /** Nova's vif model for QEMU's device: virtio for virtio-net-pci, the same name for the others. */
    static String vifModel(String qemuModel) {
        return qemuModel.equals("virtio-net-pci") ? "virtio" : qemuModel;
    }

    /** Oldest first, space-separated; where that is too long for a property, the newest ancestors that fit, after "... ". */
    static String lineage(List<String> refs) {
        String all = String.join(" ", refs);
        if (all.length() <= MAX_PROPERTY) return all;
        StringBuilder tail = new StringBuilder();
        for (int i = refs.size() - 1; i >= 0; i--) {
            String next = refs.get(i) + (tail.length() == 0 ? "" : " ") + tail;
            if (next.length() + 4 > MAX_PROPERTY) break;
            tail = new StringBuilder(next);
        }
        return "... " + tail;
    }
}
