package io.ingot.vm;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.qemu.Qmp;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Has QEMU announce a memory clone's new NIC as soon as the guest brings its link up. QEMU's user network
 * holds the first packets for the clone (the SYN of the first login) until it learns the clone's MAC; with
 * virtio-net's guest announce the guest kernel itself sends the gratuitous ARP that teaches it, right after
 * the link is up (it waits for the link's set-up to finish, addresses and routes included), so no program has
 * to be started in the guest for it, which costs tens of milliseconds under emulation.
 */
final class NicAnnouncer {
    /** QEMU sends it once the guest first sets the NIC's receive filter: while it brings the link up. */
    static final String LINK_EVENT = "NIC_RX_FILTER_CHANGED";

    private NicAnnouncer() {
    }

    /** Waits (on a daemon thread, up to {@code within}) for the link of NIC {@code nicId}, then announces it. */
    static Thread start(Qmp qmp, String nicId, Duration within, StartPhases phases) {
        Thread t = new Thread(() -> {
            if (announceWhenUp(qmp, nicId, within)) phases.mark(nicId + " link up, announced");
        }, "ingot-announce-" + nicId);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Whether it announced: false when no such event came in time (or QEMU went away: no event comes then). */
    static boolean announceWhenUp(Qmp qmp, String nicId, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Optional<JsonNode> event = left > 0 ? qmp.awaitEvent(LINK_EVENT, Duration.ofNanos(left)) : Optional.empty();
            if (event.isEmpty()) return false;
            if (nicId.equals(event.get().path("data").path("name").asText())) break;
        }
        try {
            qmp.execute("announce-self", arguments(nicId));
            return true;
        } catch (RuntimeException e) {
            return false; // QEMU went away meanwhile: nothing to announce to
        }
    }

    /**
     * One round, for that NIC only: QEMU sends its own RARP and asks the guest to announce; the guest's kernel
     * does so once the link's set-up is done (it waits for the same lock), so a second round would only cost the
     * guest time while it answers the first login.
     */
    static Map<String, Object> arguments(String nicId) {
        return Map.of("initial", 100, "max", 100, "rounds", 1, "step", 100, "interfaces", List.of(nicId));
    }
}
