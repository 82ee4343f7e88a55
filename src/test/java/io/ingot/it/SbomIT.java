package io.ingot.it;

import io.ingot.catalog.TemplateVersion;
import io.ingot.images.ImageStore;
import io.ingot.images.VersionSboms;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.OnError;
import io.ingot.sbom.Component;
import io.ingot.sbom.Sbom;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.util.Sha256;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The run's tiny-linux has an SBOM (its kernel and busybox: it has no package manager) named in its manifest; a feed
 * the test writes marks its kernel critical: {@code ingot scan} says so, and a build of tiny-linux with a
 * {@code publish.gate} fails before publish, naming the finding, with the template's versions and channel as they were.
 */
class SbomIT {
    @Test
    void aGatedBuildStopsOnACriticalFindingAndTheChannelStays() throws Exception {
        TestImages.tinyLinux();
        ImageStore store = TestImages.store();
        TemplateVersion v = store.catalog().resolve(TemplateRef.parse("tiny-linux@latest"));
        Manifest.SbomFile named = v.manifest().sbom();
        assertNotNull(named, "the manifest names the SBOM");
        VersionSboms sboms = new VersionSboms(store.catalog(), store.storages());
        Path file = sboms.file(v).orElseThrow();
        assertEquals(named.sha256(), Sha256.of(file), "the SBOM is the file the manifest names");
        Sbom sbom = sboms.require(v);
        assertEquals(v.ref(), sbom.subject(), "the SBOM names the version it describes");
        Component kernel = sbom.kernel().orElseThrow(() -> new AssertionError("no kernel in " + sbom));
        assertTrue(kernel.version().matches("\\d+\\.\\d+.*"), kernel.version());
        assertTrue(sbom.find("busybox").isPresent(), "busybox is listed: " + sbom.components());

        Path recipe = TestImages.variant("tiny-linux-gated", text -> text.replace("\npublish:\n",
                "\npublish:\n  gate:\n    maxSeverity: high\n    feed: feed.json\n"));
        assertTrue(Files.readString(recipe).contains("feed: feed.json"), "the variant has the gate");
        Path feed = recipe.resolveSibling("feed.json");
        Files.writeString(feed, "[" + osv("INGOT-TEST-1", kernel.version(), "CRITICAL") + ","
                + osv("INGOT-TEST-2", kernel.version(), "HIGH") + "]");

        IngotChild.Result scan = new IngotChild(TestImages.home(), TestImages.paths().images(), TestImages.paths().cache())
                .run(Duration.ofMinutes(2), "scan", v.ref(), "--feed", feed.toString(), "--max-severity", "high");
        assertEquals(1, scan.exitCode(), scan.toString());
        assertTrue(scan.output().contains("FAIL linux " + kernel.version() + " INGOT-TEST-1 critical"), scan.toString());
        assertTrue(scan.output().contains("2 finding(s)"), scan.toString());

        List<Integer> before = store.catalog().versions("tiny-linux").stream().map(TemplateVersion::version).toList();
        BuildContext b = TestImages.build(recipe, OnError.CLEANUP);
        assertNotNull(b.failure(), "the gated build must fail");
        String message = b.failure().getMessage();
        assertTrue(message.contains("linux " + kernel.version() + " INGOT-TEST-1 critical"), message);
        assertFalse(message.contains("INGOT-TEST-2"), "high is allowed by maxSeverity: high: " + message);
        assertFalse(b.published());
        ImageStore after = TestImages.store();
        assertEquals(before, after.catalog().versions("tiny-linux").stream().map(TemplateVersion::version).toList(), "nothing published");
        assertEquals(v.version(), after.catalog().channels("tiny-linux").get("latest"), "the channel stays where it was");
    }

    private static String osv(String id, String version, String severity) {
        return "{\"id\": \"" + id + "\", \"modified\": \"2026-01-01T00:00:00Z\", \"affected\": [{\"package\": "
                + "{\"ecosystem\": \"Linux\", \"name\": \"Kernel\"}, \"versions\": [\"" + version + "\"]}], "
                + "\"database_specific\": {\"severity\": \"" + severity + "\"}}";
    }
}
