package io.ingot.fleet;

import io.ingot.distribution.S3Clients;
import io.ingot.distribution.S3Location;
import io.ingot.images.ImageStore;
import io.ingot.pipeline.BuildEngine;
import io.ingot.pipeline.stage.StandardStages;
import io.ingot.tls.ClientTrust;
import io.ingot.util.IngotPaths;
import io.ingot.util.UserError;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * {@code ingot worker}: one Camel Main with the build route and the worker's routes, on a connection to the
 * daemon's broker. It cleans what an earlier run of itself left (its recovery), finds its labels, and takes
 * requests until it is closed; its last heartbeat says it stops.
 */
public final class WorkerProcess implements AutoCloseable {
    public static final String ROUTES = "classpath:routes/build.camel.yaml,classpath:routes/worker.camel.yaml";

    /**
     * What {@code ingot worker}'s options say; {@code s3} may be null (then the worker can deliver nothing);
     * {@code trust}: whom to trust on a TLS broker ({@code --tls-ca}, {@code --tls-fingerprint}).
     */
    public record Settings(String broker, String token, String s3, int concurrency, List<String> labels, String name, ClientTrust trust) {
        public Settings {
            labels = labels == null ? List.of() : List.copyOf(labels);
            trust = trust == null ? ClientTrust.DEFAULT : trust;
        }
    }

    private final BrokerConnection connection;
    private final BuildEngine engine;
    private final Worker worker;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private WorkerProcess(BrokerConnection connection, BuildEngine engine, Worker worker) {
        this.connection = connection;
        this.engine = engine;
        this.worker = worker;
    }

    public static WorkerProcess start(IngotPaths paths, Settings s, Consumer<String> out) throws Exception {
        if (s.s3() == null) {
            throw new UserError("a worker delivers its templates through the fleet's bucket: give --s3 s3://BUCKET[/PREFIX] "
                    + "(broker.storage in the daemon's daemon.yaml)");
        }
        S3Location bucket = S3Location.parse(s.s3());
        BrokerConnection connection = BrokerConnection.open(s.broker(), s.token(), s.trust());
        try {
            S3Clients clients = S3Clients.fromEnvironment();
            try (S3Client s3 = clients.create()) {
                s3.headBucket(b -> b.bucket(bucket.bucket()));
            } catch (SdkException e) {
                throw new UserError("--s3: cannot reach " + bucket + ": " + shortly(e.getMessage()));
            }
            connection.check();
            for (String line : new WorkerRecovery(paths).run()) out.accept("recovery: " + line);
            ImageStore store = ImageStore.open(paths);
            String host = WorkerProfile.hostName();
            WorkerProfile profile = new WorkerProfile(s.name() != null ? s.name() : host, host, s.concurrency(),
                    WorkerProfile.probeLabels(paths, true, s.labels()), List.of(S3Delivery.key(bucket)));
            Delivery delivery = new S3Delivery(store, bucket, clients, line -> out.accept("    " + line));
            Worker worker = new Worker(profile, paths, deliver -> deliver.equals(S3Delivery.key(bucket)) ? delivery : null, true);
            Map<String, Object> beans = new HashMap<>();
            beans.put("jms", connection.transacted());
            beans.put("events", connection.events());
            beans.put("worker", worker);
            Properties props = new Properties();
            props.setProperty("ingot.worker.enabled", "true");
            props.setProperty("ingot.worker.concurrency", Integer.toString(profile.concurrency()));
            props.setProperty("ingot.worker.selector", profile.selector());
            BuildEngine engine = new BuildEngine(StandardStages.of(paths), ROUTES, beans, props);
            worker.start(engine.runner(paths), engine.camelContext().createProducerTemplate());
            out.accept("worker " + profile.name() + " on " + host + ": labels " + String.join(", ", profile.labels()) + "; "
                    + profile.concurrency() + " build(s) at once; broker " + BrokerConnection.display(s.broker())
                    + (s.trust().given() ? " (TLS, " + (s.trust().pin() != null ? "pinned " + s.trust().pin() : "CA " + s.trust().caFile()) + ")" : "")
                    + "; templates to " + bucket);
            return new WorkerProcess(connection, engine, worker);
        } catch (Exception | Error e) {
            connection.close();
            throw e;
        }
    }

    /** An SDK message's first sentence (a missing credential lists every provider it tried). */
    static String shortly(String message) {
        String first = message == null ? "" : message.lines().findFirst().orElse("");
        int cut = first.indexOf(" providers in the chain");
        if (cut > 0) return first.substring(0, cut) + " providers (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)";
        return first.length() > 300 ? first.substring(0, 300) + "..." : first;
    }

    public Worker worker() { return worker; }

    /** Blocks until {@link #close}. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Stops taking requests; one in flight goes back to the broker (another worker builds it). */
    @Override
    public synchronized void close() {
        if (stopped.getCount() == 0) return;
        worker.stopping();
        try {
            engine.camelContext().createProducerTemplate().sendBody("events:topic:" + FleetNames.WORKERS, worker.heartbeat());
        } catch (RuntimeException e) {
            // the broker may be gone already
        }
        engine.close();
        connection.close();
        stopped.countDown();
    }
}
