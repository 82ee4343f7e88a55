package io.ingot.it;

import io.ingot.catalog.TemplateVersion;
import io.ingot.cli.Main;
import io.ingot.guest.BuildKey;
import io.ingot.guest.SshCommunicator;
import io.ingot.guest.SshLogin;
import io.ingot.images.CloneInstances;
import io.ingot.images.CloneOptions;
import io.ingot.images.ImageStore;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.util.Command;
import io.ingot.util.Sha256;
import io.ingot.util.UserError;
import io.ingot.vm.HostKeys;
import io.ingot.vm.RunningClone;
import io.ingot.vm.SeedBuilder;
import io.ingot.vm.VmConfig;
import io.ingot.vm.WarmPool;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Memory clones of the shared tiny-linux template (recipes/tiny-linux.yaml sets template.ram: true). */
class RamTemplateIT {

    @Test
    void twoMemoryClonesResumeWithTheirOwnIdentityAndLeaveTheTemplateUntouched() throws Exception {
        TestImages.tinyLinux();
        ImageStore store = TestImages.store();
        TemplateVersion v = store.catalog().resolve(TemplateRef.parse("tiny-linux@latest"));
        Manifest.Ram ram = v.manifest().ram();
        assertNotNull(ram, "the tiny-linux template has a RAM template");
        // the RAM column by its place under the header (a PUSHED column follows it once another test pushed a version)
        List<String> listing = templatesListing().lines().toList();
        int ramColumn = listing.get(0).indexOf("RAM");
        assertTrue(ramColumn > 0 && listing.stream().anyMatch(l -> l.startsWith("tiny-linux") && l.startsWith("yes", ramColumn)),
                "ingot templates shows the RAM template:\n" + String.join("\n", listing));
        Path versionDir = store.storages().get("local").locate(v.name(), v.version()).orElseThrow().dir();
        Path memory = versionDir.resolve(ram.memoryFile().file());
        assertEquals(ram.memoryFile().sha256(), Sha256.of(memory), "the manifest records the memory file's sha256");
        // the RAM the guest never touched stays holes, also when the capture VM ran on tmpfs and the file was copied
        long allocated = Long.parseLong(Command.run(List.of("stat", "-c", "%b", memory.toString())).strip()) * 512;
        assertTrue(allocated < Files.size(memory) * 3 / 4, "ram/memory takes " + allocated + " bytes on disk of " + Files.size(memory));

        var a = store.clones().clone(v.ref(), "ram-a", CloneOptions.memoryClone(List.of()));
        var b = store.clones().clone(v.ref(), "ram-b", CloneOptions.memoryClone(List.of()));
        CloneInstances instances = new CloneInstances(store);
        BuildKey access = BuildKey.load(store.accessKey().privateKeyPath());
        try {
            RunningClone ra = instances.start("ram-a");
            RunningClone rb = instances.start("ram-b");
            assertEquals("resumed", ra.how());
            assertNotNull(ra.resumedMillis());
            assertNotEquals(ra.hostKey(), rb.hostKey(), "each memory clone makes its own host keys");
            try (SshCommunicator sa = ssh(ra, access); SshCommunicator sb = ssh(rb, access)) {
                assertEquals("ram-a", sa.run("hostname").strip());
                assertEquals("ram-b", sb.run("hostname").strip());
                assertEquals(a.vm().nics().get(0).mac(), sa.run("cat /sys/class/net/eth0/address").strip());
                assertEquals(b.vm().nics().get(0).mac(), sb.run("cat /sys/class/net/eth0/address").strip());
                assertNotEquals(sa.run("cat /etc/machine-id"), sb.run("cat /etc/machine-id"));
                assertEquals(ra.hostKey(), sa.hostKeyFingerprint());
                // onRestore came through fw_cfg and ran as the clone resumed, before its link was up: the clone
                // said so on its serial console, its clock is the host's, and the script with its keys is gone
                String serial = java.nio.file.Files.readString(Path.of(ra.serialLog()), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertTrue(serial.contains("ingot-onrestore: ok "), "the guest ran onRestore as it resumed");
                long skew = Long.parseLong(sa.run("date +%s").strip()) - java.time.Instant.now().getEpochSecond();
                assertTrue(Math.abs(skew) <= 5, "onRestore set the clock: " + skew + " s off");
                assertTrue(java.nio.file.Files.notExists(Path.of(ra.serialLog()).resolveSibling("onrestore")),
                        "the onRestore script (it holds private keys) is not left beside the clone");
                // the keys are the ones ingot made and handed to onRestore: a client that trusts only them gets in
                HostKeys made = SeedBuilder.hostKeys(Path.of(a.vm().seed()).resolveSibling("seed").resolve("user-data")).orElseThrow();
                assertTrue(made.keys().stream().anyMatch(k -> k.fingerprint().equals(ra.hostKey())), "ingot recorded a key it made");
                try (SshCommunicator pinned = SshCommunicator.connect(SshLogin.of("127.0.0.1", ra.sshPort(), "root", access.keyPair(),
                        Duration.ofSeconds(30)).trusting(made.publicKeys()))) {
                    assertEquals("ram-a", pinned.run("hostname").strip());
                }
                // every host key the clone has is one ingot made (none of the template's is left)
                List<String> files = sa.run("ls /etc/dropbear/").lines().filter(f -> f.endsWith("_host_key")).toList();
                assertTrue(files.contains("dropbear_ed25519_host_key"), files.toString());
                for (String f : files) {
                    String pub = sa.run("dropbearkey -y -f /etc/dropbear/" + f).lines().filter(l -> l.contains(" AAAA")).findFirst().orElseThrow();
                    assertTrue(made.keys().stream().anyMatch(k -> k.publicKey().split(" ")[1].equals(pub.split(" ")[1])),
                            f + " is not a key ingot made: " + pub);
                }
                // write files and dirty memory in both
                sa.run("echo only-in-a > /root/mark && dd if=/dev/urandom of=/dev/shm/fill bs=1M count=16 2>/dev/null; sync");
                sb.run("dd if=/dev/urandom of=/dev/shm/fill bs=1M count=16 2>/dev/null; true");
                assertEquals("only-in-a", sa.run("cat /root/mark").strip());
                assertTrue(sb.exec("test -e /root/mark", Map.of(), Duration.ofSeconds(10), l -> { }).exitStatus() != 0,
                        "a file written in one memory clone is not in the other");
            }
        } finally {
            instances.stop("ram-a", Duration.ofSeconds(10));
            instances.stop("ram-b", Duration.ofSeconds(10));
            store.clones().remove("ram-a");
            store.clones().remove("ram-b");
        }
        assertEquals(ram.memoryFile().sha256(), Sha256.of(memory), "the template's memory file is unchanged");
        assertEquals(List.of(), TestImages.qemuProcessesMentioning("ingot-clone-ram-"));
    }

    @Test
    void warmPoolProcessesFilledByHandOrByStartServeTheNextMemoryClones() throws Exception {
        TestImages.tinyLinux();
        ImageStore store = TestImages.store();
        var first = store.clones().clone("tiny-linux", "pool-a", CloneOptions.memoryClone(List.of()));
        var second = store.clones().clone("tiny-linux", "pool-b", CloneOptions.memoryClone(List.of()));
        CloneInstances instances = new CloneInstances(store);
        WarmPool pool = instances.pool();
        BuildKey access = BuildKey.load(store.accessKey().privateKeyPath());
        long waitingPid = -1;
        try {
            assertTrue(cli("pool", "fill", "tiny-linux", "--size", "1").startsWith("started 1 waiting QEMU process"));
            long filledPid = pool.list().get(0).pid();
            RunningClone ra = instances.start("pool-a", false, 1);
            assertEquals("pool", ra.how(), "a process filled with 'ingot pool fill' serves a memory clone");
            assertEquals(filledPid, ra.pid());
            List<WarmPool.Slot> waiting = pool.waiting(first.vm(), ra.accelerator());
            assertEquals(1, waiting.size(), "--pool 1 leaves one process waiting for this RAM template");
            waitingPid = waiting.get(0).pid();
            String listing = poolListing();
            long listed = waitingPid;
            // tiny-linux has no guest agent: its process waits for a device state, not made ready
            assertTrue(listing.lines().anyMatch(l -> l.contains(" " + listed + " ") && l.contains(" incoming ")),
                    "ingot pool lists the waiting process as incoming: " + listing);

            RunningClone rb = instances.start("pool-b");
            assertEquals("pool", rb.how(), "the next memory clone takes the waiting process");
            assertEquals(waitingPid, rb.pid());
            assertEquals(List.of(), pool.waiting(second.vm(), rb.accelerator()), "without --pool nothing is refilled");
            VmConfig vmb = VmConfig.read(second.vmConfigFile());
            assertNotEquals(second.vm().vmgenid(), vmb.vmgenid(), "vm.json records the vmgenid the clone runs with");
            try (var qmp = io.ingot.qemu.QmpClient.connect(Path.of(rb.qmpSocket()))) {
                assertEquals(vmb.vmgenid(), qmp.execute("query-vm-generation-id").path("guid").asText());
            }
            long diskBefore = java.nio.file.Files.size(Path.of(vmb.disk().path()));
            try (SshCommunicator sb = ssh(rb, access)) {
                // a pool process started before its clone was known: onRestore ran over SSH instead of fw_cfg
                assertTrue(!java.nio.file.Files.readString(Path.of(rb.serialLog()), java.nio.charset.StandardCharsets.ISO_8859_1)
                        .contains("ingot-onrestore: ok "), "a pool process's fw_cfg holds the template's placeholder");
                assertEquals("pool-b", sb.run("hostname").strip());
                assertEquals(second.vm().nics().get(0).mac(), sb.run("cat /sys/class/net/eth0/address").strip());
                assertEquals(rb.hostKey(), sb.hostKeyFingerprint());
                sb.run("dd if=/dev/urandom of=/root/written bs=1M count=4 2>/dev/null && sync");
                // the NIC took the template's lease at once; DHCP confirms it later without cutting the network
                sb.run("n=0; until [ -s /run/udhcpc.eth0.pid ] && kill -0 $(cat /run/udhcpc.eth0.pid); do"
                        + " [ $n -lt 100 ] || exit 1; n=$((n+1)); usleep 100000; done; sleep 1");
                assertEquals("1", sb.run("ip -4 -o addr show dev eth0 | grep -c ' inet '").strip());
                // the default route comes a moment after the address (not needed to answer ingot's first login)
                assertEquals("default via 10.0.2.2 dev eth0", sb.run("ip route | grep ^default").strip());
            }
            try (SshCommunicator again = ssh(rb, access)) {
                assertEquals("pool-b", again.run("hostname").strip(), "a new connection after DHCP ran");
            }
            // ingot ssh: OpenSSH's client with ingot's key, trusting only the host key ingot made for the clone
            IngotChild cli = new IngotChild(TestImages.home(), TestImages.paths().images(), TestImages.paths().cache());
            IngotChild.Result viaSsh = cli.run(Duration.ofMinutes(1), "ssh", "pool-b", "--", "hostname");
            assertEquals(0, viaSsh.exitCode(), viaSsh.toString());
            assertTrue(viaSsh.output().lines().anyMatch("pool-b"::equals), viaSsh.toString());
            instances.stop("pool-b", Duration.ofSeconds(10));
            IngotChild.Result stopped = cli.run(Duration.ofMinutes(1), "ssh", "pool-b", "--", "hostname");
            assertEquals(2, stopped.exitCode(), stopped.toString());
            assertTrue(stopped.output().contains("ingot: clone 'pool-b' is not running; start it: ingot start pool-b"), stopped.toString());
            assertTrue(java.nio.file.Files.size(Path.of(vmb.disk().path())) >= diskBefore + (4L << 20),
                    "what the pooled clone writes lands in its own overlay");
        } finally {
            instances.stop("pool-a", Duration.ofSeconds(10));
            instances.stop("pool-b", Duration.ofSeconds(10));
            pool.drain(slot -> true);
            store.clones().remove("pool-a");
            store.clones().remove("pool-b");
        }
        assertEquals(List.of(), pool.list());
        assertTrue(waitingPid < 0 || ProcessHandle.of(waitingPid).map(h -> !h.isAlive()).orElse(true), "no pool process is left");
        String images = TestImages.paths().images().toString();
        assertEquals(List.of(), TestImages.qemuProcessesMentioning("ingot-pool-").stream().filter(c -> c.contains(images)).toList());
    }

    @Test
    void aMemoryCloneStartedAgainBootsFromItsDiskAndKeepsWhatItWrote() throws Exception {
        TestImages.tinyLinux();
        ImageStore store = TestImages.store();
        store.clones().clone("tiny-linux", "ram-again", CloneOptions.memoryClone(List.of()));
        CloneInstances instances = new CloneInstances(store);
        BuildKey access = BuildKey.load(store.accessKey().privateKeyPath());
        try {
            RunningClone first = instances.start("ram-again");
            assertEquals("resumed", first.how());
            try (SshCommunicator ssh = ssh(first, access)) {
                ssh.run("echo written-while-resumed > /root/kept && sync");
            }
            assertTrue(instances.stop("ram-again", Duration.ofSeconds(10)));
            // its disk has moved on from the RAM template: resuming that memory over it would corrupt it
            RunningClone second = instances.start("ram-again");
            assertEquals("booted", second.how());
            try (SshCommunicator ssh = ssh(second, access)) {
                assertEquals("written-while-resumed", ssh.run("cat /root/kept").strip());
                assertEquals("ram-again", ssh.run("hostname").strip());
            }
        } finally {
            instances.stop("ram-again", Duration.ofSeconds(10));
            store.clones().remove("ram-again");
        }
    }

    @Test
    void aStartWithAnotherRamSizeIsRefusedNamingTheDifference() throws Exception {
        TestImages.tinyLinux();
        ImageStore store = TestImages.store();
        var c = store.clones().clone("tiny-linux", "ram-bigger", CloneOptions.memoryClone(List.of()));
        try {
            VmConfig vm = c.vm();
            VmConfig.Machine m = vm.machine();
            VmConfig bigger = new VmConfig(vm.name(), vm.template(), vm.kind(), vm.storage(), vm.created(), vm.disk(), vm.seed(),
                    new VmConfig.Machine(m.type(), m.cpu(), m.cpus(), m.memoryMiB() * 2, m.devices()), vm.nics(),
                    vm.smbiosUuid(), vm.vmgenid(), vm.instanceId(), vm.ram());
            bigger.write(c.vmConfigFile());
            UserError e = assertThrows(UserError.class, () -> new CloneInstances(store).start("ram-bigger"));
            assertTrue(e.getMessage().contains("RAM size " + m.memoryMiB() + " MiB, asked " + (m.memoryMiB() * 2) + " MiB"),
                    e.getMessage());
            assertEquals(List.of(), TestImages.qemuProcessesMentioning("ingot-clone-ram-bigger"));
        } finally {
            store.clones().remove("ram-bigger");
        }
    }

    @Test
    void aCaptureUnderAnotherAcceleratorOrOnAnotherCpuIsRefusedNamingTheDifference() throws Exception {
        TestImages.tinyLinux();
        ImageStore store = TestImages.store();
        var c = store.clones().clone("tiny-linux", "ram-elsewhere", CloneOptions.memoryClone(List.of()));
        try {
            VmConfig vm = c.vm();
            io.ingot.template.RamCompatibility captured = vm.ram().compatibility();
            assertNotNull(captured.accelerator(), "the manifest records the accelerator");
            assertTrue(captured.cpuFlags().size() > 5, "and, for cpu max, the host's CPU flags");
            // as if captured under the other accelerator, on a host with one more CPU flag
            String other = captured.accelerator().equals("tcg") ? "kvm" : "tcg";
            List<String> flags = new java.util.ArrayList<>(captured.cpuFlags());
            flags.add("ingot_test_flag");
            io.ingot.template.RamCompatibility elsewhere = new io.ingot.template.RamCompatibility(captured.qemuVersion(),
                    captured.machineType(), captured.cpuModel(), captured.memoryMiB(), captured.devices(), other, flags);
            VmConfig.Ram ram = vm.ram();
            new VmConfig(vm.name(), vm.template(), vm.kind(), vm.storage(), vm.created(), vm.disk(), vm.seed(), vm.machine(),
                    vm.nics(), vm.smbiosUuid(), vm.vmgenid(), vm.instanceId(),
                    new VmConfig.Ram(ram.memoryFile(), ram.stateFile(), elsewhere, ram.nicModel(), ram.onRestore(),
                            ram.restoreScriptSize()))
                    .write(c.vmConfigFile());
            UserError e = assertThrows(UserError.class, () -> new CloneInstances(store).start("ram-elsewhere"));
            assertTrue(e.getMessage().contains("accelerator " + other + ", this start uses " + captured.accelerator()), e.getMessage());
            assertTrue(e.getMessage().contains("another host CPU (this host lacks ingot_test_flag)"), e.getMessage());
            assertEquals(List.of(), TestImages.qemuProcessesMentioning("ingot-clone-ram-elsewhere"));
        } finally {
            store.clones().remove("ram-elsewhere");
        }
    }

    private static String templatesListing() {
        return cli("templates");
    }

    private static String poolListing() {
        return cli("pool");
    }

    /** What {@code ingot ARGS} prints against the test images. */
    private static String cli(String... args) {
        String saved = System.getProperty("ingot.images");
        System.setProperty("ingot.images", TestImages.paths().images().toString());
        try {
            StringWriter out = new StringWriter();
            assertEquals(0, Main.run(args, new PrintWriter(out), new PrintWriter(new StringWriter())));
            return out.toString();
        } finally {
            if (saved == null) System.clearProperty("ingot.images"); else System.setProperty("ingot.images", saved);
        }
    }

    private static SshCommunicator ssh(RunningClone r, BuildKey key) {
        return SshCommunicator.connect("127.0.0.1", r.sshPort(), "root", key.keyPair(), Duration.ofMinutes(2));
    }
}
