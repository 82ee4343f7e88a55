package io.ingot.daemon;

import io.ingot.pipeline.BuildRunner;
import io.ingot.util.IngotPaths;
import io.ingot.util.UserError;
import org.apache.camel.ConsumerTemplate;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The persistent queue against a real Camel SEDA endpoint (no route consumes it: the test does). */
class BuildQueueTest {

    @Test
    void aRecipeIsQueuedOnceAndQueuedBuildsSurviveARestart(@TempDir Path state) throws Exception {
        Path home = Path.of(System.getProperty("ingot.home", ".")).toAbsolutePath();
        Recipes recipes = new Recipes(home.resolve("recipes"));
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.start();
            ProducerTemplate producer = camel.createProducerTemplate();
            ConsumerTemplate consumer = camel.createConsumerTemplate();
            BuildRunner runner = new BuildRunner(new IngotPaths(home, state, state, state), producer);

            BuildQueue queue = new BuildQueue(state, recipes);
            queue.start(producer, runner);
            BuildQueue.Submitted first = queue.submit("tiny-linux", "cli");
            assertTrue(first.queuedNow());
            assertEquals(first.job().id(), consumer.receiveBody(BuildQueue.ENDPOINT, 5000, String.class));
            BuildQueue.Submitted again = queue.submit("tiny-linux", "api");
            assertFalse(again.queuedNow(), "a recipe already queued is not queued twice");
            assertEquals(first.job().id(), again.job().id());
            assertNull(consumer.receiveBody(BuildQueue.ENDPOINT, 200, String.class), "nothing more sent to the queue");
            assertTrue(Files.isRegularFile(state.resolve("queue/tiny-linux.json")));

            assertThrows(UserError.class, () -> queue.submit("../tiny-linux", "api"));
            UserError unknown = assertThrows(UserError.class, () -> queue.submit("no-such-recipe", "api"));
            assertTrue(unknown.getMessage().contains("no recipe named 'no-such-recipe'"), unknown.getMessage());

            // a new daemon on the same state: the queued build is sent again, under the same id
            BuildQueue restarted = new BuildQueue(state, recipes);
            restarted.start(producer, runner);
            assertEquals(first.job().id(), consumer.receiveBody(BuildQueue.ENDPOINT, 5000, String.class));
            assertEquals("queued", restarted.job(first.job().id()).state());
            assertEquals("cli", restarted.job(first.job().id()).source());
            assertTrue(restarted.pending("tiny-linux"));

            // a build that was running when the daemon died runs again, as a new build
            Files.move(state.resolve("queue/tiny-linux.json"), state.resolve("queue/running/tiny-linux.json"));
            BuildQueue third = new BuildQueue(state, recipes);
            third.start(producer, runner);
            String retry = consumer.receiveBody(BuildQueue.ENDPOINT, 5000, String.class);
            assertTrue(retry != null && !retry.equals(first.job().id()), "a new build id for the retry: " + retry);
            assertEquals("queued", third.job(retry).state());
            assertTrue(Files.isRegularFile(state.resolve("queue/tiny-linux.json")));
            assertFalse(Files.exists(state.resolve("queue/running/tiny-linux.json")));

            // interrupted while another build of the same recipe was queued: that one is enough
            Files.copy(state.resolve("queue/tiny-linux.json"), state.resolve("queue/running/tiny-linux.json"));
            BuildQueue fourth = new BuildQueue(state, recipes);
            fourth.start(producer, runner);
            assertEquals(retry, consumer.receiveBody(BuildQueue.ENDPOINT, 5000, String.class));
            assertNull(consumer.receiveBody(BuildQueue.ENDPOINT, 200, String.class), "the recipe is queued once");
            assertFalse(Files.exists(state.resolve("queue/running/tiny-linux.json")));
        }
    }
}
