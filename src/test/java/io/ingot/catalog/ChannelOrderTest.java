package io.ingot.catalog;

import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A channel moves only forward with the versions recorded for it (numbers are reserved in build order): a version
 * recorded late, after a newer one (a build whose retry succeeded after another build published), leaves the
 * channel where it is and says why; {@code promote} still points it anywhere.
 */
class ChannelOrderTest {
    @Test
    void aLateVersionLeavesTheChannelOnTheNewerOneAndPromoteStillMovesIt(@TempDir Path dir) {
        Catalog catalog = Catalog.open(dir.resolve("catalog.db"));
        try {
            assertEquals(1, catalog.reserveVersion("web"), "the build that will be late");
            assertEquals(2, catalog.reserveVersion("web"));

            ChannelMove second = catalog.addVersion(version("web", 2), "latest");
            assertTrue(second.moved());
            assertEquals(", channel latest", second.describe());
            assertEquals(2, catalog.channels("web").get("latest"));

            ChannelMove late = catalog.addVersion(version("web", 1), "latest");
            assertFalse(late.moved(), late.toString());
            assertEquals(2, late.pointsAt());
            assertEquals(2, catalog.channels("web").get("latest"), "latest does not move back");
            assertEquals(2, catalog.resolve(TemplateRef.parse("web")).version());
            assertEquals(" (channel latest stays at 2, which is newer)", late.describe());
            assertEquals("channel latest stays at web:2, which is newer than web:1 (a channel only moves forward; "
                    + "ingot promote web:1 latest points it back)", late.note());
            assertTrue(catalog.version("web", 1).isPresent(), "the late version is published all the same");

            // a channel of its own moves to it; a version without a channel says nothing
            assertTrue(catalog.addVersion(version("web", 3), "stable").moved());
            assertNull(catalog.addVersion(version("web", 4), null));
            assertEquals(2, catalog.channels("web").get("latest"));

            catalog.promote("web", 1, "latest");
            assertEquals(1, catalog.channels("web").get("latest"), "promote points a channel at an older version");
            assertTrue(catalog.addVersion(version("web", 5), "latest").moved(), "the next build moves it forward again");
            assertEquals(5, catalog.channels("web").get("latest"));
        } finally {
            catalog.close();
        }
    }

    private static TemplateVersion version(String name, int n) {
        return new TemplateVersion(name, n, "build-" + n, List.of("local"), Manifest.empty().withIdentity(name, n, Instant.now()),
                Instant.now(), false);
    }
}
