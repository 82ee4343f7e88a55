package io.ingot.pipeline.stage;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.qemu.QemuCommand;
import io.ingot.qemu.Qmp;
import io.ingot.qemu.Vm;
import io.ingot.util.Json;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A VM for stage tests: it records what a stage asks of it (QMP commands, waits, stop) in order, exits when
 * its script of waitForExit answers says so, and answers QMP from a function of the command.
 */
final class FakeVm implements Vm, Qmp {
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    private final Deque<Boolean> exits = new ArrayDeque<>();
    private final Duration waitCost;
    private Function<String, JsonNode> answers = c -> Json.MAPPER.createObjectNode();
    private volatile boolean alive = true;
    private Runnable onWait = () -> { };
    private final List<JsonNode> events = new ArrayList<>();
    private int exitCode;

    /** {@code exits}: what each waitForExit answers, in turn (false once they are used up); each costs {@code waitCost}. */
    FakeVm(Duration waitCost, Boolean... exits) {
        this.waitCost = waitCost;
        this.exits.addAll(List.of(exits));
    }

    FakeVm answering(Function<String, JsonNode> answers) {
        this.answers = answers;
        return this;
    }

    /** The exit code once it exited (0 unless set: QEMU's after a guest power-off). */
    FakeVm exitingWith(int code) {
        this.exitCode = code;
        return this;
    }

    /** An event QEMU sent (SHUTDOWN, say), taken by the next awaitEvent of its name. */
    FakeVm sending(JsonNode event) {
        events.add(event);
        return this;
    }

    /** Something the guest does while the stage waits (writes to its disk, say). */
    FakeVm onWait(Runnable action) {
        this.onWait = action;
        return this;
    }

    @Override public long pid() { return 4242; }
    @Override public Qmp qmp() { return this; }
    @Override public QemuCommand command() { return null; }
    @Override public boolean isAlive() { return alive; }
    @Override public Optional<Integer> exitCode() { return alive ? Optional.empty() : Optional.of(exitCode); }

    @Override
    public synchronized boolean waitForExit(Duration timeout) {
        calls.add("wait");
        onWait.run();
        try {
            Thread.sleep(waitCost.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        boolean exited = !exits.isEmpty() && exits.poll();
        if (exited) alive = false;
        return exited;
    }

    @Override
    public void stop(Duration grace) {
        calls.add("stop");
        alive = false;
    }

    @Override
    public boolean leaveRunning() {
        calls.add("leave-running");
        return true;
    }

    @Override public JsonNode execute(String command) { return execute(command, Map.of()); }
    @Override public JsonNode execute(String command, Map<String, ?> arguments) { return execute(command, arguments, Duration.ZERO); }

    @Override
    public JsonNode execute(String command, Map<String, ?> arguments, Duration timeout) {
        calls.add(command);
        return answers.apply(command);
    }

    @Override
    public synchronized Optional<JsonNode> awaitEvent(String name, Duration timeout) {
        calls.add("await " + name);
        Optional<JsonNode> e = events.stream().filter(x -> name.equals(x.path("event").asText())).findFirst();
        e.ifPresent(events::remove);
        return e;
    }
    @Override public void stop() { calls.add("stop-cpus"); }
    @Override public void cont() { calls.add("cont"); }
    @Override public void systemPowerdown() { calls.add("system_powerdown"); }
    @Override public void sendKey(List<String> qcodes, int holdMs) { calls.add("send-key " + qcodes); }
}
