package io.ingot.cli;

import io.ingot.util.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Supplier;

/** The {@code ingot} command line. Read-only commands never start a Camel context. */
@Command(name = "ingot", mixinStandardHelpOptions = true, version = "ingot 0.1.0",
        description = "Golden-image template pipeline for QEMU: build, publish and clone templates.",
        subcommands = {
                BuildCommand.class, ValidateCommand.class, DoctorCommand.class,
                TemplatesCommand.class, VersionsCommand.class, PromoteCommand.class,
                CloneCommand.class, StartCommand.class, StopCommand.class, PoolCommand.class, ClonesCommand.class,
                RmCommand.class, CatalogCommand.class, BenchCommand.class, ServeCommand.class, S3Command.class,
                ScheduleCommand.class, PullCommand.class, SubmitCommand.class,
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

    /**
     * The read commands people run in loops, keyed by name: built alone, because picocli's model of every
     * command and option costs more than such a command's own work. Named "ingot NAME" as under {@link Main}.
     */
    private static final Map<String, Supplier<Object>> READ_COMMANDS = Map.of(
            "templates", TemplatesCommand::new, "versions", VersionsCommand::new, "clones", ClonesCommand::new,
            "pool", PoolCommand::new, "doctor", DoctorCommand::new);

    /** Runs the CLI and returns the exit code: 0 ok, 1 failure, 2 bad input or refused operation. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        Supplier<Object> read = args.length > 0 ? READ_COMMANDS.get(args[0]) : null;
        CommandLine cli = read == null ? new CommandLine(new Main()) : new CommandLine(read.get()).setCommandName("ingot " + args[0]);
        if (read != null) args = Arrays.copyOfRange(args, 1, args.length);
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
