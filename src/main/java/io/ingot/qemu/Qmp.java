package io.ingot.qemu;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The QMP commands ingot sends a VM; {@link QmpClient} speaks them over QEMU's socket, stage tests use a fake. */
public interface Qmp {
    JsonNode execute(String command);

    JsonNode execute(String command, Map<String, ?> arguments);

    JsonNode execute(String command, Map<String, ?> arguments, Duration timeout);

    /** The next event of that name (one already received counts); empty at the timeout. */
    Optional<JsonNode> awaitEvent(String name, Duration timeout);

    void stop();

    void cont();

    void systemPowerdown();

    void sendKey(List<String> qcodes, int holdMs);
}
