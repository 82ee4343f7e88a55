package io.ingot.cli;

import io.ingot.util.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The {@code ingot} command line. Read-only commands never start a Camel context. */
@Command(name = "ingot", mixinStandardHelpOptions = true, version = "ingot 0.1.0",
        description = "Golden-image template pipeline for QEMU: build, publish and clone templates.",
        subcommands = {
                BuildCommand.class, ValidateCommand.class, DoctorCommand.class,
                TemplatesCommand.class, VersionsCommand.class, PromoteCommand.class,
                CloneCommand.class, StartCommand.class, StopCommand.class, PoolCommand.class, ClonesCommand.class,
                RmCommand.class, CatalogCommand.class, BenchCommand.class, ServeCommand.class, S3Command.class,
                ScheduleCommand.class, PullCommand.class, SubmitCommand.class, WorkerCommand.class, RevokeCommand.class,
                CommandLine.HelpCommand.class })
public class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI and returns the exit code: 0 ok, 1 failure, 2 bad input or refused operation. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler((ex, a) -> {
            err.println("ingot: " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return 2;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof UserError) {
                err.println("ingot: " + ex.getMessage());
                return 2;
            }
            if (ex instanceof BuildFailed) {
                err.println("ingot: " + ex.getMessage());
                return 1;
            }
            err.println("ingot: internal error: " + ex);
            return 1;
        });
        return cli.execute(args);
    }
}
