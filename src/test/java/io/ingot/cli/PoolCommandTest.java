package io.ingot.cli;

import io.ingot.vm.WarmPool;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The STATE column of {@code ingot pool}: what a user needs to know of a waiting process before a claim. */
class PoolCommandTest {
    private static WarmPool.Slot slot(boolean orphaned, String disk) {
        return new WarmPool.Slot("a1b2c3", "debian-12-minimal:3", "/t/ram/memory.ram", "key", "tcg", 42, "0", "qemu",
                "/run/q.qmp", "vmgenid", Instant.EPOCH, orphaned, disk, disk == null ? null : "/t/ram/capture.qcow2",
                disk == null ? null : "0a:49:4e:00:00:01");
    }

    @Test
    void aProcessMadeReadyIsReadyOneWaitingForItsStateIsIncoming() {
        assertEquals("ready", PoolCommand.state(slot(false, "/p/disk.qcow2")));
        assertEquals("incoming", PoolCommand.state(slot(false, null)));
    }

    @Test
    void anOrphanedProcessSaysSoWhateverItWasMadeFor() {
        assertEquals("orphaned", PoolCommand.state(slot(true, null)));
        assertEquals("orphaned", PoolCommand.state(slot(true, "/p/disk.qcow2")));
    }
}
