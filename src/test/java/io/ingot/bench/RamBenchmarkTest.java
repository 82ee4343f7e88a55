package io.ingot.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RamBenchmarkTest {
    private static Map<String, Object> report() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("busyLoops", 2);
        r.put("loadAverageBefore", List.of(8.5, 7.0, 6.0));
        r.put("loadAverageAfter", List.of(9.5, 8.0, 6.5));
        r.put("template", "debian-12-minimal:6");
        r.put("accelerator", "tcg");
        r.put("qemu", "7.2.22");
        r.put("count", 5);
        r.put("coldBootToSsh", Stats.of(List.of(40000.0, 42000.0)));
        r.put("memoryToCont", Stats.of(List.of(400.0)));
        r.put("memoryToFirstSsh", Stats.of(List.of(2000.0)));
        r.put("memoryToSshWithIdentity", Stats.of(List.of(2000.0)));
        r.put("sshRatio", 20.0);
        r.put("poolToCont", Stats.of(List.of(130.0)));
        r.put("poolToSshWithIdentity", Stats.of(List.of(1500.0)));
        r.put("poolSshRatio", 0.75);
        r.put("memoryPhases", Map.of("cont returned", Stats.of(List.of(400.0))));
        r.put("poolPhases", Map.of("cont returned", Stats.of(List.of(130.0))));
        Map<String, Object> ten = new LinkedHashMap<>();
        ten.put("clones", 10);
        ten.put("memoryClonesAnswered", 9);
        ten.put("memoryClonesToLastSshWithIdentityMs", Double.NaN);
        ten.put("coldClonesAnswered", 10);
        ten.put("coldClonesToLastSshMs", 300000.0);
        ten.put("memoryClonesPssMiB", 2000.0);
        ten.put("coldClonesPssMiB", 9000.0);
        ten.put("ratio", 2000.0 / 9000.0);
        ten.put("memoryClonesTranslationCacheMiB", 1200.0);
        ten.put("coldClonesTranslationCacheMiB", 5000.0);
        ten.put("ratioWithoutTranslationCache", 800.0 / 4000.0);
        r.put("pss", List.of(ten));
        return r;
    }

    @Test
    void tableShowsThePoolAgainstAFreshSpawnTheLoadTheStepsAndTheLastOfTheConcurrentClones() {
        String t = RamBenchmark.table(report());
        assertTrue(t.contains("warm pool / memory clone (to SSH with identity, p50): 0.75x"), t);
        assertTrue(t.contains("load average before [8.5, 7.0, 6.0], after [9.5, 8.0, 6.5]; busy loops beside: 2"), t);
        assertTrue(t.contains("cont returned") && t.contains("warm pool clone, steps"), t);
        assertTrue(t.contains("9/10 up"), "a run where one of ten memory clones never answered says so: " + t);
        assertTrue(t.contains("300000 ms"), t);
        assertTrue(t.contains("of which TCG's translation cache 1200 MiB and 5000 MiB; without it: ratio 0.20"), t);
    }

    @Test
    void plotHasTheWarmPoolsSshFigure() throws Exception {
        Path png = Files.createTempFile("bench-ram", ".png");
        try {
            RamBenchmark.plot(report(), png);
            assertTrue(Files.size(png) > 0);
        } finally {
            Files.deleteIfExists(png);
        }
    }

    @Test
    void coldBootsStartedTogetherMayTakeLongerThanOne() {
        assertEquals(java.time.Duration.ofMinutes(10), RamBenchmark.coldWait(1));
        assertEquals(java.time.Duration.ofMinutes(19), RamBenchmark.coldWait(10));
    }
}
