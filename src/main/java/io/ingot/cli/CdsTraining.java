package io.ingot.cli;

import io.ingot.distribution.S3Clients;
import io.ingot.template.Manifest;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
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
        try {
            // the listings read every version's manifest; the scratch catalog has none
            Manifest.fromJson("{\"name\":\"t\",\"version\":1,\"disk\":{\"actualSize\":1}}");
        } catch (IOException | RuntimeException ignored) {
            // only the classes it loads matter
        }
    }
}
