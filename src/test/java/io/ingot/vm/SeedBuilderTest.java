package io.ingot.vm;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.util.Json;
import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    @Test
    void theOwnersCloudConfigIsMergedUnderWhatIngotKeeps(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("user.yaml");
        Files.writeString(file, String.join("\n", "#cloud-config", "runcmd:", "  - [sh, -c, 'echo hi > /root/ran']",
                "packages: [htop]", "hostname: not-this", "disable_root: true", "ssh_keys: {rsa_private: x}",
                "ssh_authorized_keys:", "  - ssh-ed25519 AAAAowner owner@laptop", "ssh_pwauth: true", ""));
        Map<String, Object> own = SeedBuilder.readCloudConfig(file);
        HostKeys hostKeys = HostKeys.generate("root@web1");
        new SeedBuilder().write(dir, new SeedBuilder.Seed("iid-2", "web1", List.of("ssh-ed25519 AAAAingot ingot"), hostKeys, own));
        JsonNode user = Json.YAML.readTree(Files.readString(dir.resolve("seed/user-data")));
        assertEquals("web1", user.get("hostname").asText(), "ingot keeps the host name");
        assertFalse(user.get("disable_root").asBoolean(), "ingot keeps root's access");
        assertEquals(hostKeys.cloudInit().keySet(), Json.MAPPER.convertValue(user.get("ssh_keys"), Map.class).keySet(),
                "the host keys are ingot's");
        assertEquals(List.of("ssh-ed25519 AAAAowner owner@laptop", "ssh-ed25519 AAAAingot ingot"),
                SeedBuilder.authorizedKeys(dir.resolve("seed/user-data")), "the owner's keys and ingot's");
        assertEquals("sh", user.get("runcmd").get(0).get(0).asText(), "the owner's runcmd is kept");
        assertEquals("htop", user.get("packages").get(0).asText());
        assertTrue(user.get("ssh_pwauth").asBoolean(), "what ingot does not need stays the owner's choice");
    }

    @Test
    void userDataThatIsNotCloudConfigIsRefusedInOneLine(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("script.sh");
        Files.writeString(script, "#!/bin/sh\necho hi\n");
        UserError e = assertThrows(UserError.class, () -> SeedBuilder.readCloudConfig(script));
        assertEquals(script + ":1: not cloud-config: the first line must be #cloud-config (other user-data formats,"
                + " such as scripts, are not merged with ingot's)", e.getMessage());

        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, "#cloud-config\nruncmd:\n  - echo a\n bad: [\n");
        e = assertThrows(UserError.class, () -> SeedBuilder.readCloudConfig(broken));
        assertTrue(e.getMessage().matches(java.util.regex.Pattern.quote(broken.toString()) + ":\\d+:\\d+: not YAML: .+"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());

        Path list = dir.resolve("list.yaml");
        Files.writeString(list, "#cloud-config\n- a\n- b\n");
        e = assertThrows(UserError.class, () -> SeedBuilder.readCloudConfig(list));
        assertEquals(list + ": cloud-config must be a mapping of keys (such as runcmd:)", e.getMessage());

        e = assertThrows(UserError.class, () -> SeedBuilder.readCloudConfig(dir.resolve("missing.yaml")));
        assertTrue(e.getMessage().startsWith("cannot read user-data file " + dir.resolve("missing.yaml")), e.getMessage());
    }
}
