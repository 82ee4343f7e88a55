package io.ingot.storage;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/storage.md's feature table says what the backends' tables say, row for row. */
class FeatureTableDocTest {
    private static final Map<String, Feature> FEATURES = Map.of("template", Feature.TEMPLATE, "linked clone", Feature.LINKED_CLONE,
            "full clone", Feature.FULL_CLONE, "copy", Feature.COPY, "reflink", Feature.REFLINK, "resize", Feature.RESIZE);

    @Test
    void theDocumentedTableIsTheBackends() throws Exception {
        List<String> rows = Files.readAllLines(Path.of("docs/storage.md")).stream()
                .dropWhile(l -> !l.startsWith("| feature | from | `dir` | `rbd` |")).skip(2)
                .takeWhile(l -> l.startsWith("|")).toList();
        assertTrue(rows.size() >= 7, "docs/storage.md has the feature table: " + rows);
        int checked = 0;
        for (String row : rows) {
            String[] c = Arrays.stream(row.split("\\|", -1)).map(String::strip).toArray(String[]::new);
            if (c[1].equals("formats kept")) {
                assertEquals(DirStorage.FEATURES.formats(), List.of(c[3].split(", ")), row);
                assertEquals(RbdStorage.FEATURES.formats(), List.of(c[4].split(", ")), row);
            } else {
                Feature f = FEATURES.get(c[1]);
                FeatureTable.State state = FeatureTable.State.valueOf(c[2].toUpperCase());
                assertEquals(DirStorage.FEATURES.formats(f, state), formats(c[3]), row);
                assertEquals(RbdStorage.FEATURES.formats(f, state), formats(c[4]), row);
            }
            checked++;
        }
        int entries = 1;
        for (Feature f : Feature.values()) {
            for (FeatureTable.State s : FeatureTable.State.values()) {
                if (!DirStorage.FEATURES.formats(f, s).isEmpty() || !RbdStorage.FEATURES.formats(f, s).isEmpty()) entries++;
            }
        }
        assertEquals(entries, checked, "every (feature, state) either backend has is a row");
    }

    private static Set<String> formats(String cell) {
        return cell.isEmpty() ? Set.of() : new LinkedHashSet<>(List.of(cell.split(", ")));
    }
}
