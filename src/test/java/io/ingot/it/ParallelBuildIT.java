package io.ingot.it;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.OnError;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Two builds of the same recipe at once: ports, directories and versions never clash. */
class ParallelBuildIT {

    @Test
    void twoBuildsOfTinyLinuxAtOnceBothSucceed() throws Exception {
        var recipe = TestImages.home().resolve("recipes/tiny-linux.yaml");
        CompletableFuture<BuildContext> a = CompletableFuture.supplyAsync(() -> build(recipe));
        CompletableFuture<BuildContext> b = CompletableFuture.supplyAsync(() -> build(recipe));
        BuildContext first = a.get();
        BuildContext second = b.get();
        assertNull(first.failure(), () -> "first build: " + first.failure().getMessage());
        assertNull(second.failure(), () -> "second build: " + second.failure().getMessage());
        assertNotEquals(first.buildId(), second.buildId());
        assertNotEquals(first.result(), second.result(), "each build published its own version");
        for (BuildContext built : java.util.List.of(first, second)) {
            // a verify VM per build (its name, QEMU name and run record carry the build id), never one shared by the recipe
            String log = java.nio.file.Files.readString(built.buildDir().resolve("build.log"));
            org.junit.jupiter.api.Assertions.assertTrue(
                    log.contains("verify clone ingot-clone-verify-" + built.buildId() + " resumed as a memory clone"), log);
        }
    }

    private static BuildContext build(java.nio.file.Path recipe) {
        try {
            return TestImages.build(recipe, OnError.CLEANUP);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
