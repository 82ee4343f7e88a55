package io.ingot.pipeline.stage;

import io.ingot.qemu.Keyboard;
import io.ingot.qemu.QemuException;
import io.ingot.recipe.BootCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A parsed boot command typed through the keyboard, against a fake VM's QMP and a serial log file. */
class BootCommandStageTest {
    @Test
    void actionsAreTypedInOrder(@TempDir Path dir) throws Exception {
        Path console = dir.resolve("serial.log");
        Files.writeString(console, "boot: \n");
        FakeVm vm = new FakeVm(Duration.ZERO);
        List<String> log = new ArrayList<>();
        Keyboard keyboard = new Keyboard(vm, Duration.ZERO, console, Duration.ofMillis(300), log::add);
        BootCommandStage.type(keyboard, BootCommand.parse("<waitFor 'boot:'>aB<enter><wait10ms>"));
        assertEquals(List.of("waitFor 'boot:'", "type: aB", "key: <enter>", "wait 0.0s"), log);
        assertEquals(List.of("send-key [a]", "send-key [shift, b]", "send-key [ret]"), vm.calls);
    }

    @Test
    void eachWaitForSearchesAfterThePreviousMatch(@TempDir Path dir) throws Exception {
        Path console = dir.resolve("serial.log");
        Files.writeString(console, "boot: \nlogin: \n");
        Keyboard keyboard = new Keyboard(new FakeVm(Duration.ZERO), Duration.ZERO, console, Duration.ofMillis(300), line -> { });
        BootCommandStage.type(keyboard, BootCommand.parse("<waitFor 'boot:'><waitFor 'login:'>"));
        QemuException e = assertThrows(QemuException.class,
                () -> BootCommandStage.type(keyboard, BootCommand.parse("<waitFor 'login:'><waitFor 'boot:'>")));
        assertTrue(e.getMessage().contains("<waitFor 'boot:'> did not match"), e.getMessage());
    }
}
