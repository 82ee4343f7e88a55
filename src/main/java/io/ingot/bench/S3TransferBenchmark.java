package io.ingot.bench;

import io.ingot.catalog.TemplateVersion;
import io.ingot.distribution.S3Location;
import io.ingot.trust.VersionTrust;
import io.ingot.util.Trees;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The S3 half of {@code ingot bench transfer}: {@code ingot s3 push} and {@code ingot s3 pull} of a version through an
 * S3 endpoint (the usual AWS environment, as {@code ingot s3} takes it) against the same version's files moved with
 * the AWS SDK's plain PutObject and GetObject in the same run (this JVM, one client, files streamed from and to disk)
 * and against {@code curl} signing its own requests (one process for all files, as {@code curl} of the daemon's files
 * is; when the environment has static keys); and the bytes each leaves in the bucket. Every run's objects are removed
 * after it.
 */
public final class S3TransferBenchmark {
    private final S3Client s3;
    private final S3Location at;
    private final Optional<S3Curl> curl;
    private final Consumer<String> progress;

    public S3TransferBenchmark(S3Client s3, S3Location at, Optional<S3Curl> curl, Consumer<String> progress) {
        this.s3 = s3;
        this.at = at;
        this.curl = curl;
        this.progress = progress;
    }

    /** The bucket, made when it is not there. */
    void ensureBucket() {
        try {
            s3.headBucket(b -> b.bucket(at.bucket()));
        } catch (S3Exception e) {
            if (e.statusCode() != 404) throw e;
            try {
                s3.createBucket(b -> b.bucket(at.bucket()));
            } catch (BucketAlreadyOwnedByYouException made) {
                // made meanwhile
            }
        }
    }

