package io.ingot.cli;

import io.ingot.distribution.S3Clients;
import io.ingot.distribution.S3Location;
import io.ingot.distribution.S3Pull;
import io.ingot.trust.TrustPolicy;
import io.ingot.distribution.S3Push;
import io.ingot.images.ImageStore;
import io.ingot.qemu.QemuImg;
import io.ingot.util.Concurrently;
import io.ingot.util.IngotPaths;
import io.ingot.util.ProgressBar;
import io.ingot.util.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

@Command(name = "s3", mixinStandardHelpOptions = true,
        description = {"Distribute template versions through an S3-compatible bucket.",
                "Credentials and endpoint come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL (path-style) or a",
                "profile in ~/.aws/credentials (AWS_PROFILE). See docs/storage.md."},
        subcommands = {S3Command.Push.class, S3Command.Pull.class})
public class S3Command implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** SDK failures (no credentials, access denied, no such bucket, endpoint down) are one line for the user. */
    static UserError s3Error(SdkException e) {
        return new UserError("S3: " + e.getMessage().lines().findFirst().orElse(e.getClass().getSimpleName()));
    }

    @Command(name = "push", mixinStandardHelpOptions = true,
            description = "Upload a template version (compressed disk, RAM template files, manifest, its channels).")
    static class Push implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SOURCE", description = "NAME, NAME:VERSION or NAME@CHANNEL.")
        String source;

        @Parameters(index = "1", paramLabel = "URL", description = "s3://BUCKET[/PREFIX]")
        String url;

        @Override
        public Integer call() throws Exception {
            S3Location to = S3Location.parse(url);
            ImageStore store = ImageStore.open(IngotPaths.fromEnvironment());
            ProgressBar.Factory bars = ProgressBar.Factory.console();
            try (S3Client s3 = S3Clients.fromEnvironment().create()) {
                S3Push.Pushed p = new S3Push(store, s3, new QemuImg(bars), line -> System.err.println("s3: " + line), bars).push(source, to);
                System.out.printf("pushed %s to %s (disk %.1f MiB, sha256 %s%s)%n", p.ref(), p.to(), p.diskBytes() / 1048576.0,
                        p.diskSha256(), p.channels().isEmpty() ? "" : ", channels " + String.join(", ", p.channels()));
            } catch (SdkException e) {
                throw s3Error(e);
            }
            return 0;
        }
    }

    @Command(name = "pull", mixinStandardHelpOptions = true,
            description = {"Download a template version into the catalog.",
                    "Resumes a partial download, verifies each file's sha256 and its signed provenance (by a trusted key: ingot key),",
                    "and registers the version under its own number (revoked when the bucket's signed revocation list names it)."})
    static class Pull implements Callable<Integer> {
        @Parameters(paramLabel = "URL", description = "s3://BUCKET[/PREFIX]/NAME[:VERSION|@CHANNEL] (no version: the newest).")
        String url;

        @Option(names = "--storage", description = "Storage to put it on (default: local).")
        String storage;

        @Option(names = "--allow-unsigned", description = "Accept a version that carries no signed provenance (migration from an older ingot); "
                + "a signature that does not verify is refused still. Default: images/trust.yaml's require (signed).")
        boolean allowUnsigned;

        @Override
        public Integer call() throws Exception {
            pull(url, storage, allowUnsigned);
            return 0;
        }

        /** {@code ingot s3 pull} and {@code ingot pull s3://...}. */
        static void pull(String url, String storage, boolean allowUnsigned) throws Exception {
            ProgressBar.Factory bars = ProgressBar.Factory.console();
            // the SDK's client and the images folder (each a few tenths of a second of setup) at once
            CompletableFuture<S3Client> client = CompletableFuture.supplyAsync(() -> S3Clients.fromEnvironment().create());
            ImageStore store;
            try {
                store = ImageStore.open(IngotPaths.fromEnvironment(), bars);
            } catch (RuntimeException e) {
                client.thenAccept(S3Client::close);
                throw e;
            }
            try (S3Client s3 = Concurrently.result(client)) {
                S3Pull.Pulled p = new S3Pull(store, s3, line -> System.err.println("s3: " + line), n -> { }, bars,
                        allowUnsigned ? TrustPolicy.NONE : null)
                        .pull(url, storage);
                System.out.println("pulled " + p.version().ref() + " onto storage '" + p.storage() + "'"
                        + (p.resumedFrom() > 0 ? " (resumed at " + p.resumedFrom() + " bytes)" : ""));
            } catch (SdkException e) {
                throw s3Error(e);
            }
        }
    }
}
