package io.ingot.recipe;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CronTest {

    @Test
    void macrosListsRangesStepsAndNamesBecomeQuartz() {
        assertEquals("0 0 0 * * ?", Cron.parse("@nightly").toQuartz());
        assertEquals("0 0 * * * ?", Cron.parse("@hourly").toQuartz());
        assertEquals("0 0 0 ? * SUN", Cron.parse("@weekly").toQuartz());
        assertEquals("0 0 0 1 * ?", Cron.parse("@monthly").toQuartz());
        assertEquals("0 0,30 2 ? 1,2,3 MON,TUE,WED,THU,FRI", Cron.parse("*/30 2 * jan-MAR mon-fri").toQuartz());
        assertEquals("0 5 1 1,15 * ?", Cron.parse("5 1 1,15 * *").toQuartz());
        assertEquals("0 10,25,40,55 * * * ?", Cron.parse("10/15 * * * *").toQuartz());
    }

    /** The docs, the parser and the hint for a wrong macro name the same macros. */
    @Test
    void theMacroHintListsEveryMacroTheDocsAccept() throws IOException {
        String doc = Files.readString(Path.of("docs/recipes.md"));
        String cronRow = doc.lines().filter(l -> l.startsWith("| `cron` |")).findFirst().orElseThrow();
        Set<String> documented = new TreeSet<>();
        Matcher m = Pattern.compile("`(@[a-z]+)`").matcher(cronRow);
        while (m.find()) documented.add(m.group(1));
        assertEquals(new TreeSet<>(Cron.MACROS.keySet()), documented, "docs/recipes.md and Cron.MACROS differ");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cron.parse("@sometimes"));
        for (String macro : documented) {
            Cron.parse(macro).toQuartz();
            assertTrue(e.getMessage().contains(macro), macro + " missing from: " + e.getMessage());
        }
        assertEquals("unknown cron macro '@dayly' (did you mean '@daily'?)",
                assertThrows(IllegalArgumentException.class, () -> Cron.parse("@dayly")).getMessage());
    }

    @Test
    void sundayIsZeroOrSeven() {
        assertEquals("0 0 0 ? * SUN,SAT", Cron.parse("0 0 * * 6-7").toQuartz());
        assertEquals(Cron.parse("0 0 * * 0").daysOfWeek(), Cron.parse("0 0 * * 7").daysOfWeek());
    }

    @Test
    void theWrongFieldIsNamed() {
        List.of(
                List.of("61 * * * *", "minute field '61': 61 is out of range 0-59"),
                List.of("0 25 * * *", "hour field '25': 25 is out of range 0-23"),
                List.of("0 0 0 * *", "day-of-month field '0': 0 is out of range 1-31"),
                List.of("0 0 * foo *", "month field 'foo': 'foo' is not a number or a name"),
                List.of("0 0 * * mon-sun", "day-of-week field 'mon-sun': range mon-sun goes backwards"),
                List.of("*/0 * * * *", "minute field '*/0': step must be at least 1"),
                List.of("0 0 * *", "cron needs 5 fields (minute hour day-of-month month day-of-week), got 4 in '0 0 * *'"),
                List.of("@nighty", "unknown cron macro '@nighty' (did you mean '@nightly'?)"),
                List.of("1,,2 * * * *", "minute field '1,,2': empty list item")
        ).forEach(c -> assertEquals(c.get(1),
                assertThrows(IllegalArgumentException.class, () -> Cron.parse(c.get(0)), c.get(0)).getMessage()));
    }

    @Test
    void bothDayFieldsAtOnceCannotRunOnQuartz() {
        Cron both = Cron.parse("0 0 1 * mon");
        assertThrows(IllegalArgumentException.class, both::toQuartz);
    }
}
