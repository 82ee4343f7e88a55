package io.ingot.pipeline;

import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultComponent;
import org.apache.camel.support.DefaultEndpoint;
import org.apache.camel.support.DefaultProducer;

import java.util.Map;

/**
 * The {@code stage:} endpoints of the build route: {@code to: stage:qemu} runs the stage whose {@link Stage#name()}
 * is {@code qemu} through {@link Pipeline#run}. The name is resolved when the route starts, so a route naming a
 * stage that does not exist does not start.
 */
public final class StageComponent extends DefaultComponent {
    /** The URI scheme, and the component's name in the registry. */
    public static final String SCHEME = "stage";

    private final Pipeline pipeline;
    private final Stages stages;

    public StageComponent(Pipeline pipeline, Stages stages) {
        this.pipeline = pipeline;
        this.stages = stages;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) {
        Stage stage = stages.get(remaining)
                .orElseThrow(() -> new IllegalArgumentException("the build route names an unknown stage: " + remaining
                        + " (stages: " + String.join(", ", stages.names()) + ")"));
        return new StageEndpoint(uri, this, stage);
    }

    /** One stage as an endpoint: it only produces (runs the stage on the build in the exchange's body). */
    final class StageEndpoint extends DefaultEndpoint {
        private final Stage stage;

        StageEndpoint(String uri, StageComponent component, Stage stage) {
            super(uri, component);
            this.stage = stage;
        }

        @Override
        public Producer createProducer() {
            return new DefaultProducer(this) {
                @Override
                public void process(Exchange exchange) {
                    pipeline.run(exchange.getIn().getBody(BuildContext.class), stage);
                }
            };
        }

        @Override
        public Consumer createConsumer(Processor processor) {
            throw new UnsupportedOperationException("a stage: endpoint cannot start a route");
        }
    }
}
