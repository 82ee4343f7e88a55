package io.ingot.cli;

import io.ingot.guest.GuestException;
import io.ingot.util.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The {@code ingot} command line. Read-only commands never start a Camel context. */
@Command(name = "ingot", mixinStandardHelpOptions = true, version = "ingot 0.1.0",
        description = "Golden-image template pipeline for QEMU: build, publish and clone templates.",
        subcommands = {
                BuildCommand.class, ValidateCommand.class, DoctorCommand.class,
                TemplatesCommand.class, VersionsCommand.class, PromoteCommand.class,
                CloneCommand.class, StartCommand.class, StopCommand.class, SshCommand.class, ConsoleCommand.class, PoolCommand.class, ClonesCommand.class,
                RmCommand.class, CatalogCommand.class, BenchCommand.class, ServeCommand.class, S3Command.class,
                ScheduleCommand.class, PullCommand.class, SubmitCommand.class, WorkerCommand.class, RevokeCommand.class, PushCommand.class, DiffCommand.class, ScanCommand.class,
                KeyCommand.class, VerifyCommand.class,
                CommandLine.HelpCommand.class })
public class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * The listings in their plain forms ({@code templates}, {@code clones}, {@code versions NAME}, each with or
     * without {@code --json}; {@code pool}; {@code doctor [--json]}), run without picocli: loading it costs
     * more than such a command's own work. Null for anything else (help, other options, mistakes): picocli's job.
     */
    static Integer plain(String[] args, PrintWriter out) throws Exception {
        List<String> words = Arrays.stream(args).filter(a -> !a.equals("--json")).toList();
        int jsonFlags = args.length - words.size();
        if (words.isEmpty() || jsonFlags > 1 || words.stream().skip(1).anyMatch(w -> w.startsWith("-"))) return null;
        boolean json = jsonFlags == 1;
        switch (words.get(0)) {
            case "templates":
                if (words.size() != 1) return null;
                TemplatesCommand templates = new TemplatesCommand();
                templates.json = json;
                return templates.run(out);
            case "clones":
                if (words.size() != 1) return null;
                ClonesCommand clones = new ClonesCommand();
                clones.json = json;
                return clones.run(out);
            case "versions":
                if (words.size() != 2) return null;
                VersionsCommand versions = new VersionsCommand();
                versions.name = words.get(1);
                versions.json = json;
                return versions.run(out);
            case "pool":
                return words.size() == 1 && !json ? new PoolCommand().run(out) : null;
            case "doctor":
                if (words.size() != 1) return null;
                DoctorCommand doctor = new DoctorCommand();
                doctor.json = json;
                return doctor.run(out);
            default:
                return null;
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * The read commands people run in loops, and the transfers whose start is part of their speed, keyed by name:
     * built alone, because picocli's model of every command and option costs more than such a command's own work
     * (a few tenths of a second). Named "ingot NAME" as under {@link Main}.
     */
    private static final Map<String, Supplier<Object>> READ_COMMANDS = Map.of(
            "templates", TemplatesCommand::new, "versions", VersionsCommand::new, "clones", ClonesCommand::new,
            "pool", PoolCommand::new, "doctor", DoctorCommand::new, "pull", PullCommand::new, "s3", S3Command::new);

    /** Runs the CLI and returns the exit code: 0 ok, 1 failure, 2 bad input or refused operation. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        try {
            Integer plain = plain(args, out);
            if (plain != null) return plain;
        } catch (Exception e) {
            return failed(e, err);
        }
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
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> failed(ex, err));
        return cli.execute(args);
    }

    /**
     * Says why a command failed, in one line, and returns its exit code: 2 for bad input or a refused operation, 1 for
     * a failure whose message says what and where (a build, a guest that did not answer), else 1 as an internal error,
     * named by its class.
     */
    static int failed(Exception e, PrintWriter err) {
        if (e instanceof UserError) {
            err.println("ingot: " + e.getMessage());
            return 2;
        }
        if (e instanceof BuildFailed || e instanceof GuestException) {
            err.println("ingot: " + e.getMessage());
            return 1;
        }
        err.println("ingot: internal error: " + e);
        return 1;
    }
}
