package io.ingot.daemon;

import io.ingot.distribution.S3Clients;
import io.ingot.util.IngotPaths;
import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A start that fails half way closes what it had opened: here the HTTP front, when the broker's port is taken. */
class DaemonStartTest {
    @Test
    void aFailedStartFreesTheApiPort(@TempDir Path dir) throws Exception {
        Path images = Files.createDirectories(dir.resolve("images"));
        Path recipes = Files.createDirectories(dir.resolve("recipes"));
        IngotPaths paths = new IngotPaths(dir, images, Files.createDirectories(dir.resolve("cache")), images.resolve(".ingot"));
        InetAddress loopback = InetAddress.getLoopbackAddress();
        int apiPort;
        try (ServerSocket probe = new ServerSocket(0, 1, loopback)) {
            apiPort = probe.getLocalPort();
        }
        try (ServerSocket taken = new ServerSocket(0, 1, loopback)) {
            DaemonConfig config = DaemonConfig.defaults().withListen("127.0.0.1", apiPort).withRecipes(recipes.toString(), null, 3)
                    .withBroker(new DaemonConfig.Broker(null, "tcp://127.0.0.1:" + taken.getLocalPort(), null, null));
            UserError e = assertThrows(UserError.class, () -> Daemon.start(paths, config, S3Clients.fromEnvironment()).close());
            assertTrue(e.getMessage().contains(Integer.toString(taken.getLocalPort())), e.getMessage());
        }
        // the front listened before the broker failed: the stack closed it
        try (ServerSocket again = new ServerSocket(apiPort, 1, loopback)) {
            assertTrue(again.isBound());
        }
    }
}
