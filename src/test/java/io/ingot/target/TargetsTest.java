package io.ingot.target;

import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TargetsTest {
    private final Targets targets = Targets.registered();

    @Test
    void theSchemePicksTheTargetAndTheLocationLeavesTheNameOut() {
        Target t = targets.open("libvirt:///system?pool=images&name=web1");
        assertEquals("libvirt", t.type().name());
        assertEquals("qemu:///system?pool=images", t.location());
        assertEquals("web1", t.requestedName().orElseThrow());
        // the recorded location opens the same target again (ingot rm asks it whether the copy is still there)
        Target again = targets.open(t.location());
        assertEquals(t.location(), again.location());
        assertTrue(again.requestedName().isEmpty());
        assertEquals("qemu+ssh://host/system?keyfile=/k&pool=default", targets.open("qemu+ssh://host/system?keyfile=/k").location());
    }

    @Test
    void badTargetsAreOneLineErrors() {
        String unknown = assertThrows(UserError.class, () -> targets.open("nosuch://registry/repo:1")).getMessage();
        assertTrue(unknown.startsWith("no target takes 'nosuch:' URIs (targets: ") && unknown.contains("libvirt as libvirt:///system?pool=default&name=NAME")
                && unknown.contains("oci as oci://REGISTRY/REPO:TAG"), unknown);
        assertTrue(assertThrows(UserError.class, () -> targets.open("web1")).getMessage().contains("is not a URI"));
        assertEquals("target 'libvirt:///system?pol=x': unknown option 'pol' (known: command, keyfile, known_hosts, mode, name, netcat, "
                        + "network, no_tty, no_verify, pool, proxy, run-as, socket, sshauth, type)",
                assertThrows(UserError.class, () -> targets.open("libvirt:///system?pol=x")).getMessage());
        assertTrue(assertThrows(UserError.class, () -> targets.open("libvirt:///other")).getMessage().contains("/system or /session"));
        assertTrue(assertThrows(UserError.class, () -> targets.open("libvirt:///system?type=xen")).getMessage().contains("kvm or qemu"));
        assertTrue(assertThrows(UserError.class, () -> targets.open("libvirt:///system?pool=a&pool=b")).getMessage().contains("given twice"));
        assertTrue(assertThrows(UserError.class, () -> targets.open("libvirt:///system?run-as=nobody")).getMessage().contains("run-as is root"));
    }

    @Test
    void queryValuesAreDecoded() {
        TargetUri u = TargetUri.parse("libvirt:///system?name=a%2Fb&pool=");
        assertEquals(Map.of("name", "a/b", "pool", ""), u.query());
        assertEquals("default", u.get("pool", "default"), "an empty value is the default");
    }

    @Test
    void theFeatureRowRefusesWhatATargetCannotTake() {
        TargetFeatures row = TargetFeatures.of(TargetFeature.LINKED);
        row.require("x", TargetFeature.LINKED, null);
        assertEquals("target x cannot take RAM templates or memory clones: push the disk alone",
                assertThrows(UserError.class, () -> row.require("x", TargetFeature.RAM, "push the disk alone")).getMessage());
    }
}
