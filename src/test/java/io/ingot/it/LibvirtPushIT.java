package io.ingot.it;

import io.ingot.catalog.Deliveries;
import io.ingot.catalog.DeliveryRecord;
import io.ingot.catalog.TemplateVersion;
import io.ingot.guest.BuildKey;
import io.ingot.guest.SshCommunicator;
import io.ingot.images.CloneOptions;
import io.ingot.images.ImageStore;
import io.ingot.images.PublishRequest;
import io.ingot.qemu.QemuImg;
import io.ingot.target.PushService;
import io.ingot.target.PushedCopies;
import io.ingot.target.Targets;
import io.ingot.template.Devices;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.util.Command;
import io.ingot.util.Sha256;
import io.ingot.util.UserError;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code ingot push} to a real libvirt (Debian's libvirt-daemon-system, qemu:///system, TCG): a linked clone of
 * tiny-linux defined by ingot and started by libvirt answers SSH as itself, its template cannot be removed while the
 * domain reads its base, and bad input leaves nothing in libvirt. The test makes its own storage pool and removes
 * its domains and pool; the domain's SSH is a loopback port forward the test adds to libvirt's user-mode network.
 */
class LibvirtPushIT {
    private static final String TEMPLATE = "push-it";
    private static LibvirtDaemon daemon;
    private static String pool;
    private static Path poolDir;
    /** Options every push here adds: run-as=root where libvirt's QEMU user could not reach this checkout's files. */
    private static String runAs = "";
    private static final List<String> domains = new ArrayList<>();

    @BeforeAll
    static void libvirt() throws Exception {
        assumeTrue(LibvirtDaemon.installed(), "libvirt is not installed (apt-get install libvirt-daemon-system libvirt-clients)");
        daemon = LibvirtDaemon.ensure(TestImages.home().resolve("target/libvirt-it/logs"));
        pool = "ingot-it-" + UUID.randomUUID().toString().substring(0, 8);
        poolDir = TestImages.home().resolve("target/libvirt-it").resolve(pool);
        Files.createDirectories(poolDir);
        Files.setPosixFilePermissions(poolDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path blocked = LibvirtDaemon.notSearchableByOthers(TestImages.home());
        if (blocked != null || Boolean.getBoolean("ingot.it.libvirtRunAsRoot")) {
            System.err.println("LibvirtPushIT: pushes run QEMU as root (run-as=root)"
                    + (blocked == null ? "" : ": libvirt-qemu cannot enter " + blocked));
            runAs = "&run-as=root";
        }
        // transient: it is gone from libvirt once destroyed
        ok(LibvirtDaemon.virsh("pool-create-as", pool, "dir", "--target", poolDir.toString()));
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (daemon == null) return;
        try {
            for (String d : domains) {
                LibvirtDaemon.virsh("destroy", d);
                LibvirtDaemon.virsh("undefine", "--nvram", d);
            }
            // whatever is left in the pool's folder, then the pool itself (each step tried, whatever the others did)
            Command.Result list = LibvirtDaemon.virsh("vol-list", "--pool", pool);
            for (String line : list.stdout().strip().split("\\R")) {
                if (!line.isBlank()) LibvirtDaemon.virsh("vol-delete", "--pool", pool, line.strip().split("\\s+")[0]);
            }
            LibvirtDaemon.virsh("pool-destroy", pool);
            Files.deleteIfExists(poolDir);
            // the test's own template versions go too, now that nothing in libvirt reads them
            ImageStore store = TestImages.store();
            PushedCopies copies = new PushedCopies(store.catalog(), store.storages(), Targets.registered());
            for (TemplateVersion v : store.catalog().versions(TEMPLATE)) {
                if (v.deleting()) continue;
                copies.forgetGone(v.name(), v.version(), l -> { });
                try {
                    store.versions().remove(v.name(), v.version(), true);
                } catch (UserError e) {
                    System.err.println("LibvirtPushIT keeps " + v.ref() + ": " + e.getMessage());
                }
            }
        } finally {
            daemon.close();
        }
    }

    @Test
    void aLinkedCloneInLibvirtBootsAsItselfAndHoldsItsTemplate() throws Exception {
        ImageStore store = TestImages.store();
        TemplateVersion v = template(store);
        Path base = store.storages().get("local").locate(TEMPLATE, v.version()).orElseThrow().baseImage().path();
        String baseSha = Sha256.of(base);
        PushService push = new PushService(store, Targets.registered(), () -> "tcg");
        String name = "pit-web1";
        domains.add(name);

        List<String> progress = new ArrayList<>();
        PushService.Pushed p = push.push(v.ref(), "libvirt:///system?pool=" + pool + runAs + "&name=" + name, false, false, progress::add);
        assertEquals(new DeliveryRecord("libvirt", "qemu:///system?pool=" + pool, name, TEMPLATE, v.version(), null, true,
                v.manifest().disk().sha256(), p.record().created()), p.record());
        assertTrue(new Deliveries(store.catalog()).of(TEMPLATE, v.version()).contains(p.record()), "the catalog records the copy");
        assertOneLine("has a domain named '" + name + "' already",
                () -> push.push(v.ref(), "libvirt:///system?pool=" + pool + runAs + "&name=" + name, false, false, l -> { }));
        assertTrue(new Deliveries(store.catalog()).of(TEMPLATE, v.version()).contains(p.record()), "a refused push keeps the earlier copy's row");

        // the disk is a volume of the pool: a qcow2 overlay whose backing file is the base, with its format spelled out
        Path overlay = poolDir.resolve(name + ".qcow2");
        QemuImg.Info info = new QemuImg().info(overlay, "qcow2");
        assertEquals(base.toString(), info.backingFilename());
        assertEquals("qcow2", info.backingFormat());
        String xml = ok(LibvirtDaemon.virsh("dumpxml", "--inactive", name));
        assertTrue(xml.contains("<domain type='qemu'"), "TCG here: " + xml);
        assertTrue(xml.contains("<source file='" + base + "'") && xml.contains("relabel='no'"), "backing chain to the base, never relabelled: " + xml);
        assertTrue(xml.contains("device='cdrom'") && xml.contains(poolDir.resolve(name + "-seed.iso").toString()), "seed as a CD-ROM: " + xml);
        assertTrue(xml.contains("<genid>"), "a vmgenid: " + xml);

        ok(LibvirtDaemon.virsh("start", name));
        assertEquals("running", ok(LibvirtDaemon.virsh("domstate", name)).strip());
        String qemuPid = Files.readString(Path.of("/run/libvirt/qemu/" + name + ".pid")).strip();
        assertEquals(runAs.isEmpty() ? "libvirt-qemu" : "root", Files.getOwner(Path.of("/proc", qemuPid)).getName(),
                "libvirt's QEMU user reads the base through its permissions (run-as=root: root)");
        int port = freePort();
        // Debian 12's libvirt 9.0 refuses the passt backend that <portForward> needs: the test forwards a loopback port itself
        ok(LibvirtDaemon.virsh("qemu-monitor-command", name, "--hmp", "hostfwd_add hostnet0 tcp:127.0.0.1:" + port + "-:22"));
        BuildKey access = BuildKey.load(store.accessKey().privateKeyPath());
        try (SshCommunicator ssh = SshCommunicator.connect("127.0.0.1", port, "root", access.keyPair(), Duration.ofMinutes(3))) {
            assertEquals(name, ssh.run("hostname").strip(), "the seed's host name");
            assertTrue(p.hostKeys().publicKeys().stream().anyMatch(k -> KeyUtils.compareKeys(k, ssh.hostKey())),
                    "it answers with the host key ingot made for it");
            String mac = between(xml, "<mac address='", "'");
            assertEquals(mac, ssh.run("cat /sys/class/net/eth0/address").strip(), "the MAC ingot gave it");
            assertTrue(mac.startsWith("0a:49:4e"), mac);
            String uuid = ok(LibvirtDaemon.virsh("domuuid", name)).strip();
            assertEquals(uuid, ssh.run("cat /sys/class/dmi/id/product_uuid").strip().toLowerCase(), "the SMBIOS UUID");
            ssh.run("echo only-in-libvirt > /root/mark && sync");
        }
        assertEquals(baseSha, Sha256.of(base), "the base image is unchanged and still ingot's");
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(base)));

        // removing the template is refused while the domain reads it, naming the domain, also by ingot rm itself
        UserError refused = assertThrows(UserError.class, () -> store.versions().remove(TEMPLATE, v.version(), true));
        assertTrue(refused.getMessage().contains("libvirt " + name + " at qemu:///system?pool=" + pool), refused.getMessage());
        Cli rm = Cli.run("rm", v.ref(), "--force");
        assertEquals(2, rm.code, rm.err);
        assertTrue(rm.err.contains(name) && !rm.err.contains("\tat "), rm.err);
        Cli templates = Cli.run("templates");
        assertTrue(templates.out.contains(v.version() + ": libvirt " + name + " at qemu:///system?pool=" + pool), templates.out);
        Cli revoke = Cli.run("revoke", v.ref());
        assertEquals(0, revoke.code, revoke.err);
        assertTrue(revoke.out.contains("still there: libvirt " + name), revoke.out);
        Cli.run("revoke", v.ref(), "--undo");

        // gone from libvirt (the domain and its volumes): rm forgets the copy and removes the version
        ok(LibvirtDaemon.virsh("destroy", name));
        ok(LibvirtDaemon.virsh("undefine", name));
        ok(LibvirtDaemon.virsh("vol-delete", "--pool", pool, name + ".qcow2"));
        ok(LibvirtDaemon.virsh("vol-delete", "--pool", pool, name + "-seed.iso"));
        Cli rm2 = Cli.run("rm", v.ref(), "--force");
        assertEquals(0, rm2.code, rm2.err);
        assertTrue(rm2.err.contains("forgot libvirt " + name), rm2.err);
        assertTrue(new Deliveries(store.catalog()).of(TEMPLATE, v.version()).stream().noneMatch(d -> d.linked()),
                "no linked copy recorded once the version is gone");
    }

    @Test
    void aClonePushedToLibvirtIsAFullCopyThatKeepsItsIdentity() throws Exception {
        ImageStore store = TestImages.store();
        template(store);
        String name = "pit-clone";
        domains.add(name);
        var clone = store.clones().clone(TEMPLATE, name, new CloneOptions(true, null, null, List.of()));
        try {
            PushService.Pushed p = new PushService(store, Targets.registered(), () -> "tcg")
                    .push(name, "libvirt:///system?pool=" + pool + runAs, false, false, l -> { });
            assertFalse(p.record().linked());
            assertEquals(name, p.record().cloneName());
            Path disk = poolDir.resolve(name + ".qcow2");
            assertNull(new QemuImg().info(disk, "qcow2").backingFilename(), "a full copy has no backing file");
            assertEquals(Sha256.of(disk), p.record().sha256(), "the catalog has the sha256 of the disk handed over");
            String xml = ok(LibvirtDaemon.virsh("dumpxml", "--inactive", name));
            assertTrue(xml.contains("<mac address='" + clone.vm().nics().get(0).mac() + "'/>"), xml);
            assertTrue(xml.contains("<uuid>" + clone.vm().smbiosUuid() + "</uuid>"), xml);
            assertTrue(xml.contains("<genid>" + clone.vm().vmgenid() + "</genid>"), xml);

            ok(LibvirtDaemon.virsh("start", name));
            int port = freePort();
            ok(LibvirtDaemon.virsh("qemu-monitor-command", name, "--hmp", "hostfwd_add hostnet0 tcp:127.0.0.1:" + port + "-:22"));
            BuildKey access = BuildKey.load(store.accessKey().privateKeyPath());
            try (SshCommunicator ssh = SshCommunicator.connect("127.0.0.1", port, "root", access.keyPair(), Duration.ofMinutes(3))) {
                assertEquals(name, ssh.run("hostname").strip());
            }
        } finally {
            LibvirtDaemon.virsh("destroy", name);
            LibvirtDaemon.virsh("undefine", name);
            LibvirtDaemon.virsh("vol-delete", "--pool", pool, name + ".qcow2");
            LibvirtDaemon.virsh("vol-delete", "--pool", pool, name + "-seed.iso");
            store.clones().remove(name);
            new Deliveries(store.catalog()).forget("libvirt", "qemu:///system?pool=" + pool, name);
        }
    }

    @Test
    void aFullCopyDoesNotHoldItsVersionAndRmSaysItIsLeftBehind() throws Exception {
        ImageStore store = TestImages.store();
        TemplateVersion v = template(store);
        Path base = store.storages().get("local").locate(TEMPLATE, v.version()).orElseThrow().baseImage().path();
        String name = "pit-full";
        domains.add(name);
        PushService.Pushed p = new PushService(store, Targets.registered(), () -> "tcg")
                .push(v.ref(), "libvirt:///system?pool=" + pool + runAs + "&name=" + name, true, false, l -> { });
        Path disk = poolDir.resolve(name + ".qcow2");
        assertNull(new QemuImg().info(disk, "qcow2").backingFilename(), "an independent copy");
        assertEquals(Sha256.of(base), Sha256.of(disk), "the base image's bytes, uploaded through libvirt");
        assertEquals(Sha256.of(base), p.record().sha256());
        Cli rm = Cli.run("rm", v.ref(), "--force");
        assertEquals(0, rm.code, rm.err);
        assertTrue(rm.out.contains("left behind: libvirt " + name + " at qemu:///system?pool=" + pool + " (full copy)"), rm.out);
        assertEquals("shut off", ok(LibvirtDaemon.virsh("domstate", name)).strip(), "the domain is still there");
    }

    @Test
    void aUefiTemplateGetsOvmfAndAVariableStorePerDomain() throws Exception {
        assumeTrue(Files.isRegularFile(Path.of("/usr/share/OVMF/OVMF_CODE.fd")), "UEFI needs OVMF: apt-get install ovmf");
        ImageStore store = TestImages.store();
        TestImages.tinyLinux();
        TemplateVersion shared = store.catalog().resolve(TemplateRef.parse("tiny-linux@latest"));
        Path sharedBase = store.storages().get(shared.primaryStorage()).locate(shared.name(), shared.version()).orElseThrow().baseImage().path();
        Manifest m = shared.manifest();
        // the device list is what makes a template UEFI (and gives it an agent channel): the guest need not boot for libvirt's part
        TemplateVersion v = store.publisher().publish(new PublishRequest("push-it-uefi", sharedBase, "qcow2", false,
                Manifest.empty().withMachine(m.qemuVersion(), "q35", m.cpuModel(), m.cpus(), m.memoryMiB(),
                        List.of("disk:virtio", "nic:virtio-net-pci", Devices.UEFI, Devices.AGENT)), List.of("local"), "latest"));
        PushService push = new PushService(store, Targets.registered(), () -> "tcg");
        List<String> stores = new ArrayList<>();
        for (String name : List.of("pit-uefi1", "pit-uefi2")) {
            domains.add(name);
            push.push(v.ref(), "libvirt:///system?pool=" + pool + runAs + "&name=" + name, false, false, l -> { });
            ok(LibvirtDaemon.virsh("start", name));
            String xml = ok(LibvirtDaemon.virsh("dumpxml", name));
            assertTrue(xml.contains("<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>"), xml);
            assertTrue(xml.contains("name='org.qemu.guest_agent.0'"), xml);
            assertTrue(xml.contains("bus='sata'"), "the seed CD-ROM is on SATA on q35: " + xml);
            String vars = between(xml, "<nvram template='/usr/share/OVMF/OVMF_VARS.fd'>", "</nvram>");
            assertTrue(Files.isRegularFile(Path.of(vars)), "libvirt made the domain's variable store " + vars);
            stores.add(vars);
        }
        assertEquals(2, stores.stream().distinct().count(), "each domain has its own variable store: " + stores);
        for (String name : List.of("pit-uefi1", "pit-uefi2")) {
            ok(LibvirtDaemon.virsh("destroy", name));
            ok(LibvirtDaemon.virsh("undefine", "--nvram", name));
            ok(LibvirtDaemon.virsh("vol-delete", "--pool", pool, name + ".qcow2"));
            ok(LibvirtDaemon.virsh("vol-delete", "--pool", pool, name + "-seed.iso"));
        }
        for (String vars : stores) assertFalse(Files.exists(Path.of(vars)), "the variable store goes with its domain");
        new PushedCopies(store.catalog(), store.storages(), Targets.registered()).forgetGone(v.name(), v.version(), l -> { });
        store.versions().remove(v.name(), v.version(), true);
    }

    @Test
    void badInputGetsOneLineAndLeavesNothingInLibvirt() throws Exception {
        ImageStore store = TestImages.store();
        TemplateVersion v = template(store);
        PushService push = new PushService(store, Targets.registered(), () -> "tcg");
        List<String> before = List.of(ok(LibvirtDaemon.virsh("list", "--all", "--name")).strip());
        List<DeliveryRecord> recorded = new Deliveries(store.catalog()).all();
        String at = "?pool=" + pool + runAs + "&name=";

        assertOneLine("cannot reach libvirt at qemu+tcp://127.0.0.1:1/system",
                () -> push.push(v.ref(), "qemu+tcp://127.0.0.1:1/system" + at + "pit-x", false, false, l -> { }));
        // '/' is refused by libvirt's dir pool; a line break in a name by its domain parser, after the volumes were made
        assertOneLine("refused the volume 'pit/x.qcow2'", () -> push.push(v.ref(), "libvirt:///system" + at + "pit/x", false, false, l -> { }));
        assertOneLine("refused the domain", () -> push.push(v.ref(), "libvirt:///system" + at + "pit%0Ax", false, false, l -> { }));
        assertOneLine("target libvirt cannot take RAM templates",
                () -> push.push(v.ref(), "libvirt:///system" + at + "pit-ram", false, true, l -> { }));
        store.clones().clone("tiny-linux", "pit-mem", new CloneOptions(true, null, null, List.of(), true, io.ingot.images.CloneSettings.NONE));
        try {
            assertOneLine("pit-mem is a memory clone", () -> push.push("pit-mem", "libvirt:///system" + at + "pit-mem", false, false, l -> { }));
        } finally {
            store.clones().remove("pit-mem");
        }
        assertOneLine("no storage pool 'nosuch'", () -> push.push(v.ref(), "libvirt:///system?pool=nosuch&name=pit-y", false, false, l -> { }));
        assertOneLine("unknown option 'bogus'", () -> push.push(v.ref(), "libvirt:///system?bogus=1", false, false, l -> { }));
        assertOneLine("no target takes 'nosuch:' URIs", () -> push.push(v.ref(), "nosuch://registry/repo:tag", false, false, l -> { }));

        assertEquals(List.of(), volumes(), "no volume left in the pool");
        assertEquals(before, List.of(ok(LibvirtDaemon.virsh("list", "--all", "--name")).strip()), "no domain left");
        assertEquals(recorded, new Deliveries(store.catalog()).all(), "nothing recorded");
        Cli cli = Cli.run("push", v.ref(), "libvirt:///system" + at + "pit/x");
        assertEquals(2, cli.code);
        assertEquals(1, cli.err.strip().lines().count(), cli.err);
    }

    private static TemplateVersion template(ImageStore store) throws Exception {
        return TestImages.ownTemplate(store, TEMPLATE);
    }

    private static void assertOneLine(String expected, org.junit.jupiter.api.function.Executable push) {
        UserError e = assertThrows(UserError.class, push);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    private static List<String> volumes() throws Exception {
        // libvirt 9.0's vol-list has no --name: the first column
        List<String> out = new ArrayList<>();
        for (String line : ok(LibvirtDaemon.virsh("vol-list", "--pool", pool)).strip().split("\\R")) {
            if (!line.isBlank()) out.add(line.strip().split("\\s+")[0]);
        }
        return out;
    }

    private static String ok(Command.Result r) {
        assertTrue(r.ok(), r.output());
        return r.stdout();
    }

    private static String between(String s, String from, String to) {
        int i = s.indexOf(from) + from.length();
        return s.substring(i, s.indexOf(to, i));
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

}
