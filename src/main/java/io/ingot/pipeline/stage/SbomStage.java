package io.ingot.pipeline.stage;

import io.ingot.guest.ExecResult;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.Stage;
import io.ingot.sbom.CycloneDx;
import io.ingot.sbom.GuestInventory;
import io.ingot.sbom.Sbom;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Lists what is installed in the provisioned guest (dpkg, apk or rpm packages, the running kernel) before the seal,
 * and writes it as the version's {@code sbom.cdx.json}: one more file of the version, named in its manifest at publish.
 */
public final class SbomStage implements Stage {
    @Override
    public String name() { return "sbom"; }

    @Override
    public void run(BuildContext build) throws Exception {
        if (build.session() == null) {
            build.log().info("communicator is none: no SBOM (nothing can be listed over SSH)");
            return;
        }
        List<String> lines = new ArrayList<>();
        ExecResult r = build.session().ssh().exec(GuestInventory.SCRIPT, Map.of(), Duration.ofMinutes(2), lines::add);
        if (r.exitStatus() != 0) {
            throw new IllegalStateException("listing the guest's packages exited with status " + r.exitStatus() + ": "
                    + String.join(" / ", lines.subList(Math.max(0, lines.size() - 3), lines.size())));
        }
        Sbom sbom = GuestInventory.parse(build.name(), lines, Instant.now());
        Path file = build.buildDir().resolve(Sbom.FILE_NAME);
        CycloneDx.write(sbom, file);
        build.extraFiles().put(Sbom.FILE_NAME, file);
        build.log().info("SBOM: " + sbom.packages().size() + " packages, kernel "
                + sbom.kernel().map(c -> c.version()).orElse("unknown"));
    }

    @Override
    public void cleanup(BuildContext build) throws Exception {
        if (!build.published()) Files.deleteIfExists(build.buildDir().resolve(Sbom.FILE_NAME));
    }
}
