package io.ingot.pipeline;

import io.ingot.util.IngotPaths;
import org.apache.camel.main.Main;

/**
 * Camel Main with the pipeline bean bound and the route files of {@code routes/} loaded.
 * The CLI starts one for a build; the daemon keeps one running.
 */
public final class BuildEngine implements AutoCloseable {
    private final Main main = new Main();

    public static final String ROUTES = "classpath:routes/build.camel.yaml";

    public BuildEngine(Pipeline pipeline) throws Exception {
        this(pipeline, ROUTES);
    }

    public BuildEngine(Pipeline pipeline, String routesPattern) throws Exception {
        this(pipeline, routesPattern, java.util.Map.of(), new java.util.Properties());
    }

    /** With more beans and properties for the routes (the daemon's queue and schedules). */
    public BuildEngine(Pipeline pipeline, String routesPattern, java.util.Map<String, Object> beans,
                       java.util.Properties properties) throws Exception {
        main.bind("pipeline", pipeline);
        beans.forEach(main::bind);
        main.setInitialProperties(properties);
        main.configure().withRoutesIncludePattern(routesPattern);
        main.configure().withName("ingot");
        main.configure().withJmxEnabled(false);
        main.start();
    }

    public BuildRunner runner(IngotPaths paths) throws Exception {
        return new BuildRunner(paths, main.getCamelTemplate());
    }

    public org.apache.camel.CamelContext camelContext() {
        return main.getCamelContext();
    }

    @Override
    public void close() {
        main.stop();
    }
}
