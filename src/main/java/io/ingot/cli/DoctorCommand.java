package io.ingot.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "doctor", mixinStandardHelpOptions = true, description = "Report QEMU, its features, the accelerator that will be used and why, and the tools found or missing.")
public class DoctorCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return NotYet.fail("doctor");
    }
}
