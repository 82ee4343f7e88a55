package io.ingot.target;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** README's table of push targets says what the registered targets' feature rows say. */
class TargetTableDocTest {
    private static final List<TargetFeature> COLUMNS = List.of(TargetFeature.LINKED, TargetFeature.FULL, TargetFeature.RAM, TargetFeature.UEFI);

    @Test
    void everyTargetHasItsRowAndTheRowIsItsFeatures() throws Exception {
        List<String[]> rows = Files.readAllLines(Path.of("README.md")).stream()
                .dropWhile(l -> !l.startsWith("| target | TARGET | linked | full | RAM template | UEFI | status |")).skip(2)
                .takeWhile(l -> l.startsWith("|"))
                .map(l -> Arrays.stream(l.split("\\|", -1)).map(String::strip).toArray(String[]::new)).toList();
        List<TargetType> types = Targets.registered().types();
        assertTrue(!types.isEmpty(), "targets are registered (META-INF/services)");
        for (TargetType t : types) {
            String[] row = rows.stream().filter(r -> r[1].equalsIgnoreCase(t.name())).findFirst()
                    .orElseThrow(() -> new AssertionError("README's table of targets has no row for " + t.name()));
            for (int i = 0; i < COLUMNS.size(); i++) {
                assertEquals(t.features().has(COLUMNS.get(i)) ? "yes" : "no", row[3 + i], t.name() + " " + COLUMNS.get(i).column());
            }
            assertEquals("here", row[7], t.name());
        }
        long here = rows.stream().filter(r -> r[7].equals("here")).count();
        assertEquals(types.size(), here, "a row marked 'here' is a registered target");
    }
}