    /**
     * {@code count} rounds of: the SDK's PutObject of each file, curl's upload of them, {@code ingot s3 push} (run with
     * {@code images}, where the version is), the SDK's GetObject of each file, curl's download of them, {@code ingot s3
     * pull} into an images folder of its own ({@code trust}: fills its trust/ folder).
     */
    Map<String, Object> measure(String label, Path launcher, Path images, Path versionDir, Path work, TemplateVersion v, List<String> files,
                                long logical, int count, TrustSetup trust) throws IOException, InterruptedException {
        List<Double> sdkPut = new ArrayList<>();
        List<Double> sdkGet = new ArrayList<>();
        List<Double> curlPut = new ArrayList<>();
        List<Double> curlGet = new ArrayList<>();
        List<Double> push = new ArrayList<>();
        List<Double> pull = new ArrayList<>();
        long sdkStored = 0;
        long ingotStored = 0;
        Map<String, Object> pulledOnDisk = null;
        for (int i = 0; i < count; i++) {
            String run = "bench-" + label + "-" + System.currentTimeMillis();
            S3Location sdkAt = new S3Location(at.bucket(), at.key(run, "sdk"));
            S3Location ingotAt = new S3Location(at.bucket(), at.key(run, "ingot"));
            S3Location curlAt = new S3Location(at.bucket(), at.key(run, "curl"));
            try {
                long t0 = System.nanoTime();
                for (String f : files) s3.putObject(b -> b.bucket(at.bucket()).key(sdkAt.key(f)), RequestBody.fromFile(versionDir.resolve(f)));
                sdkPut.add(ms(t0));
                sdkStored = stored(sdkAt);

                if (curl.isPresent()) {
                    Map<Path, String> uploads = new LinkedHashMap<>();
                    for (String f : files) uploads.put(versionDir.resolve(f), curlAt.key(f));
                    t0 = System.nanoTime();
                    curl.get().put(at.bucket(), uploads, work);
                    curlPut.add(ms(t0));
                }

                Path log = work.resolve("s3-" + label + ".log");
                t0 = System.nanoTime();
                TransferBenchmark.runIngot(List.of(launcher.toString(), "s3", "push", v.ref(), ingotAt.toString()), images, log, label + ": ingot s3 push");
                push.add(ms(t0));
                ingotStored = stored(ingotAt);

                Path got = work.resolve("sdk-get");
                Files.createDirectories(got);
                t0 = System.nanoTime();
                for (String f : files) {
                    Path to = got.resolve(f.replace('/', '_'));
                    s3.getObject(b -> b.bucket(at.bucket()).key(sdkAt.key(f)), ResponseTransformer.toFile(to));
                }
                sdkGet.add(ms(t0));
                Trees.delete(got);

                if (curl.isPresent()) {
                    Files.createDirectories(got);
                    Map<String, Path> downloads = new LinkedHashMap<>();
                    for (String f : files) downloads.put(curlAt.key(f), got.resolve(f.replace('/', '_')));
                    t0 = System.nanoTime();
                    curl.get().get(at.bucket(), downloads, work);
                    curlGet.add(ms(t0));
                    Trees.delete(got);
                }

                Path dst = work.resolve("s3-dst");
                Files.createDirectories(dst.resolve("trust"));
                trust.fill(dst.resolve("trust"));
                List<String> argv = new ArrayList<>(List.of(launcher.toString(), "s3", "pull", ingotAt + "/" + v.ref()));
                if (!files.contains(VersionTrust.ENVELOPE)) argv.add("--allow-unsigned"); // a version made before signing
                t0 = System.nanoTime();
                TransferBenchmark.runIngot(argv, dst, log, label + ": ingot s3 pull");
                pull.add(ms(t0));
                pulledOnDisk = TransferBenchmark.onDisk(dst.resolve("templates").resolve(v.name()).resolve(Integer.toString(v.version())), files);
                Trees.delete(dst);
            } finally {
                removeAll(at.key(run) + "/");
            }
            progress.accept(String.format("%s S3 run %d/%d: SDK put %.0f ms, %singot s3 push %.0f ms, SDK get %.0f ms, %singot s3 pull %.0f ms",
                    label, i + 1, count, sdkPut.get(i), curl.isPresent() ? String.format("curl put %.0f ms, ", curlPut.get(i)) : "",
                    push.get(i), sdkGet.get(i), curl.isPresent() ? String.format("curl get %.0f ms, ", curlGet.get(i)) : "", pull.get(i)));
        }
        Map<String, Object> side = new LinkedHashMap<>();
        side.put("sdkPut", TransferBenchmark.stats(sdkPut, logical));
        side.put("ingotPush", TransferBenchmark.stats(push, logical));
        side.put("sdkGet", TransferBenchmark.stats(sdkGet, logical));
        side.put("ingotPull", TransferBenchmark.stats(pull, logical));
        side.put("pushVsSdk", Stats.of(sdkPut).p50Ms() / Stats.of(push).p50Ms());
        side.put("pullVsSdk", Stats.of(sdkGet).p50Ms() / Stats.of(pull).p50Ms());
        if (curl.isPresent()) {
            side.put("curlPut", TransferBenchmark.stats(curlPut, logical));
            side.put("curlGet", TransferBenchmark.stats(curlGet, logical));
            side.put("pushVsCurl", Stats.of(curlPut).p50Ms() / Stats.of(push).p50Ms());
            side.put("pullVsCurl", Stats.of(curlGet).p50Ms() / Stats.of(pull).p50Ms());
        }
        side.put("sdkBytesInBucket", sdkStored);
        side.put("ingotBytesInBucket", ingotStored);
        side.put("pulledOnDisk", pulledOnDisk);
        return side;
    }

    /** Fills a pulling images folder's trust/ with the keys this site trusts. */
    interface TrustSetup {
        void fill(Path trustDir) throws IOException;
    }

    private static double ms(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }

    /** Bytes of the objects under {@code where}. */
    private long stored(S3Location where) {
        long n = 0;
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(where.bucket()).prefix(where.prefix() + "/")).contents()) n += o.size();
        return n;
    }

    private void removeAll(String prefix) {
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(at.bucket()).prefix(prefix)).contents()) {
            s3.deleteObject(b -> b.bucket(at.bucket()).key(o.key()));
        }
    }
}
