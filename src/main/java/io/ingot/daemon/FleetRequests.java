package io.ingot.daemon;

import io.ingot.catalog.TemplateVersion;
import io.ingot.distribution.S3Clients;
import io.ingot.distribution.S3Location;
import io.ingot.distribution.S3Push;
import io.ingot.fleet.BuildRequest;
import io.ingot.fleet.RecipeBundle;
import io.ingot.fleet.S3Delivery;
import io.ingot.images.ImageStore;
import io.ingot.recipe.LoadedRecipe;
import io.ingot.recipe.Recipe;
import io.ingot.qemu.QemuImg;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.io.IOException;

/**
 * Makes the request for a queued build: the recipe as it is now, bundled with its files; the hash of its
 * inputs; for a recipe made {@code from} a template, the version that resolves to now (pushed to the fleet's
 * bucket first, when workers on other hosts build there and it is not in it yet); and the version number the
 * template will have, reserved in the catalog once per build.
 */
final class FleetRequests implements BuildQueue.Requests {
    private static final Logger LOG = LoggerFactory.getLogger(FleetRequests.class);

    private final ImageStore store;
    private final Recipes recipes;
    private final InputHash.ChecksumLists lists;
    private final S3Location bucket;
    private final S3Clients clients;
    private final int maxAttempts;

    /** @param bucket where workers on other hosts push templates, or null: only the daemon's own worker builds */
    FleetRequests(ImageStore store, Recipes recipes, InputHash.ChecksumLists lists, S3Location bucket, S3Clients clients, int maxAttempts) {
        this.store = store;
        this.recipes = recipes;
        this.lists = lists;
        this.bucket = bucket;
        this.clients = clients;
        this.maxAttempts = maxAttempts;
    }

    /** The {@code deliver} value of this daemon's requests. */
    String deliver() {
        return bucket == null ? "local" : S3Delivery.key(bucket);
    }

    @Override
    public BuildRequest request(BuildJob job) throws IOException {
        LoadedRecipe loaded = recipes.get(job.recipe());
        Recipe r = loaded.recipe();
        RecipeBundle.Packed bundle = RecipeBundle.pack(loaded);
        String hash = InputHash.of(loaded, lists);
        BuildRequest.Parent parent = null;
        if (r.from() != null) {
            TemplateVersion pv = store.catalog().resolve(TemplateRef.parse(r.from()));
            Manifest.Disk disk = pv.manifest().disk();
            parent = new BuildRequest.Parent(r.from(), pv.ref(), disk == null ? null : disk.sha256(), inBucket(pv));
        }
        int version = job.version() != null ? job.version() : store.catalog().reserveVersion(r.name());
        return new BuildRequest(job.id(), r.name(), job.source(), job.submitted(), version, r.publish().storage(),
                r.publish().channel(), r.build().requires(), deliver(), maxAttempts, hash, parent, bundle.recipeFile(), bundle.base64());
    }

    /** The parent in the fleet's bucket (pushed there now if missing), or null without a bucket. */
    private String inBucket(TemplateVersion v) throws IOException {
        if (bucket == null) return null;
        try (S3Client s3 = clients.create()) {
            try {
                s3.headObject(b -> b.bucket(bucket.bucket()).key(bucket.versionKey(v.name(), v.version(), Manifest.FILE_NAME)));
            } catch (NoSuchKeyException e) {
                LOG.info("pushing the parent {} to {} for the workers", v.ref(), bucket);
                new S3Push(store, s3, new QemuImg(), LOG::info).push(v.ref(), bucket);
            }
        }
        return S3Delivery.url(bucket, v.ref());
    }
}
