package io.ingot.cli;

import io.ingot.images.CloneInstances;
import io.ingot.images.ImageStore;
import io.ingot.util.IngotPaths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "ssh", mixinStandardHelpOptions = true,
        description = {"Log in to a running clone, or run a command in it, checking its host key.",
                "Runs OpenSSH's ssh with ingot's access key and trusts only the host keys ingot made for the clone.",
                "The exit code is ssh's."})
public class SshCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "The clone.")
    String name;

    @Parameters(index = "1..*", paramLabel = "COMMAND", description = "A command to run instead of a login shell (after --).")
    List<String> command = new ArrayList<>();

    @Option(names = {"-l", "--user"}, paramLabel = "USER", defaultValue = "root", description = "The user to log in as (default: root).")
    String user;

    @Override
    public Integer call() throws Exception {
        CloneInstances.Login login = new CloneInstances(ImageStore.open(IngotPaths.fromEnvironment())).login(name);
        List<String> argv = new ArrayList<>(List.of("ssh", "-i", login.accessKey().toString(), "-p", String.valueOf(login.port()),
                "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=yes",
                "-o", "UserKnownHostsFile=" + login.knownHosts(), "-o", "GlobalKnownHostsFile=/dev/null",
                user + "@" + login.host()));
        if (!command.isEmpty()) {
            argv.add("--");
            argv.addAll(command);
        }
        return new ProcessBuilder(argv).inheritIO().start().waitFor();
    }
}
