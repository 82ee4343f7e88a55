package io.ingot.recipe;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RamTemplateRulesTest {
    private final RamTemplateRules rules = new RamTemplateRules();

    @Test
    void ingotsOwnRamTemplateCommandLinePasses() {
        assertEquals(List.of(), rules.violations(List.of(
                "-object", "memory-backend-file,id=pc.ram,mem-path=/tmp/t/mem,size=256M,share=on",
                "-machine", "pc,memory-backend=pc.ram", "-device", "virtio-net-pci,netdev=n0",
                "-device", "virtio-mem-pci,memdev=m0,requested-size=0", "-device", "virtio-mem-pci,memdev=m1")));
    }

    @Test
    void eachRefusedSettingHasAReason() {
        List<String> refused = List.of(
                "virtio-balloon-pci", "virtio-balloon-pci,free-page-reporting=on", "virtio-balloon,free-page-hint=on",
                "virtio-mem-pci,memdev=m0,requested-size=512M", "vhost-user-blk-pci,chardev=c0",
                "vhost-user-fs-pci,tag=share", "vfio-pci,host=01:00.0", "-mem-path",
                "memory-backend-file,id=m,mem-path=/x,discard-data=on", "migrate-set-capabilities postcopy-ram=on",
                "x-release-ram=on");
        for (String arg : refused) {
            List<String> v = rules.violations(List.of(arg));
            assertEquals(1, v.size(), arg);
            assertTrue(v.get(0).startsWith("'" + arg + "': ") && v.get(0).length() > arg.length() + 20, v.get(0));
        }
        assertTrue(rules.violations(List.of("virtio-balloon-pci")).get(0).contains("inflation"));
    }

    @Test
    void violationsKeepTheArgumentIndex() {
        List<RamTemplateRules.Violation> v = rules.check(List.of("-m", "512", "-device", "vfio-pci,host=1"));
        assertEquals(1, v.size());
        assertEquals(3, v.get(0).index());
    }
}
