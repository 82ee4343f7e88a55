package io.ingot.images;

import io.ingot.catalog.CloneKind;
import io.ingot.catalog.CloneRecord;
import io.ingot.network.AddressPlan;
import io.ingot.network.NicRequest;
import io.ingot.template.KeptNic;
import io.ingot.template.Manifest;
import io.ingot.util.UserError;
import io.ingot.vm.VmConfig;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A memory clone's NICs where its template kept the capture VM's NIC, and what other clones' NICs claim. */
class CloneServiceNicsTest {
    private static final String KEPT = "0a:49:4e:aa:bb:cc";
    private static final Manifest.Ram KEPT_RAM = new Manifest.Ram(null, null, null, "k", null, "virtio-net-pci", List.of(), null,
            new KeptNic("0x10", KEPT));

    private static List<AddressPlan.Planned> planned() {
        return List.of(new AddressPlan.Planned(null, "0a:49:4e:00:00:01", null),
                new AddressPlan.Planned("lab", "0a:49:4e:00:00:02", "10.77.0.5/24"));
    }

    @Test
    void theFirstNicOfAMemoryCloneIsTheTemplatesKeptNicWithItsMac() {
        List<AddressPlan.Planned> nics = CloneService.keptNic(planned(), CloneSettings.NONE, KEPT_RAM);
        assertEquals(KEPT, nics.get(0).mac());
        assertEquals(null, nics.get(0).network());
        assertEquals(planned().get(1), nics.get(1), "a NIC on a bridge keeps its own MAC");
    }

    @Test
    void anotherMacAskedForTheKeptNicIsRefused() {
        CloneSettings asked = CloneSettings.NONE.withNets(List.of(new NicRequest("user", null, "0a:49:4e:00:00:01")));
        UserError e = assertThrows(UserError.class, () -> CloneService.keptNic(planned(), asked, KEPT_RAM));
        assertEquals("--net user,mac=0a:49:4e:00:00:01: a memory clone's NIC on the user network is the one its RAM template"
                + " kept, with its MAC " + KEPT + " (mac= is for NICs on networks of networks.yaml)", e.getMessage());
        CloneSettings same = CloneSettings.NONE.withNets(List.of(new NicRequest("user", null, KEPT)));
        assertEquals(KEPT, CloneService.keptNic(planned(), same, KEPT_RAM).get(0).mac());
    }

    @Test
    void aTemplateWithoutAKeptNicChangesNothing() {
        CloneSettings asked = CloneSettings.NONE.withNets(List.of(new NicRequest("user", null, "0a:49:4e:00:00:01")));
        assertEquals(planned(), CloneService.keptNic(planned(), asked, new Manifest.Ram(null, null, null, "k", null,
                "virtio-net-pci", List.of(), null)));
        assertEquals(planned(), CloneService.keptNic(planned(), CloneSettings.NONE,
                new Manifest.Ram(null, null, null, "k", null, "virtio-net-pci", List.of(), null)));
        assertEquals(planned(), CloneService.keptNic(planned(), CloneSettings.NONE, null), "not a memory clone");
    }

    @Test
    void memoryClonesShareTheKeptMacOnTheirOwnUserNetworksButNotOnABridge() throws Exception {
        VmConfig first = new VmConfig("m1", "t:1", "memory", "local", Instant.EPOCH, null, null, null,
                List.of(new VmConfig.NicConfig("virtio-net-pci", KEPT), new VmConfig.NicConfig("virtio-net-pci", "0a:49:4e:00:00:09", "lab", "10.77.0.9/24")),
                null, null, null);
        List<AddressPlan.Claim> claims = CloneService.claims(List.of(new CloneRecord("m1", "t", 1, "local", CloneKind.MEMORY,
                Instant.EPOCH, first.toJson())));
        assertEquals(List.of(KEPT, "0a:49:4e:00:00:09"), claims.stream().map(AddressPlan.Claim::mac).toList(),
                "new MACs are drawn clear of both");
        assertEquals(java.util.Optional.empty(), CloneService.conflict(List.of(new AddressPlan.Planned(null, KEPT, null)), claims),
                "the kept NIC's MAC again, on another clone's own user network");
        assertEquals(java.util.Optional.of("mac 0a:49:4e:00:00:09 was just given to clone 'm1'; clone again"),
                CloneService.conflict(List.of(new AddressPlan.Planned("lab", "0a:49:4e:00:00:09", null)), claims));
    }
}
