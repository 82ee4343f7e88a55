package io.ingot.pipeline.stage;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.Stage;
import io.ingot.recipe.Recipe;
import io.ingot.sbom.CycloneDx;
import io.ingot.sbom.Feeds;
import io.ingot.sbom.Finding;
import io.ingot.sbom.Scan;
import io.ingot.sbom.Sbom;
import io.ingot.sbom.Severity;

import java.nio.file.Path;
import java.util.List;

/**
 * The recipe's {@code publish.gate}: the SBOM matched against the feed; a finding above {@code maxSeverity} and not
 * allowed fails the build here, before anything is published, and names every such finding.
 */
public final class GateStage implements Stage {
    @Override
    public String name() { return "gate"; }

    @Override
    public void run(BuildContext build) throws Exception {
        Recipe.Gate gate = build.settings().publish().gate();
        Path file = build.extraFiles().get(Sbom.FILE_NAME);
        if (file == null) throw new IllegalStateException("publish.gate needs the SBOM, and this build has none (communicator: none?)");
        Path feed = build.settings().resolve(gate.feed());
        List<Finding> findings = Scan.of(CycloneDx.read(file), Feeds.load(feed));
        List<Finding> blocking = Scan.blocking(findings, Severity.parseLevel(gate.maxSeverity()), gate.allow());
        for (Finding f : findings) build.log().info((blocking.contains(f) ? "blocks: " : "allowed: ") + f.describe());
        if (!blocking.isEmpty()) {
            throw new IllegalStateException("publish.gate: " + blocking.size() + " finding(s) above " + gate.maxSeverity()
                    + " in " + feed.getFileName() + ": " + String.join("; ", blocking.stream().map(Finding::describe).toList())
                    + "; nothing was published");
        }
        build.log().info("publish.gate passed: " + findings.size() + " finding(s), none above " + gate.maxSeverity());
    }
}
