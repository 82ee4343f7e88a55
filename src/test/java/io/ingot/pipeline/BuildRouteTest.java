package io.ingot.pipeline;

import io.ingot.pipeline.stage.StandardStages;
import io.ingot.util.IngotPaths;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** routes/build.camel.yaml is the one place the stage order is written: the registry and the README follow it. */
class BuildRouteTest {
    private static RoutePlan plan;

    @BeforeAll
    static void readRoute() throws Exception {
        plan = RoutePlan.load("file:routes/build.camel.yaml");
    }

    @Test
    void everyRegisteredStageIsInTheRouteExactlyOnceAndTheRouteNamesNoOther(@TempDir Path dir) {
        Set<String> registered = StandardStages.of(new IngotPaths(dir, dir, dir, dir)).names();
        List<String> inRoute = plan.stageNames();
        for (String stage : registered) {
            assertEquals(1, inRoute.stream().filter(stage::equals).count(), "stage " + stage + " in the route: " + inRoute);
        }
        assertEquals(new TreeSet<>(registered), new TreeSet<>(inRoute), "the route names only registered stages");
    }

    @Test
    void aRouteNamingAStageNoClassHasDoesNotStart(@TempDir Path dir) throws Exception {
        Path route = dir.resolve("typo.camel.yaml");
        Files.writeString(route, "- route:\n    from:\n      uri: direct:typo\n      steps:\n        - to: stage:qemmu\n");
        Stages stages = StandardStages.of(new IngotPaths(dir, dir, dir, dir));
        Exception e = assertThrows(Exception.class, () -> new BuildEngine(stages, "file:" + route).close());
        String messages = "";
        for (Throwable t = e; t != null; t = t.getCause()) messages += t.getMessage() + "\n";
        assertTrue(messages.contains("the build route names an unknown stage: qemmu (stages: "), messages);
    }

    @Test
    void optionalStagesAreChoicesOnTheBuild() {
        List<String> optional = plan.steps().stream().filter(RoutePlan.Step::optional).map(RoutePlan.Step::stage).toList();
        assertEquals(List.of("installer-vm", "boot-command", "wait-install", "gate", "capture-boot", "ram-template", "verify"), optional);
        for (String stage : List.of("capture-boot", "ram-template")) {
            assertEquals("${body.wantsRamTemplate()}", plan.steps().stream().filter(s -> s.stage().equals(stage))
                    .findFirst().orElseThrow().conditions().get(0).expression());
        }
    }

    /** The README's diagram: [name] per stage in the route's order, [name?] for one the route may skip. */
    @Test
    void readmeDiagramIsTheRoute() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int at = readme.indexOf("## A build");
        assertTrue(at >= 0, "README has a section '## A build'");
        int start = readme.indexOf("```", at);
        String diagram = readme.substring(readme.indexOf('\n', start) + 1, readme.indexOf("```", start + 3));
        List<String> drawn = new ArrayList<>();
        Matcher m = Pattern.compile("\\[([a-z0-9-]+\\??)]").matcher(diagram);
        while (m.find()) drawn.add(m.group(1));
        List<String> expected = plan.steps().stream().map(s -> s.stage() + (s.optional() ? "?" : "")).toList();
        assertEquals(expected, drawn, "README.md's pipeline diagram, as the route has it:\n" + diagram(expected));
    }

    /** The diagram as README.md should show it (printed when it differs). */
    static String diagram(List<String> stages) {
        StringBuilder sb = new StringBuilder("recipe");
        int width = "recipe".length();
        for (String s : stages) {
            String part = " --> [" + s + "]";
            if (width + part.length() > 110) {
                sb.append("\n      ");
                width = 6;
            }
            sb.append(part);
            width += part.length();
        }
        return sb.toString();
    }
}
