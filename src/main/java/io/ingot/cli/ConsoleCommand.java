package io.ingot.cli;

import io.ingot.images.CloneInstances;
import io.ingot.images.ImageStore;
import io.ingot.qemu.SerialConsole;
import io.ingot.util.IngotPaths;
import io.ingot.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "console", mixinStandardHelpOptions = true,
        description = {"Attach the terminal to a running clone's serial console, like virsh console.",
                "Ctrl-] detaches. On a terminal every key goes to the guest, Ctrl-C too.",
                "From a pipe it ends with its input, once the guest has been quiet for 2 s.",
                "The clone's serial log records everything the guest prints, attached or not."})
public class ConsoleCommand implements Callable<Integer> {
    @Parameters(paramLabel = "NAME", description = "The clone.")
    String name;

    @Override
    public Integer call() throws Exception {
        CloneInstances.Console console = new CloneInstances(ImageStore.open(IngotPaths.fromEnvironment())).console(name);
        try (SerialConsole session = attach(console)) {
            System.err.println("Connected to " + name + "'s serial console; Ctrl-] detaches");
            SerialConsole.End end;
            Optional<RawTerminal> raw = RawTerminal.enterIfInteractive();
            try {
                // the file descriptors themselves: no buffering or charset between the guest and the terminal
                end = session.copy(new FileInputStream(FileDescriptor.in), new FileOutputStream(FileDescriptor.out));
            } finally {
                raw.ifPresent(RawTerminal::close);
            }
            System.err.println();
            System.err.println(switch (end) {
                case DETACHED -> "Detached from " + name + "'s serial console";
                case INPUT_ENDED -> "Input ended; detached from " + name + "'s serial console";
                case CLOSED -> name + "'s serial console closed: its QEMU stopped";
            });
        }
        return 0;
    }

    private SerialConsole attach(CloneInstances.Console console) {
        try {
            return SerialConsole.attach(console.socket(), console.lock());
        } catch (SerialConsole.Busy e) {
            throw new UserError(name + "'s serial console is attached in another 'ingot console'; detach there with Ctrl-]");
        } catch (IOException e) {
            throw new UserError("cannot attach to " + name + "'s serial console at " + console.socket() + ": " + e.getMessage());
        }
    }
}
