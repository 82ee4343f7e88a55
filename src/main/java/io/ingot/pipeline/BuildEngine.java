package io.ingot.pipeline;

import io.ingot.util.IngotPaths;
import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import java.util.Map;
import java.util.Properties;


/**
 * Camel Main with the pipeline bean and the {@code stage:} component (over the given stages) bound and the route files of
 * {@code routes/} loaded; every bean the routes name must be bound ({@link RouteBeans}), or the start fails before a route runs.
 * The CLI starts one for a build; the daemon keeps one running.
 */
public final class BuildEngine implements AutoCloseable {
    private final Main main = new Main();

    public static final String ROUTES = "classpath:routes/build.camel.yaml";

    public BuildEngine(Stages stages) throws Exception {
        this(stages, ROUTES);
    }

    public BuildEngine(Stages stages, String routesPattern) throws Exception {
        this(stages, routesPattern, Map.of(), new Properties());
    }

    /** With more beans and properties for the routes (the daemon's queue and schedules). */
    public BuildEngine(Stages stages, String routesPattern, Map<String, Object> beans,
                       Properties properties) throws Exception {
        Set<String> bound = new TreeSet<>(beans.keySet());
        bound.add("pipeline");
        Pipeline pipeline = new Pipeline();
        main.bind("pipeline", pipeline);
        main.bind(StageComponent.SCHEME, new StageComponent(pipeline, stages));
        beans.forEach(main::bind);
        // the routes are loaded by now, none started yet
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void afterConfigure(BaseMainSupport m) {
                try {
                    List<Resource> routes = new ArrayList<>();
                    for (String pattern : routesPattern.split(",")) {
                        routes.addAll(PluginHelper.getPackageScanResourceResolver(m.getCamelContext()).findResources(pattern.trim()));
                    }
                    RouteBeans.check(RouteBeans.named(routes), bound);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (Exception e) {
                    throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
                }
            }
        });
        main.setInitialProperties(properties);
        main.configure().withRoutesIncludePattern(routesPattern);
        main.configure().withName("ingot");
        main.configure().withJmxEnabled(false);
        main.start();
    }

    public BuildRunner runner(IngotPaths paths) throws Exception {
        return new BuildRunner(paths, main.getCamelTemplate());
    }

    public CamelContext camelContext() {
        return main.getCamelContext();
    }

    @Override
    public void close() {
        main.stop();
    }
}
