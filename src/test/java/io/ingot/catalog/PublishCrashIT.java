package io.ingot.catalog;

import io.ingot.images.ImageStore;
import io.ingot.pipeline.Recovery;
import io.ingot.template.TemplateRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A publish killed with SIGKILL half-way leaves the catalog as it was; the recovery step removes the leftovers and
 * adopts a version whose files were complete.
 */
class PublishCrashIT {
    @TempDir Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"before-rename", "before-catalog"})
    void killedPublishLeavesOldStateAndIsCleaned(String point) throws Exception {
        ImageStore store = ImageStore.open(Disks.paths(tmp));
        store.publisher().publish(Disks.request("t", Disks.disk(tmp, "a.qcow2", 1)));

        Path disk = Disks.disk(tmp, "b.qcow2", 2);
        // the build whose publish is killed: its ingot process dies with it
        String build = "20261205-080000-" + (point.equals("before-rename") ? "aaaaaa" : "bbbbbb");
        store.catalog().buildStarted(build, "t", Instant.now());
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), PublishChild.class.getName(), tmp.toString(), "t", disk.toString(), build);
        pb.environment().put("INGOT_TEST_PUBLISH_PAUSE", point);
        pb.redirectErrorStream(true);
        Process child = pb.start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
            String line;
            boolean paused = false;
            while ((line = r.readLine()) != null) {
                if (line.contains("INGOT-PUBLISH-PAUSED " + point)) { paused = true; break; }
            }
            assertTrue(paused, "child never reached " + point);
            long pid = child.pid();
            // SIGKILL: no shutdown hooks, no finally blocks
            new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        } finally {
            child.destroyForcibly();
        }

        Path templateDir = tmp.resolve("images/templates/t");
        if (point.equals("before-rename")) {
            assertEquals(1, countTmp(templateDir), "the killed publish left its temporary dir");
        }
        ImageStore reopened = ImageStore.open(Disks.paths(tmp));
        assertEquals(point.equals("before-rename") ? 1 : 0, countTmp(templateDir), "opening the store touches no storage");
        List<String> report = new Recovery(Disks.paths(tmp)).run(reopened, false);
        assertEquals(0, countTmp(templateDir), "the recovery step removed the leftovers: " + report);
        assertEquals(1, reopened.catalog().resolve(TemplateRef.parse("t@latest")).version(), "the channel stays where it was");
        if (point.equals("before-catalog")) {
            // version 2's files were complete and renamed into place: the recovery step adopts them
            assertTrue(Files.isRegularFile(templateDir.resolve("2/base.qcow2")));
            assertTrue(report.contains("adopted t:2 (its publish was interrupted after its files were in place)"), report.toString());
            assertEquals(List.of(1, 2), reopened.catalog().versions("t").stream().map(TemplateVersion::version).toList());
            assertEquals("succeeded", status(reopened, build), "a build whose version was adopted published it: " + report);
            assertTrue(report.contains("build " + build + " of t published t:2 before its ingot process died: succeeded"), report.toString());
        } else {
            assertEquals(List.of(1), reopened.catalog().versions("t").stream().map(TemplateVersion::version).toList());
            assertEquals("failed", status(reopened, build), report.toString());
        }
        // the interrupted number is never handed out again
        assertEquals(3, reopened.publisher().publish(Disks.request("t", Disks.disk(tmp, "c.qcow2", 3))).version());
        reopened.versions().reindex();
        assertEquals(point.equals("before-catalog") ? List.of(1, 2, 3) : List.of(1, 3),
                reopened.catalog().versions("t").stream().map(TemplateVersion::version).toList());
    }

    /** A build killed after its version's row was written, before its own row was closed, published it. */
    @Test
    void aBuildKilledAfterItsPublishIsSucceeded() throws Exception {
        ImageStore store = ImageStore.open(Disks.paths(tmp));
        String build = "20261205-080000-cccccc";
        store.catalog().buildStarted(build, "t", Instant.now());
        store.publisher().publish(Disks.request("t", Disks.disk(tmp, "a.qcow2", 1), build));
        // no .running owner alive and the row still running: what a kill -9 after the publish stage leaves
        List<String> report = new Recovery(Disks.paths(tmp)).run(store, false);
        assertEquals("succeeded", status(store, build), report.toString());
        assertEquals("published t:1 (its ingot process died before the build ended)",
                store.catalog().builds().get(0).message());
    }

    private static String status(ImageStore store, String build) {
        return store.catalog().builds().stream().filter(b -> b.id().equals(build)).findFirst().orElseThrow().status();
    }

    private static long countTmp(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".tmp-")).count();
        }
    }
}
