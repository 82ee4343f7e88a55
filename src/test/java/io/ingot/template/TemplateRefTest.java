package io.ingot.template;

import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class TemplateRefTest {
    @Test
    void parsesTheThreeForms() {
        assertEquals(new TemplateRef("tiny-linux", null, null), TemplateRef.parse("tiny-linux"));
        assertEquals(new TemplateRef("tiny-linux", 3, null), TemplateRef.parse("tiny-linux:3"));
        assertEquals(new TemplateRef("debian_12.5", null, "stable"), TemplateRef.parse("debian_12.5@stable"));
        assertEquals("a:3", TemplateRef.parse("a:3").toString());
    }

    @Test
    void refusesBadNames() {
        for (String bad : List.of("", "Tiny", "a/b", "a..b", "../x", "a:x", "a:0", "a:1@b", ".hidden", "a@", "a b")) {
            assertThrows(UserError.class, () -> TemplateRef.parse(bad), bad);
        }
        assertEquals("bad template name 'a/b': use lowercase letters, digits, '-', '_', '.', starting with a letter or digit, no '..'",
                assertThrows(UserError.class, () -> TemplateRef.parse("a/b")).getMessage());
    }

    @Test
    void manifestRoundTripsThroughJson() throws Exception {
        Manifest m = Manifest.empty().withIdentity("t", 2, java.time.Instant.parse("2026-01-02T03:04:05Z"))
                .withDisk(new Manifest.Disk("base.qcow2", "qcow2", 10L, 5L, "ab"))
                .withStageTimings(Map.of("install", 5L))
                .withRam(new Manifest.Ram(new Manifest.RamFile("mem", "x", 1L), null, null, "key"));
        String json = m.toJson();
        assertTrue(json.contains("\"createdAt\" : \"2026-01-02T03:04:05Z\""), json);
        assertEquals(m, Manifest.fromJson(json));
    }
}
