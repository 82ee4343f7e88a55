package io.ingot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DoctorCommandIT {
    @Test
    void reportsQemuFeaturesAcceleratorAndTools() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Main.run(new String[]{"doctor", "--json"}, new PrintWriter(out), new PrintWriter(err));
        assertEquals(0, rc, out + "\n" + err);
        JsonNode report = new ObjectMapper().readTree(out.toString());
        assertTrue(report.path("qemu").path("version").asText().matches("\\d+\\.\\d+\\.\\d+"), out.toString());
        assertEquals("tcg", report.path("accelerator").path("name").asText(), out.toString());
        assertTrue(report.path("accelerator").path("reason").asText().contains("/dev/kvm"), out.toString());
        assertEquals(7, report.path("tools").size());
        assertTrue(report.path("ok").asBoolean());

        StringWriter text = new StringWriter();
        rc = Main.run(new String[]{"doctor"}, new PrintWriter(text), new PrintWriter(err));
        assertEquals(0, rc);
        assertTrue(text.toString().contains("accelerator tcg (auto) - tcg: /dev/kvm"), text.toString());
        assertTrue(text.toString().contains("mapped-ram: no"), text.toString());
        assertTrue(text.toString().contains("xorriso"), text.toString());
    }
}
