package io.ingot.cli;

import io.ingot.distribution.Puller;
import io.ingot.distribution.S3Clients;
import io.ingot.images.ImageStore;
import io.ingot.util.Concurrently;
import io.ingot.util.IngotPaths;
import io.ingot.util.Json;
import io.ingot.util.Sha256;
import io.ingot.template.Manifest;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.List;
import java.util.Map;

/**
 * The launcher's training run for its class data sharing archive (AppCDS): runs the read commands once, with
 * their output dropped, in a JVM started with {@code -XX:ArchiveClassesAtExit}, so that the archive holds what
 * they load. The launcher points {@code INGOT_IMAGES} at an empty scratch directory for it.
 */
public final class CdsTraining {
    private CdsTraining() { }

    public static void main(String[] args) {
        PrintWriter none = new PrintWriter(Writer.nullWriter());
        for (List<String> command : List.of(List.of("--help"), List.of("templates"), List.of("templates", "--json"),
                List.of("versions", "none"), List.of("versions", "none", "--json"), List.of("clones"),
                List.of("clones", "--json"), List.of("pool"), List.of("validate", "--help"))) {
            Main.run(command.toArray(String[]::new), none, none);
        }
        // ingot s3 and ingot pull s3://: the SDK's client and one request (refused: nothing listens on port 9 of loopback)
        try (S3Client s3 = new S3Clients(Map.of("AWS_ACCESS_KEY_ID", "cds", "AWS_SECRET_ACCESS_KEY", "cds",
                "AWS_ENDPOINT_URL", "http://127.0.0.1:9")).create()) {
            s3.headObject(b -> b.bucket("cds-training").key("none"));
        } catch (RuntimeException ignored) {
            // only the classes it loads matter
        }
        pull();
        try {
            // the listings read every version's manifest; the scratch catalog has none
            Manifest.fromJson("{\"name\":\"t\",\"version\":1,\"disk\":{\"actualSize\":1}}");
        } catch (IOException | RuntimeException ignored) {
            // only the classes it loads matter
        }
    }

    /**
     * ingot pull's own steps that need no daemon: the HTTP client and one request (refused, as above), this site's
     * key made and a folder signed and verified with it (Ed25519, the provenance), files fetched at once.
     */
    private static void pull() {
        try {
            ImageStore store = ImageStore.open(IngotPaths.fromEnvironment());
            try {
                new Puller(store, null, new PrintStream(OutputStream.nullOutputStream()), -1)
                        .pull(URI.create("http://127.0.0.1:9"), "cds-training:1", "local");
            } catch (IOException | RuntimeException ignored) {
                // refused: nothing listens there
            }
            Path dir = Files.createDirectories(store.paths().state().resolve("cds-training"));
            Files.writeString(dir.resolve(Manifest.FILE_NAME), "{}");
            Concurrently.run(2, () -> Sha256.of(dir.resolve(Manifest.FILE_NAME)), () -> Sha256.of(dir.resolve(Manifest.FILE_NAME)));
            store.trust().sign(dir, Map.of(), Json.MAPPER.createObjectNode());
            store.trust().verifyDir("cds-training", dir);
        } catch (IOException | InterruptedException | RuntimeException ignored) {
            // only the classes it loads matter
        }
    }
}
