package io.ingot.target.ova;

import io.ingot.target.Target;
import io.ingot.target.TargetFeature;
import io.ingot.target.Targets;
import io.ingot.template.Devices;
import io.ingot.util.Sha256;
import io.ingot.util.UserError;
import io.ingot.vm.VmConfig;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import javax.xml.XMLConstants;
import javax.xml.namespace.NamespaceContext;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathFactory;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OvaTargetTest {
    private static final Map<String, String> NS = Map.of("ovf", "http://schemas.dmtf.org/ovf/envelope/1",
            "rasd", "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData",
            "vmw", "http://www.vmware.com/schema/ovf");
    private static final String HW = "/ovf:Envelope/ovf:VirtualSystem/ovf:VirtualHardwareSection/";

    @Test
    void theArchiveIsUstarWithTheDescriptorFirstThenTheManifestThenTheDisk(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("web-disk1.vmdk");
        Files.write(disk, new byte[5000]);
        Path ova = dir.resolve("web.ova");
        OvaArchive.write(ova, "web", "<Envelope/>\n", List.of(disk));

        List<String> names = new ArrayList<>();
        String mf = null;
        try (InputStream in = Files.newInputStream(ova); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                names.add(e.getName());
                if (e.getName().endsWith(".mf")) mf = new String(tar.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
        assertEquals(List.of("web.ovf", "web.mf", "web-disk1.vmdk"), names, "DSP0243's order");
        assertEquals("SHA256(web.ovf)= " + Sha256.of("<Envelope/>\n".getBytes(StandardCharsets.UTF_8)) + "\n"
                + "SHA256(web-disk1.vmdk)= " + Sha256.of(disk) + "\n", mf);
        byte[] head = new byte[512];
        try (InputStream in = Files.newInputStream(ova)) {
            assertEquals(512, in.readNBytes(head, 0, 512));
        }
        assertEquals("ustar\u000000", new String(head, 257, 8, StandardCharsets.US_ASCII), "POSIX ustar magic and version");
    }

    @Test
    void theEnvelopeSaysWhatVirtV2vAndVmwareReadWhereTheyReadIt() throws Exception {
        String xml = OvfEnvelope.of(new OvfEnvelope.Spec("web & co", "ingot push of t:1", new VmConfig.Machine("q35", "max", 2, 1536,
                List.of("disk:virtio", "nic:virtio-net-pci", Devices.UEFI)), "web-disk1.vmdk", 12345, 4L << 30, "virtio-net-pci", null));
        XPath x = xpath(xml);
        Document d = parse(xml);
        assertEquals("web & co", x.evaluate("/ovf:Envelope/ovf:VirtualSystem/ovf:Name/text()", d));
        assertEquals("1536", x.evaluate(HW + "ovf:Item[rasd:ResourceType/text()=4]/rasd:VirtualQuantity/text()", d));
        assertEquals("byte * 2^20", x.evaluate(HW + "ovf:Item[rasd:ResourceType/text()=4]/rasd:AllocationUnits/text()", d));
        assertEquals("2", x.evaluate(HW + "ovf:Item[rasd:ResourceType/text()=3]/rasd:VirtualQuantity/text()", d));
        assertEquals("efi", x.evaluate(HW + "vmw:Config[@vmw:key=\"firmware\"]/@vmw:value", d));
        // the disk: its controller, and the chain HostResource -> Disk -> File
        assertEquals("ovf:/disk/vmdisk1", x.evaluate(HW + "ovf:Item[rasd:ResourceType/text()=17]/rasd:HostResource/text()", d));
        String parent = x.evaluate(HW + "ovf:Item[rasd:ResourceType/text()=17]/rasd:Parent/text()", d);
        assertEquals("6", x.evaluate(HW + "ovf:Item[rasd:InstanceID/text()=" + parent + "]/rasd:ResourceType/text()", d), "SCSI");
        assertEquals("lsilogic", x.evaluate(HW + "ovf:Item[rasd:InstanceID/text()=" + parent + "]/rasd:ResourceSubType/text()", d));
        assertEquals("file1", x.evaluate("/ovf:Envelope/ovf:DiskSection/ovf:Disk[@ovf:diskId='vmdisk1']/@ovf:fileRef", d));
        assertEquals(String.valueOf(4L << 30), x.evaluate("/ovf:Envelope/ovf:DiskSection/ovf:Disk/@ovf:capacity", d));
        assertEquals(OvfEnvelope.VMDK_STREAM_OPTIMIZED, x.evaluate("/ovf:Envelope/ovf:DiskSection/ovf:Disk/@ovf:format", d));
        assertEquals("web-disk1.vmdk", x.evaluate("/ovf:Envelope/ovf:References/ovf:File[@ovf:id='file1']/@ovf:href", d));
        assertEquals("12345", x.evaluate("/ovf:Envelope/ovf:References/ovf:File[@ovf:id='file1']/@ovf:size", d));
        // the NIC on the network the NetworkSection names, no MAC for a template (each import picks its own)
        assertEquals("VmxNet3", x.evaluate(HW + "ovf:Item[rasd:ResourceType/text()=10]/rasd:ResourceSubType/text()", d));
        assertEquals(x.evaluate("/ovf:Envelope/ovf:NetworkSection/ovf:Network/@ovf:name", d),
                x.evaluate(HW + "ovf:Item[rasd:ResourceType/text()=10]/rasd:Connection/text()", d));
        assertEquals("", x.evaluate(HW + "ovf:Item[rasd:ResourceType/text()=10]/rasd:Address/text()", d));
        assertEquals("101", x.evaluate("/ovf:Envelope/ovf:VirtualSystem/ovf:OperatingSystemSection/@ovf:id", d));
    }

    @Test
    void aBiosTemplateOnSataSaysSoAndAPushedCloneKeepsItsMac() throws Exception {
        String xml = OvfEnvelope.of(new OvfEnvelope.Spec("c1", "clone", new VmConfig.Machine("pc", null, null, null,
                List.of("disk:sata", "nic:e1000")), "c1-disk1.vmdk", 1, 1, "e1000", "0a:49:4e:00:00:01"));
        XPath x = xpath(xml);
        Document d = parse(xml);
        assertEquals("bios", x.evaluate(HW + "vmw:Config[@vmw:key=\"firmware\"]/@vmw:value", d));
        assertEquals("20", x.evaluate(HW + "ovf:Item[rasd:InstanceID/text()=3]/rasd:ResourceType/text()", d), "SATA");
        assertEquals("E1000", x.evaluate(HW + "ovf:Item[rasd:ResourceType/text()=10]/rasd:ResourceSubType/text()", d));
        assertEquals("0a:49:4e:00:00:01", x.evaluate(HW + "ovf:Item[rasd:ResourceType/text()=10]/rasd:Address/text()", d));
        assertEquals("512", x.evaluate(HW + "ovf:Item[rasd:ResourceType/text()=4]/rasd:VirtualQuantity/text()", d));
    }

    @Test
    void theUriIsAFileNameInAFolderAndTheFeatureRowTakesFullCopiesOnly(@TempDir Path dir) {
        Targets targets = Targets.registered();
        Target t = targets.open("ova:" + dir.resolve("web.ova") + "?name=web1");
        assertEquals("ova", t.type().name());
        assertEquals("ova:" + dir, t.location());
        assertEquals("web1", t.requestedName().orElseThrow());
        assertTrue(t.type().features().has(TargetFeature.FULL) && t.type().features().has(TargetFeature.UEFI));
        assertFalse(t.type().features().has(TargetFeature.LINKED) || t.type().features().has(TargetFeature.RAM));
        assertTrue(targets.open("ova:///" + dir.resolve("web.ova")).requestedName().isEmpty());

        assertTrue(error(targets, "ova:" + dir.resolve("web.qcow2")).contains("expected ova:/PATH/NAME.ova"));
        assertTrue(error(targets, "ova:" + dir.resolve("a b.ova")).contains("expected ova:/PATH/NAME.ova"));
        assertTrue(error(targets, "ova:").contains("expected ova:/PATH/NAME.ova"));
        assertTrue(error(targets, "ova:" + dir.resolve("w.ova") + "?force=yes").contains("force is true or false"));
        assertTrue(error(targets, "ova:" + dir.resolve("w.ova") + "?name=a/b").contains("name is letters"));
        assertTrue(error(targets, "ova:" + dir.resolve("w.ova") + "?pool=x").contains("unknown option 'pool'"));
    }

    private static String error(Targets targets, String uri) {
        String m = assertThrows(UserError.class, () -> targets.open(uri)).getMessage();
        assertFalse(m.contains("\n"), m);
        return m;
    }

    private static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    private static XPath xpath(String xml) {
        XPath x = XPathFactory.newInstance().newXPath();
        x.setNamespaceContext(new NamespaceContext() {
            @Override public String getNamespaceURI(String prefix) { return NS.getOrDefault(prefix, XMLConstants.NULL_NS_URI); }
            @Override public String getPrefix(String uri) { return null; }
            @Override public Iterator<String> getPrefixes(String uri) { return null; }
        });
        return x;
    }
}
