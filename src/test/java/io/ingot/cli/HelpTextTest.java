package io.ingot.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What {@code ingot --help} and each command's help show: a summary line that ends (picocli shows a command's
 * first description line in the list, so one cut mid-sentence reads "marked 'parent moved' when"), and option texts
 * given as one paragraph (each element of a description array is printed as a line of its own).
 */
class HelpTextTest {
    @Test
    void everyCommandSummaryIsASentenceAndEveryOptionOneParagraph() {
        List<String> problems = new ArrayList<>();
        walk(new CommandLine(new Main()), problems);
        assertEquals(List.of(), problems);
    }

    private static void walk(CommandLine cli, List<String> problems) {
        CommandSpec spec = cli.getCommandSpec();
        String[] description = spec.usageMessage().description();
        if (description.length > 0 && !description[0].strip().matches("(?s).*[.:)]$")) {
            problems.add(spec.qualifiedName() + ": summary does not end: " + description[0]);
        }
        for (OptionSpec o : spec.options()) {
            if (o.description().length > 1) problems.add(spec.qualifiedName() + " " + o.longestName() + ": description split over lines");
        }
        for (CommandLine sub : cli.getSubcommands().values()) {
            if (sub != cli && !sub.getCommandName().equals("help")) walk(sub, problems);
        }
    }
}
