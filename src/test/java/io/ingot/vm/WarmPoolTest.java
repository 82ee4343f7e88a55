package io.ingot.vm;

import io.ingot.template.RamCompatibility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pool's bookkeeping, with ordinary processes standing in for waiting QEMUs (no QEMU is resumed here). */
class WarmPoolTest {
    @TempDir Path tmp;
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopStandIns() {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void aWaitingProcessIsClaimedOnlyOnce() throws Exception {
        WarmPool pool = pool();
        Process p = standIn();
        slot("a1", p.toHandle(), "/t/1/ram/memory", "tcg");
        VmConfig vm = memoryClone("/t/1/ram/memory");

        assertEquals(1, pool.waiting(vm, "tcg").size());
        Optional<WarmPool.Claimed> first = pool.claim(vm, "tcg");
        assertTrue(first.isPresent());
        assertEquals(p.pid(), first.get().slot().pid());
        assertTrue(pool.claim(vm, "tcg").isEmpty(), "a claimed process is not handed out twice");
        assertEquals(List.of(), pool.list());
        assertTrue(p.isAlive(), "claiming does not stop the process");
    }

    @Test
    void onlyProcessesForTheSameRamTemplateAndAcceleratorFit() throws Exception {
        WarmPool pool = pool();
        slot("b1", standIn().toHandle(), "/t/1/ram/memory", "tcg");
        assertEquals(List.of(), pool.waiting(memoryClone("/t/2/ram/memory"), "tcg"), "another template version's memory file");
        assertEquals(List.of(), pool.waiting(memoryClone("/t/1/ram/memory"), "kvm"), "another accelerator");
        assertEquals(1, pool.list().size());
    }

    @Test
    void slotsWhoseProcessIsGoneAreCleared() throws Exception {
        WarmPool pool = pool();
        Process dead = standIn();
        ProcessHandle handle = dead.toHandle();
        slot("c1", handle, "/t/1/ram/memory", "tcg");
        dead.destroyForcibly().waitFor();
        assertEquals(List.of(), pool.list());
        assertFalse(Files.exists(tmp.resolve("pool/c1")));
        assertTrue(pool.claim(memoryClone("/t/1/ram/memory"), "tcg").isEmpty());
    }

    @Test
    void aClaimedProcessThatCannotServeIsStoppedNotLeft() throws Exception {
        WarmPool pool = pool();
        Process p = standIn();
        slot("e1", p.toHandle(), "/t/1/ram/memory", "tcg");
        WarmPool.Claimed claimed = pool.claim(memoryClone("/t/1/ram/memory"), "tcg").orElseThrow();
        claimed.discard();
        assertTrue(p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS), "the claimed process ended");
        try (var left = Files.list(tmp.resolve("pool"))) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void drainStopsTheWaitingProcessesItSelects() throws Exception {
        WarmPool pool = pool();
        Process keep = standIn(), stop = standIn();
        slot("d1", keep.toHandle(), "/t/1/ram/memory", "tcg");
        slot("d2", stop.toHandle(), "/t/2/ram/memory", "tcg");
        assertEquals(1, pool.drain(s -> s.template().equals("t:2")));
        assertTrue(stop.waitFor(5, java.util.concurrent.TimeUnit.SECONDS), "the drained process ended");
        assertTrue(keep.isAlive());
        assertEquals(List.of("d1"), pool.list().stream().map(WarmPool.Slot::id).toList());
    }

    @Test
    void aProcessWhoseFillerDiedBeforeItsSlotIsListedAndDrainedButNeverClaimed() throws Exception {
        WarmPool pool = pool();
        Process orphan = standIn();
        Files.createDirectories(tmp.resolve("pool/o1"));
        record("ingot-pool-o1", orphan.toHandle(), deadProcess());
        // another one whose filler still runs: it is being filled, not orphaned
        Process filling = standIn();
        Files.createDirectories(tmp.resolve("pool/f1"));
        record("ingot-pool-f1", filling.toHandle(), ProcessHandle.current());

        List<WarmPool.Slot> listed = pool.list();
        assertEquals(List.of("o1"), listed.stream().map(WarmPool.Slot::id).toList());
        WarmPool.Slot o = listed.get(0);
        assertTrue(o.orphaned());
        assertEquals("t:3", o.template(), "read back from its memory file path");
        assertEquals("tcg", o.accelerator());
        assertTrue(pool.claim(memoryClone("/t/3/ram/memory"), "tcg").isEmpty(), "an orphan is never handed to a clone");

        assertEquals(1, pool.drain(s -> s.template().equals("t:3")));
        assertTrue(orphan.waitFor(5, java.util.concurrent.TimeUnit.SECONDS), "drain stopped the orphaned process");
        assertFalse(Files.exists(tmp.resolve("run/ingot-pool-o1.json")), "its run record is gone");
        assertFalse(Files.exists(tmp.resolve("pool/o1")));
        assertTrue(filling.isAlive() && Files.isDirectory(tmp.resolve("pool/f1")), "a slot being filled is left alone");
    }

    /** A run record as QemuProcess writes it before the slot exists; the stand-in's own binary as QEMU's. */
    private void record(String name, ProcessHandle qemu, ProcessHandle owner) throws Exception {
        Files.createDirectories(tmp.resolve("run"));
        io.ingot.qemu.RunRecord r = new io.ingot.qemu.RunRecord(name, qemu.pid(), qemu.info().startInstant().orElseThrow().toString(),
                qemu.info().command().orElseThrow(), owner.pid(), owner.info().startInstant().map(Object::toString).orElse(null),
                List.of("qemu-system-x86_64", "-machine", "pc,accel=tcg,memory-backend=pc.ram",
                        "-object", "memory-backend-file,id=pc.ram,mem-path=/t/3/ram/memory,size=256M,share=off"),
                false, tmp.resolve("qmp/" + name + ".qmp").toString());
        io.ingot.util.Json.MAPPER.writeValue(tmp.resolve("run/" + name + ".json").toFile(), r);
    }

    private static ProcessHandle deadProcess() throws Exception {
        Process p = new ProcessBuilder("true").start();
        ProcessHandle h = p.toHandle();
        h.info(); // its start time is read while it lives
        p.waitFor();
        return h;
    }

    private WarmPool pool() {
        return new WarmPool(tmp.resolve("pool"), tmp.resolve("qmp"), tmp.resolve("run"));
    }

    private Process standIn() throws Exception {
        Process p = new ProcessBuilder("sleep", "300").start();
        started.add(p);
        return p;
    }

    /** A slot as {@link WarmPool#fill} writes it; template "t:N" for memory file /t/N/ram/memory. */
    private void slot(String id, ProcessHandle h, String memoryFile, String accel) throws Exception {
        Path d = tmp.resolve("pool").resolve(id);
        Files.createDirectories(d);
        String template = "t:" + Path.of(memoryFile).getParent().getParent().getFileName();
        String start = h.info().startInstant().orElseThrow().toString();
        Files.writeString(d.resolve("slot.json"), """
                {"id":"%s","template":"%s","memoryFile":"%s","compatibility":"%s","accelerator":"%s","pid":%d,
                 "start":"%s","qemu":"/usr/bin/qemu-system-x86_64","qmpSocket":"%s","vmgenid":"%s","created":"%s"}
                """.formatted(id, template, memoryFile, compatibility().key(), accel, h.pid(), start,
                tmp.resolve("qmp/pool-" + id + ".qmp"), java.util.UUID.randomUUID(), Instant.now().minus(Duration.ofSeconds(1))));
    }

    private static RamCompatibility compatibility() {
        return new RamCompatibility("7.2.0", "pc", "max", 256, List.of("disk:virtio", "seed:virtio", "vmgenid"));
    }

    private static VmConfig memoryClone(String memoryFile) {
        return new VmConfig("c", "t:1", "memory", "local", Instant.now(),
                new VmConfig.DiskRef("/c/disk.qcow2", "qcow2", "/t/1/ram/overlay.qcow2"), "/c/seed.iso",
                new VmConfig.Machine("pc", "max", 1, 256, List.of("disk:virtio", "nic:virtio-net-pci")),
                List.of(new VmConfig.NicConfig("virtio-net-pci", "0a:49:4e:00:00:01")),
                "u", "g", "i", new VmConfig.Ram(memoryFile, "/t/1/ram/state", compatibility(), "virtio-net-pci", List.of(), null));
    }
}
