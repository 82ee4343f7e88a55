package io.ingot.pipeline;

import io.ingot.util.Durations;
import io.ingot.util.PausePoint;
import org.apache.camel.Exchange;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The route bean behind {@code routes/build.camel.yaml}: plans a build from the route, runs each stage its
 * {@code stage:} endpoints name ({@link StageComponent}), and at the end cleans up the stages that ran, in reverse
 * order, as {@code --on-error} says.
 */
public final class Pipeline {
    private volatile RoutePlan routePlan;

    /**
     * First step of the route: this build's stages, read from the route (its choices evaluated for this recipe),
     * which give the {@code [n/N]} of the progress lines.
     */
    public void start(Exchange exchange) {
        RoutePlan plan = routePlan;
        if (plan == null) routePlan = plan = RoutePlan.of(exchange.getContext());
        exchange.getIn().getBody(BuildContext.class).plan(plan.forBuild(exchange));
    }

    /** Runs one stage (a {@code stage:} endpoint of the route), timing it and turning any exception into a {@link StageFailure} naming the stage. */
    void run(BuildContext build, Stage stage) {
        String stageName = stage.name();
        List<String> plan = build.plan();
        int number = plan.indexOf(stageName) + 1;
        String label = "[" + (number > 0 ? number : "-") + "/" + plan.size() + "] " + stageName;
        Instant start = Instant.now();
        build.log().stage(label + " (at " + Durations.format(Duration.between(build.started(), start)) + ")");
        PausePoint.at("stage:" + stageName);
        build.stage(stageName);
        build.ran().push(stage); // pushed before run: a stage that fails half-way still cleans up
        try {
            stage.run(build);
        } catch (Exception | Error e) {
            long ms = Duration.between(start, Instant.now()).toMillis();
            build.timings().add(stageName, start, ms, "failed");
            throw failure(build, stageName, e);
        }
        long ms = Duration.between(start, Instant.now()).toMillis();
        build.timings().add(stageName, start, ms, "ok");
        build.log().stage(label + " done in " + Durations.format(Duration.ofMillis(ms)));
    }

    /** The route's onException: remember why the build failed (then {@link #finish} ends it). */
    public void failed(Exchange exchange) {
        BuildContext build = exchange.getIn().getBody(BuildContext.class);
        Throwable t = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        build.failure(t instanceof StageFailure ? t : failure(build, "unknown", t));
    }

    /** Last step of the route, and of its onException: cleanup in reverse order, timings, the summary line. */
    public void finish(BuildContext build) {
        if (!build.finishOnce()) return;
        boolean failed = build.failure() != null;
        if (failed && build.options().onError() == OnError.ABORT) {
            build.log().stage("build failed; --on-error=abort left everything in place:");
            build.log().info("build directory: " + build.buildDir());
            BuildVm current = build.currentVm();
            if (current != null && current.vm().isAlive()) {
                // recorded as left running: the reaper reports it and 'ingot doctor --repair' stops it
                boolean left = current.vm().leaveRunning();
                build.log().info("QEMU still running, pid " + current.vm().pid()
                        + (current.sshPort() > 0 ? ", SSH on 127.0.0.1:" + current.sshPort() : "")
                        + (left ? "; stop it with: ingot doctor --repair (or kill " + current.vm().pid() + ")"
                                : " until this process ends (QEMU's exit-with-parent)"));
            }
        } else {
            for (Iterator<Stage> it = build.ran().iterator(); it.hasNext(); ) {
                Stage stage = it.next();
                try {
                    stage.cleanup(build);
                } catch (Exception e) {
                    build.log().info("cleanup of " + stage.name() + " failed: " + e.getMessage());
                }
            }
        }
        if (build.options().onError() != OnError.ABORT || !failed) build.vms().forEach(BuildVm::stopScreen);
        try {
            build.timings().write(build.buildDir().resolve("timings.json"));
        } catch (IOException e) {
            build.log().info("cannot write timings.json: " + e.getMessage());
        }
        Duration total = Duration.between(build.started(), Instant.now());
        try {
            // before the row: killed in between, the row is 'running' without a live owner, which recovery ends
            BuildOwner.remove(build.buildDir());
        } catch (IOException e) {
            build.log().info("cannot remove " + BuildOwner.FILE_NAME + ": " + e.getMessage());
        }
        if (build.images() != null) {
            new BuildHistory(build.paths(), build.images().catalog()).finished(build.buildId(), build.name(), failed ? "failed" : "succeeded",
                    build.recipe().mask(failed ? build.failure().getMessage() : build.result()), Instant.now());
        }
        if (failed) {
            build.log().stage("build " + build.buildId() + " of " + build.name() + " FAILED after "
                    + Durations.format(total) + "; logs in " + build.buildDir());
        } else {
            build.log().stage("build " + build.buildId() + " of " + build.name() + " finished in "
                    + Durations.format(total) + ": " + build.result());
        }
    }

    private static StageFailure failure(BuildContext build, String stageName, Throwable cause) {
        if (cause instanceof StageFailure sf) return sf;
        String why = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        StringBuilder msg = new StringBuilder("stage " + stageName + " failed: " + why);
        BuildVm current = build.currentVm();
        if (current != null && current.screen() != null) {
            try {
                // the screen at the moment of failure; the recorder's last one if the VM is gone
                current.screen().capture();
            } catch (Exception e) {
                build.log().info("cannot save the screen: " + e.getMessage());
            }
            if (Files.isRegularFile(current.screen().target())) msg.append("\nlast screen: ").append(current.screen().target());
        }
        if (current != null && current.serialLog() != null) {
            msg.append("\n--- last 20 lines of the serial console (").append(current.serialLog()).append(") ---");
            for (String line : tail(current.serialLog(), 20)) msg.append('\n').append(line);
        }
        return new StageFailure(stageName, build.log().mask(msg.toString()), cause);
    }

    static List<String> tail(Path file, int n) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
            List<String> out = new ArrayList<>();
            for (String l : lines.subList(Math.max(0, lines.size() - n), lines.size())) {
                out.add(l.replaceAll("[\\p{Cntrl}&&[^\t]]", ""));
            }
            return out;
        } catch (IOException e) {
            return List.of("(serial log unreadable: " + e.getMessage() + ")");
        }
    }
}
