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
    }

    private static BuildContext build(java.nio.file.Path recipe) {
        try {
            return TestImages.build(recipe, OnError.CLEANUP);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
