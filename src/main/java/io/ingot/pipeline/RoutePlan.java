package io.ingot.pipeline;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Predicate;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.ChoiceDefinition;
import org.apache.camel.model.Model;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.ToDefinition;
import org.apache.camel.model.WhenDefinition;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;

import java.util.ArrayList;
import java.util.List;

/**
 * The stage order as {@code routes/build.camel.yaml} writes it, read from Camel's model of the route: each
 * {@code to: stage:NAME} step ({@link StageComponent}) in order, with the {@code choice} conditions it sits under. The route
 * is the one place the order is written; stage numbers and the pipeline diagram come from here.
 */
public final class RoutePlan {
    public static final String ROUTE_ID = "build";

    /** One stage step: its name and the conditions (simple expressions) that must hold for it to run. */
    public record Step(String stage, List<Condition> conditions) {
        public boolean optional() { return !conditions.isEmpty(); }
    }

    /** A {@code when} the step sits under ({@code negated}: under the choice's otherwise). */
    public record Condition(String expression, Predicate predicate, boolean negated) {
        boolean holds(Exchange exchange) { return predicate.matches(exchange) != negated; }
    }

    private final List<Step> steps;

    private RoutePlan(List<Step> steps) { this.steps = List.copyOf(steps); }

    public List<Step> steps() { return steps; }

    public List<String> stageNames() { return steps.stream().map(Step::stage).toList(); }

    /** The stages a build runs: every step whose conditions hold for this exchange (its body is the build). */
    public List<String> forBuild(Exchange exchange) {
        List<String> out = new ArrayList<>();
        for (Step s : steps) {
            if (s.conditions().stream().allMatch(c -> c.holds(exchange))) out.add(s.stage());
        }
        return out;
    }

    /** Reads the build route of a running (or at least loaded) Camel context. */
    public static RoutePlan of(CamelContext context) {
        RouteDefinition route = context.getCamelContextExtension().getContextPlugin(Model.class).getRouteDefinition(ROUTE_ID);
        if (route == null) throw new IllegalStateException("no route '" + ROUTE_ID + "' is loaded");
        List<Step> steps = new ArrayList<>();
        walk(context, route.getOutputs(), List.of(), steps);
        return new RoutePlan(steps);
    }

    /** Loads a route file into a Camel context of its own, without starting it (tests and tools read the order this way). */
    public static RoutePlan load(String location) throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            context.build();
            PluginHelper.getRoutesLoader(context).loadRoutes(ResourceHelper.resolveMandatoryResource(context, location));
            return of(context);
        }
    }

    private static void walk(CamelContext context, List<ProcessorDefinition<?>> outputs, List<Condition> under, List<Step> steps) {
        for (ProcessorDefinition<?> p : outputs) {
            if (p instanceof ToDefinition to && to.getUri().startsWith(StageComponent.SCHEME + ":")) {
                steps.add(new Step(to.getUri().substring(StageComponent.SCHEME.length() + 1), under));
            } else if (p instanceof ChoiceDefinition choice) {
                List<Condition> earlier = new ArrayList<>();
                for (WhenDefinition when : choice.getWhenClauses()) {
                    Condition c = condition(context, when, false);
                    List<Condition> here = new ArrayList<>(under);
                    here.addAll(earlier);
                    here.add(c);
                    walk(context, when.getOutputs(), here, steps);
                    earlier.add(new Condition(c.expression(), c.predicate(), true));
                }
                if (choice.getOtherwise() != null) {
                    List<Condition> here = new ArrayList<>(under);
                    here.addAll(earlier);
                    walk(context, choice.getOtherwise().getOutputs(), here, steps);
                }
            } else {
                walk(context, p.getOutputs(), under, steps);
            }
        }
    }

    private static Condition condition(CamelContext context, WhenDefinition when, boolean negated) {
        return new Condition(when.getExpression().getExpression(), when.getExpression().createPredicate(context), negated);
    }
}
