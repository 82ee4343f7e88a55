package io.ingot.fleet;

import io.ingot.distribution.S3Clients;
import io.ingot.distribution.S3Location;
import io.ingot.distribution.S3Pull;
import io.ingot.distribution.S3Push;
import io.ingot.images.ImageStore;
import io.ingot.pipeline.BuildOptions;
import io.ingot.qemu.QemuImg;
import io.ingot.storage.StorageConfig;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.util.Durations;
import io.ingot.util.LimitedRead;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A worker on another host: the build publishes into the worker's own storage (a scratch catalog; the daemon
 * alone keeps the real one), then {@code ingot s3 push}'s code puts the version into the fleet's bucket as
 * {@code NAME/VERSION/} with the build id in its manifest, and the daemon registers it from there. A version whose
 * manifest in the bucket already names this build was delivered by an earlier attempt.
 */
public final class S3Delivery implements Delivery {
    private final ImageStore store;
    private final S3Location bucket;
    private final S3Clients clients;
    private final Consumer<String> log;

    public S3Delivery(ImageStore store, S3Location bucket, S3Clients clients, Consumer<String> log) {
        this.store = store;
        this.bucket = bucket;
        this.clients = clients;
        this.log = log;
    }

    /** The {@code deliver} value of requests for this bucket: {@code s3:BUCKET/PREFIX}. */
    public static String key(S3Location at) {
        return "s3:" + at.bucket() + "/" + at.prefix();
    }

    /** The URL {@code ingot s3 pull} takes for NAME:VERSION in this bucket. */
    public static String url(S3Location at, String ref) {
        return at + "/" + ref;
    }

    @Override
    public Optional<String> delivered(BuildRequest r) throws IOException {
        try (S3Client s3 = clients.create()) {
            String key = bucket.versionKey(r.recipe(), r.version(), Manifest.FILE_NAME);
            byte[] json = LimitedRead.read(s3.getObject(b -> b.bucket(bucket.bucket()).key(key)), LimitedRead.JSON_ANSWER,
                    key + " in bucket " + bucket.bucket(), "a manifest is never that large");
            Manifest m = Manifest.fromForeign(json, Manifest.FILE_NAME + " of " + url(bucket, r.ref()));
            return Objects.equals(m.buildId(), r.id()) ? Optional.of(url(bucket, r.ref())) : Optional.empty();
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean publishedHere(BuildRequest r) {
        return store.catalog().version(r.recipe(), r.version()).filter(v -> Objects.equals(v.buildId(), r.id())).isPresent();
    }

    @Override
    public void parent(BuildRequest.Parent parent) throws IOException {
        TemplateRef ref = TemplateRef.parse(parent.ref());
        if (store.catalog().version(ref.name(), ref.version()).isPresent()) return;
        if (parent.s3() == null) throw new IOException("the parent " + parent.ref() + " is not in the fleet's bucket");
        log.accept("pulling the parent " + parent.ref() + " from " + parent.s3());
        try (S3Client s3 = clients.create()) {
            new S3Pull(store, s3, log, n -> { }).pull(parent.s3(), StorageConfig.LOCAL, null);
        }
    }

    @Override
    public BuildOptions.PublishAs publishAs(BuildRequest r) {
        // the worker's own storage, no channel: the daemon points the channel when it registers the version
        return new BuildOptions.PublishAs(r.version(), List.of(StorageConfig.LOCAL), null);
    }

    @Override
    public String deliver(BuildRequest r) throws IOException {
        long start = System.nanoTime();
        try (S3Client s3 = clients.create()) {
            S3Push.Pushed p = new S3Push(store, s3, new QemuImg(), log).push(r.ref(), bucket);
            log.accept("pushed " + p.ref() + " to " + bucket + " (" + (p.diskBytes() >> 20) + " MiB compressed) in "
                    + Durations.format(Duration.ofNanos(System.nanoTime() - start)));
        }
        // the worker's copy was only the way there; the bucket and the daemon keep it now
        store.versions().remove(r.recipe(), r.version(), true);
        return url(bucket, r.ref());
    }

    @Override
    public boolean local() {
        return false;
    }
}
