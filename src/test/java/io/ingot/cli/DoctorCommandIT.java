package io.ingot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        // whichever the host gives (AcceleratorProbeIT checks the choice against a real probe guest), with its reason
        String accel = report.path("accelerator").path("name").asText();
        String reason = report.path("accelerator").path("reason").asText();
        assertTrue(accel.equals("kvm") || accel.equals("tcg"), out.toString());
        assertTrue(reason.startsWith(accel + ": "), out.toString());
        boolean pvm = Files.isDirectory(Path.of("/sys/module/kvm_pvm")) && Files.isWritable(Path.of("/dev/kvm"));
        if (pvm) assertTrue(reason.startsWith("tcg: KVM unusable: the host's KVM module is kvm_pvm"), out.toString());
        assertEquals(7, report.path("tools").size());
        // the archive of ingot's own media, and where it was found: the host's apt sources unless INGOT_MIRROR is set
        JsonNode archive = report.path("archive");
        assertTrue(archive.path("mirror").asText().matches("https?://\\S+"), out.toString());
        String origin = archive.path("origin").asText();
        assertTrue(System.getenv("INGOT_MIRROR") != null ? origin.equals("INGOT_MIRROR") : origin.startsWith("/etc/apt/sources.list"), out.toString());
        assertTrue(report.path("ok").asBoolean());

        StringWriter text = new StringWriter();
        rc = Main.run(new String[]{"doctor"}, new PrintWriter(text), new PrintWriter(err));
        assertEquals(0, rc);
        assertTrue(text.toString().contains("accelerator " + accel + " (auto) - " + reason.replaceAll(" \\(probed .*\\)$", "")), text.toString());
        if (pvm) assertTrue(text.toString().contains("which runs only PVM guest kernels"), text.toString());
        // the features as the probe found them on this QEMU, each with how (QemuFeatureProbeIT checks them against QEMU)
        JsonNode features = report.path("features");
        for (String label : List.of("rom on memory-backend-file", "file: migration", "mapped-ram", "exit-with-parent")) {
            assertFalse(features.path("how").path(label).asText().isEmpty(), out.toString());
        }
        assertTrue(text.toString().contains("  mapped-ram:                  " + (features.path("mappedRam").asBoolean() ? "yes " : "no  ")
                + " " + features.path("how").path("mapped-ram").asText()), text.toString());
        assertTrue(text.toString().contains("xorriso"), text.toString());
        assertTrue(text.toString().contains("archive     " + archive.path("mirror").asText() + " (security "), text.toString());
    }
}
