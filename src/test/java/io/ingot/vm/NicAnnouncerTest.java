package io.ingot.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingot.qemu.Qmp;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NicAnnouncerTest {
    /** QMP as the announcer sees it: the events QEMU would send, and the commands it was sent. */
    private static final class Events implements Qmp {
        final Deque<JsonNode> events = new ArrayDeque<>();
        final List<String> sent = new ArrayList<>();
        final List<Map<String, ?>> arguments = new ArrayList<>();

        Events link(String nic) throws Exception {
            events.add(new ObjectMapper().readTree("{\"event\":\"NIC_RX_FILTER_CHANGED\",\"data\":{\"name\":\"" + nic
                    + "\",\"path\":\"/machine/peripheral/" + nic + "/virtio-backend\"}}"));
            return this;
        }

        @Override public JsonNode execute(String command) { return execute(command, Map.of()); }
        @Override public JsonNode execute(String command, Map<String, ?> arguments, Duration timeout) { return execute(command, arguments); }
        @Override public JsonNode execute(String command, Map<String, ?> args) {
            sent.add(command);
            arguments.add(args);
            return new ObjectMapper().createObjectNode();
        }
        @Override public Optional<JsonNode> awaitEvent(String name, Duration timeout) {
            return name.equals(NicAnnouncer.LINK_EVENT) ? Optional.ofNullable(events.poll()) : Optional.empty();
        }
        @Override public void stop() { }
        @Override public void cont() { }
        @Override public void systemPowerdown() { }
        @Override public void sendKey(List<String> qcodes, int holdMs) { }
    }

    @Test
    void itAnnouncesTheClonesNicOnceItsLinkComesUpAndNoOtherNic() throws Exception {
        Events qmp = new Events().link("net9").link("nic0");
        assertTrue(NicAnnouncer.announceWhenUp(qmp, "nic0", Duration.ofSeconds(1)));
        assertEquals(List.of("announce-self"), qmp.sent, "another NIC's link does not count; one announcement");
        assertEquals(List.of("nic0"), qmp.arguments.get(0).get("interfaces"));
        assertEquals(1, qmp.arguments.get(0).get("rounds"));
    }

    @Test
    void withoutTheLinkNothingIsAnnounced() throws Exception {
        Events qmp = new Events().link("net9");
        assertFalse(NicAnnouncer.announceWhenUp(qmp, "nic0", Duration.ofMillis(50)));
        assertEquals(List.of(), qmp.sent);
    }
}
