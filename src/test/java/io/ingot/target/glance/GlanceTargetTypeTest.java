package io.ingot.target.glance;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.catalog.TemplateVersion;
import io.ingot.target.Handover;
import io.ingot.target.TargetUri;
import io.ingot.template.Devices;
import io.ingot.template.Manifest;
import io.ingot.util.Json;
import io.ingot.util.UserError;
import io.ingot.vm.VmConfig;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GlanceTargetTypeTest {
    private static GlanceTargetType.Options options(String uri) {
        return GlanceTargetType.options(TargetUri.parse(uri));
    }

    @Test
    void theUriGivesTheEndpointAndTheImageOptions() {
        GlanceTargetType.Options o = options("glance+https://cloud.example:9292/image/?name=web&visibility=community&disk_format=raw&os_distro=debian");
        assertEquals(URI.create("https://cloud.example:9292/image"), o.endpoint());
        assertEquals("glance+https://cloud.example:9292/image", o.location(), "the location has no options: push reopens it by that");
        assertEquals("web", o.name());
        assertEquals("community", o.visibility());
        assertEquals("raw", o.diskFormat());
        assertEquals("debian", o.osDistro());
        GlanceTargetType.Options plain = options("glance+http://127.0.0.1:9292");
        assertEquals(URI.create("http://127.0.0.1:9292"), plain.endpoint());
        assertEquals("qcow2", plain.diskFormat());
        assertEquals(null, plain.visibility(), "Glance's own default (shared, or private)");
        assertTrue(new GlanceTargetType().handles("glance+http") && new GlanceTargetType().handles("glance+https"));
        assertFalse(new GlanceTargetType().handles("http"));
        GlanceTargetType.Options rbd = options("glance+http://h:9292?rbd=ceph");
        assertEquals("ceph", rbd.rbdStorage());
        assertEquals("images", rbd.rbdPool(), "Glance's usual pool");
        assertEquals("raw", rbd.diskFormat(), "an rbd location holds raw data");
    }

    @Test
    void badOptionsAreNamed() {
        assertOneLine("visibility is one of private, shared, community, public, not 'everyone'", "glance+http://h:9292?visibility=everyone");
        assertOneLine("disk_format is qcow2 or raw, not 'vmdk'", "glance+http://h:9292?disk_format=vmdk");
        assertOneLine("unknown option 'bogus'", "glance+http://h:9292?bogus=1");
        assertOneLine("pool is Glance's rbd pool; give rbd=STORAGE too", "glance+http://h:9292?pool=images");
        assertOneLine("an rbd location holds a raw image; drop disk_format=qcow2", "glance+http://h:9292?rbd=ceph&disk_format=qcow2");
        assertOneLine("expected glance+http://HOST[:PORT][/PATH]", "glance+http:h");
        assertOneLine("a Keystone token goes in OS_AUTH_TOKEN", "glance+http://admin:secret@h:9292");
    }

    @Test
    void theImageGetsWhatNovaReadsAndIngotsOwn() throws Exception {
        Manifest m = Manifest.empty().withIdentity("web", 3, Instant.EPOCH)
                .withLineage("base:2", List.of(new Manifest.Ancestor("debian:1", "a", "b", "c"), new Manifest.Ancestor("base:2", "d", "e", null)));
        TemplateVersion v = new TemplateVersion("web", 3, null, List.of("local"), m, Instant.EPOCH, false, TemplateVersion.READY, null);
        Handover h = new Handover("web-3", v, null, null, 3L * GlanceImage.GIB + 1, false, null, "qcow2", null,
                new VmConfig.Machine("q35", "max", 2, 1024, List.of("disk:virtio", "nic:e1000", Devices.UEFI, Devices.AGENT)),
                null, null, null, null, null, null, Map.of(), null, null);
        Map<String, Object> a = GlanceImage.attributes(h, options("glance+http://h:9292?visibility=private&os_distro=debian"), "web-3", "abc");
        assertEquals("web-3", a.get("name"));
        assertEquals("qcow2", a.get("disk_format"));
        assertEquals("bare", a.get("container_format"));
        assertEquals("private", a.get("visibility"));
        assertEquals(4L, a.get("min_disk"), "3 GiB and a byte need a 4 GiB root disk");
        assertEquals(1024, a.get("min_ram"));
        assertEquals("uefi", a.get("hw_firmware_type"));
        assertEquals("yes", a.get("hw_qemu_guest_agent"));
        assertEquals("virtio", a.get("hw_disk_bus"));
        assertEquals("e1000", a.get("hw_vif_model"));
        assertEquals("x86_64", a.get("architecture"));
        assertEquals("debian", a.get("os_distro"));
        assertEquals("web", a.get("ingot_template"));
        assertEquals("3", a.get("ingot_version"), "Glance's extra properties are strings");
        assertEquals("abc", a.get("ingot_sha256"));
        assertEquals("base:2", a.get("ingot_parent"));
        assertEquals("debian:1 base:2", a.get("ingot_lineage"));

        Handover bios = new Handover("t-1", v, null, null, GlanceImage.GIB, false, null, "qcow2", null,
                new VmConfig.Machine("pc", "max", 1, null, List.of()), null, null, null, null, "c1", null, Map.of(), null, null);
        Map<String, Object> b = GlanceImage.attributes(bios, options("glance+http://h:9292"), "t-1", "abc");
        assertEquals("bios", b.get("hw_firmware_type"));
        assertEquals("no", b.get("hw_qemu_guest_agent"));
        assertEquals("virtio", b.get("hw_vif_model"), "virtio-net-pci where the template names no NIC");
        assertEquals(1L, b.get("min_disk"));
        assertFalse(b.containsKey("min_ram") || b.containsKey("visibility") || b.containsKey("os_distro"));
        assertEquals("c1", b.get("ingot_clone"));
    }

    @Test
    void aLongLineageKeepsItsNewestAncestorsWithinGlancesLimit() {
        List<String> refs = java.util.stream.IntStream.range(0, 60).mapToObj(i -> "template-" + i + ":1").toList();
        String l = GlanceImage.lineage(refs);
        assertTrue(l.length() <= 255, l);
        assertTrue(l.startsWith("... ") && l.endsWith("template-59:1"), l);
    }

    @Test
    void glancesReasonIsOneLine() {
        assertEquals("Image exceeds the storage quota: 5 bytes", GlanceClient.reason(
                "<html>\n <head>\n  <title>413 Request Entity Too Large</title>\n </head>\n <body>\n  <h1>413 Request Entity Too Large</h1>\n"
                        + "  Image exceeds the storage quota: 5 bytes<br /><br />\n\n\n\n </body>\n</html>"));
        assertEquals("Provided object does not match schema 'image': 'nnn' is too long", GlanceClient.reason(
                "{\"message\": \"Provided object does not match schema 'image': 'nnn' is too long\\n\\nFailed validating 'maxLength' in schema\\n"
                        + "    {'maxLength': 255}<br /><br />\\n\", \"code\": \"400 Bad Request\", \"title\": \"Bad Request\"}"));
    }

    @Test
    void whatGlanceStoredIsComparedWithWhatWasSent() throws Exception {
        GlanceTarget.Digests sent = new GlanceTarget.Digests(5, "m", "s2", "s5");
        JsonNode same = Json.MAPPER.readTree("{\"size\": 5, \"checksum\": \"m\", \"os_hash_algo\": \"sha512\", \"os_hash_value\": \"s5\"}");
        GlanceTarget.verify("id", same, sent);
        JsonNode other = Json.MAPPER.readTree("{\"size\": 4, \"checksum\": \"m\", \"os_hash_algo\": \"sha512\", \"os_hash_value\": \"x\"}");
        UserError e = assertThrows(UserError.class, () -> GlanceTarget.verify("id", other, sent));
        assertEquals("Glance stored image id unlike what ingot sent: size 4 (sent 5) os_hash_value (sha512) x", e.getMessage());
    }

    private static void assertOneLine(String expected, String uri) {
        UserError e = assertThrows(UserError.class, () -> options(uri));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }
}
