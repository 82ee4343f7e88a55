package io.ingot.pipeline;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RouteBeansTest {
    @Test
    void aRouteNamingAnUnboundBeanFailsTheStartBeforeAnyRouteRuns(@TempDir Path dir) throws Exception {
        Path marker = dir.resolve("ran");
        Files.writeString(dir.resolve("one.camel.yaml"), """
                - route:
                    id: bad
                    from:
                      uri: "timer:once?repeatCount=1"
                      steps:
                        - setBody: { constant: ran }
                        - to: "file:%s?fileName=ran"
                        - bean: { ref: shedules, method: fire }
                """.formatted(dir));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new BuildEngine(new Stages(List.of()),
                "file:" + dir + "/*.camel.yaml", Map.of("schedules", new Object()), new Properties()).close());
        assertEquals(dir.resolve("one.camel.yaml") + " names the bean 'shedules', which is not bound (bound: pipeline, schedules)", e.getMessage());
        Thread.sleep(300);
        assertFalse(Files.exists(marker), "a route ran");
    }

    @Test
    void theShippedRoutesNameTheirBeansEachWay() throws Exception {
        try (CamelContext camel = new DefaultCamelContext()) {
            Collection<Resource> routes = PluginHelper.getPackageScanResourceResolver(camel).findResources("classpath:routes/*.camel.yaml");
            Map<String, String> named = RouteBeans.named(routes);
            // a bean step, a templated route's bean parameter, an endpoint option
            assertEquals("routes/build.camel.yaml", named.get("pipeline"));
            assertEquals("routes/api.camel.yaml", named.get("templatesApi"));
            assertEquals("routes/api.camel.yaml", named.get("responseHeaders"));
            assertTrue(named.keySet().stream().noneMatch(n -> n.contains("{")), named.toString());
        }
    }
}
