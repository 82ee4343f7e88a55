package io.ingot.target.libvirt;

import io.ingot.template.Devices;
import io.ingot.util.UserError;
import io.ingot.vm.VmConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DomainXmlTest {
    private static DomainXml.Spec spec(String machine, String cpu, List<String> devices, String backing) {
        return new DomainXml.Spec("web1", "qemu", new VmConfig.Machine(machine, cpu, 2, 1024, devices), "/pool/web1.qcow2",
                backing, "qcow2", "/pool/web1-seed.iso", new VmConfig.NicConfig("virtio-net-pci", "0a:49:4e:01:02:03"), null,
                "11111111-2222-3333-4444-555555555555", "66666666-7777-8888-9999-000000000000", "ingot push of t:1 <&>", false);
    }

    @Test
    void aLinkedBiosDomainSpellsOutItsChainAndIdentity() {
        String x = DomainXml.domain(spec("pc", "max", List.of("disk:virtio", "nic:virtio-net-pci"), "/images/templates/t/1/base.qcow2"));
        assertTrue(x.contains("<domain type='qemu'>"), x);
        assertTrue(x.contains("<type arch='x86_64' machine='pc'>hvm</type>"), x);
        assertTrue(x.contains("<cpu mode='maximum' check='none'/>"), "QEMU's max CPU is libvirt's maximum mode: " + x);
        assertTrue(x.contains("<uuid>11111111-2222-3333-4444-555555555555</uuid>"), x);
        assertTrue(x.contains("<genid>66666666-7777-8888-9999-000000000000</genid>"), x);
        assertTrue(x.contains("<mac address='0a:49:4e:01:02:03'/>") && x.contains("<model type='virtio'/>") && x.contains("<interface type='user'>"), x);
        assertTrue(x.contains("<source file='/images/templates/t/1/base.qcow2'>\n          <seclabel model='dac' relabel='no'/>"),
                "the base is never relabelled: " + x);
        assertTrue(x.contains("<format type='qcow2'/>") && x.contains("<backingStore/>\n      </backingStore>"), "explicit format, chain ends: " + x);
        assertTrue(x.contains("device='cdrom'") && x.contains("<target dev='hdc' bus='ide'/>") && x.contains("<readonly/>"), x);
        assertTrue(x.contains("ingot push of t:1 &lt;&amp;&gt;"), "escaped: " + x);
        assertFalse(x.contains("<loader") || x.contains("guest_agent") || x.contains("<seclabel type="), x);
    }

    @Test
    void uefiAgentAndQ35() {
        String x = DomainXml.domain(spec("q35", "Skylake-Client", List.of("disk:virtio", Devices.UEFI, Devices.AGENT), null));
        assertTrue(x.contains("<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>"), x);
        assertTrue(x.contains("<nvram template='/usr/share/OVMF/OVMF_VARS.fd'/>"), "libvirt makes the domain's own store: " + x);
        assertTrue(x.contains("<target type='virtio' name='org.qemu.guest_agent.0'/>"), x);
        assertTrue(x.contains("<target dev='sdb' bus='sata'/>"), "q35 has no IDE: " + x);
        assertTrue(x.contains("<model fallback='forbid'>Skylake-Client</model>"), x);
        assertTrue(x.contains("<source file='/pool/web1.qcow2'/>\n      <backingStore/>"), "a full copy has no backing: " + x);
    }

    @Test
    void runAsRootIsThisDomainsOwnSecurityLabel() {
        DomainXml.Spec s = spec("pc", "max", List.of("disk:virtio"), "/images/base.qcow2");
        String x = DomainXml.domain(new DomainXml.Spec(s.name(), s.domainType(), s.machine(), s.disk(), s.backing(), s.backingFormat(),
                s.seed(), s.nic(), s.network(), s.uuid(), s.genid(), s.description(), true));
        assertTrue(x.contains("  </devices>\n  <seclabel type='static' model='dac' relabel='no'>\n    <label>+0:+0</label>"), x);
        assertEquals(1, x.split("<seclabel").length - 1, "libvirt refuses a disk's label beside a domain's that relabels nothing: " + x);
    }

    @Test
    void devicesLibvirtIsNotGivenAreRefused() {
        assertTrue(assertThrows(UserError.class, () -> DomainXml.domain(spec("pc", "max", List.of("disk:nvme"), null)))
                .getMessage().contains("'nvme' bus"));
    }

    @Test
    void anOverlayVolumeNamesItsBackingFormat() {
        String v = DomainXml.volume("web1.qcow2", 268435456, "/b/base.qcow2", "qcow2");
        assertTrue(v.contains("<capacity unit='bytes'>268435456</capacity>") && v.contains("<compat>1.1</compat>"), v);
        assertTrue(v.contains("<backingStore>\n    <path>/b/base.qcow2</path>\n    <format type='qcow2'/>"), v);
    }
}
