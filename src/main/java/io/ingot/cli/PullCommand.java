package io.ingot.cli;

import io.ingot.distribution.Puller;
import io.ingot.catalog.TemplateVersion;
import io.ingot.images.ImageStore;
import io.ingot.target.oci.OciPull;
import io.ingot.target.oci.OciReference;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.tls.ClientTrust;
import io.ingot.trust.TrustPolicy;
import io.ingot.util.IngotPaths;
import io.ingot.util.ProgressBar;
import io.ingot.util.UserError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.URI;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

@Command(name = "pull", mixinStandardHelpOptions = true,
        description = {"Download a template version from another ingot daemon or an S3 bucket.",
                "Fetches the base image, manifest and RAM template files, resuming an interrupted download,",
                "verifies every sha256 and its signed provenance (by a trusted key: ingot key), and registers",
                "the version in the local catalog with its lineage.",
                "From S3: ingot pull s3://BUCKET[/PREFIX]/NAME[:VERSION|@CHANNEL] (as ingot s3 pull).",
                "From an OCI registry: ingot pull oci://REGISTRY/REPO:TAG (or @sha256:DIGEST), an image",
                "ingot push made (oci+http:// for a plain-HTTP registry on loopback)."})
public class PullCommand implements Callable<Integer> {
    /** Debug: the pull's steps with their times, where its start goes. */
    private static final Logger LOG = LoggerFactory.getLogger(PullCommand.class);

    @Parameters(index = "0", paramLabel = "URL", description = "The daemon, e.g. http://templates.example:8470, or s3://BUCKET/NAME..., or oci://REGISTRY/REPO:TAG")
    String url;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME[:VERSION|@CHANNEL]", description = "What to pull (from a daemon).")
    String ref;

    @Option(names = "--storage", paramLabel = "S", defaultValue = "local", description = "Local storage to put it on (default local).")
    String storage;

    @Option(names = "--token", paramLabel = "TOKEN", description = "Bearer token, if the daemon does not open reads to this host (or INGOT_TOKEN).")
    String token;

    @Option(names = "--allow-unsigned", description = "Accept a version that carries no signed provenance (migration from an older ingot); "
            + "a signature that does not verify is refused still. Default: images/trust.yaml's require (signed).")
    boolean allowUnsigned;

    @Mixin
    TlsClientOptions tls = new TlsClientOptions();

    @Override
    public Integer call() throws Exception {
        LOG.debug("pull: command start");
        if (url.startsWith("s3://")) {
            if (ref != null) throw new UserError("with an s3:// URL the template is part of it: s3://BUCKET/" + ref);
            S3Command.Pull.pull(url, storage, allowUnsigned);
            return 0;
        }
        if (OciReference.isOci(url)) {
            if (ref != null) throw new UserError("with an oci:// URL the image is part of it: oci://REGISTRY/REPO:TAG");
            ImageStore store = ImageStore.open(IngotPaths.fromEnvironment(), ProgressBar.Factory.console());
            TemplateVersion v = new OciPull(store, line -> System.err.println(line), allowUnsigned ? TrustPolicy.NONE : null).pull(url, storage);
            System.out.println("pulled " + v.ref() + " into storage " + storage);
            return 0;
        }
        if (ref == null) throw new UserError("missing NAME[:VERSION|@CHANNEL] to pull from " + url);
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new UserError("bad URL '" + url + "'");
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) throw new UserError("URL must start with http:// or https://: " + url);
        TemplateRef.parse(ref); // a bad name is refused before anything else
        ClientTrust trust = tls.trust();
        if (trust.given() && !"https".equals(uri.getScheme())) throw new UserError("--tls-fingerprint and --tls-ca are for an https:// URL, got " + url);
        ProgressBar.Factory bars = ProgressBar.Factory.console();
        // the images folder opens (a new one: its catalog made) while the pull's first requests go out
        CompletableFuture<ImageStore> store = CompletableFuture.supplyAsync(() -> {
            ImageStore s = ImageStore.open(IngotPaths.fromEnvironment(), bars);
            LOG.debug("pull: images folder open");
            return s;
        });
        String t = token != null ? token : System.getenv("INGOT_TOKEN");
        System.out.println("pulling " + ref + " from " + uri);
        Puller.Result r;
        try {
            r = new Puller(store, t, System.out, -1, bars, trust.sslContext()).requiring(allowUnsigned ? TrustPolicy.NONE : null)
                    .pull(uri, ref, storage);
        } catch (SSLException e) {
            throw ClientTrust.explain(e, uri.getHost() + ":" + uri.getPort());
        } catch (IOException e) {
            if (!ClientTrust.noAnswer(e)) throw e;
            throw ClientTrust.explain(e, uri.getHost() + ":" + uri.getPort());
        }
        System.out.println("pulled " + r.version().ref() + " into storage " + storage
                + (r.resumedFrom() > 0 ? " (resumed; " + r.resumedFrom() + " bytes were already here)" : "")
                + (r.version().manifest().lineage().isEmpty() ? "" : ", lineage " + String.join(" <- ", r.version().manifest().lineage().stream().map(Manifest.Ancestor::ref).toList())));
        return 0;
    }
}
