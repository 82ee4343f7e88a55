package io.ingot.vm;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SeedBuilderTest {
    private static final String LONG_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBx" + "k".repeat(120) + " someone@host";

    @Test
    void userDataIsCloudConfigThatLetsRootInWithEveryKey(@TempDir Path dir) throws Exception {
        List<String> keys = List.of(LONG_KEY, "ssh-rsa AAAA with \"quotes\" #and: colon", "yes");
        new SeedBuilder().write(dir, "iid-1", "web1", keys);
        String userData = Files.readString(dir.resolve("seed/user-data"));
        assertTrue(userData.startsWith("#cloud-config\n"), userData);
        JsonNode user = Json.YAML.readTree(userData);
        assertFalse(user.get("disable_root").asBoolean(true), "stock cloud-init must not lock root out");
        assertTrue(user.get("disable_root").isBoolean());
        assertEquals("web1", user.get("hostname").asText());
        assertEquals(keys, SeedBuilder.authorizedKeys(dir.resolve("seed/user-data")));
        // one line per key: tiny-linux's NoCloud script reads the list line by line
        assertTrue(userData.lines().anyMatch(l -> l.equals("- " + LONG_KEY)), userData);
        JsonNode meta = Json.YAML.readTree(dir.resolve("seed/meta-data").toFile());
        assertEquals("iid-1", meta.get("instance-id").asText());
        assertEquals("web1", meta.get("local-hostname").asText());
    }
}
