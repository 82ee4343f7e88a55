package io.ingot.daemon;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.ingot.recipe.RecipePaths;
import io.ingot.util.Durations;
import io.ingot.util.IngotPaths;
import io.ingot.util.Json;
import io.ingot.util.UserError;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The daemon's settings, from {@code <images>/daemon.yaml} (all optional), overridden by the command line.
 * {@code scheduleOverride} (a Quartz cron with seconds) replaces every recipe's cron: for tests only.
 * {@code allowPaths}: folders besides a recipe's own that the files it names may be in (relative to ingot's home).
 * {@code hostNames}: more names a request's Host header may carry (the daemon's own names and addresses always
 * may); {@code idleTimeout}: a connection with no request in progress (or still sending its headers) is closed
 * after it; {@code requestTimeout}: a request not answered by then gets 503; {@code maxConcurrentBuilds}: builds the
 * daemon's own worker runs at once (0: none, only workers build); {@code broker}: see {@link Broker}.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record DaemonConfig(String bind, Integer port, Integer maxConcurrentBuilds, Integer pauseAfterFailures,
                           Boolean openReads, String recipes, String scheduleOverride, List<String> allowPaths,
                           List<String> hostNames, String idleTimeout, String requestTimeout, Broker broker) {
    public static final String FILE_NAME = "daemon.yaml";
    public static final int DEFAULT_PORT = 8470;

    public DaemonConfig {
        bind = bind == null ? "127.0.0.1" : bind;
        port = port == null ? DEFAULT_PORT : port;
        maxConcurrentBuilds = maxConcurrentBuilds == null ? 1 : maxConcurrentBuilds;
        pauseAfterFailures = pauseAfterFailures == null ? 3 : pauseAfterFailures;
        openReads = openReads != null && openReads;
        recipes = recipes == null ? "recipes" : recipes;
        allowPaths = allowPaths == null ? List.of() : List.copyOf(allowPaths);
        hostNames = hostNames == null ? List.of() : List.copyOf(hostNames);
        idleTimeout = idleTimeout == null ? "30s" : idleTimeout;
        requestTimeout = requestTimeout == null ? "60s" : requestTimeout;
        broker = broker == null ? Broker.DEFAULT : broker;
        if (!Durations.isValid(idleTimeout)) throw new UserError(FILE_NAME + ": idleTimeout must be a duration such as 30s, got '" + idleTimeout + "'");
        if (!Durations.isValid(requestTimeout)) throw new UserError(FILE_NAME + ": requestTimeout must be a duration such as 60s, got '" + requestTimeout + "'");
        if (port < 0 || port > 65535) throw new UserError(FILE_NAME + ": port must be 0..65535, got " + port);
        if (maxConcurrentBuilds < 0) throw new UserError(FILE_NAME + ": maxConcurrentBuilds must be >= 0 (0: only workers build), got " + maxConcurrentBuilds);
        if (pauseAfterFailures < 1) throw new UserError(FILE_NAME + ": pauseAfterFailures must be >= 1, got " + pauseAfterFailures);
    }

    /**
     * The build broker: {@code url} of an external Artemis broker (absent: the daemon embeds one, its journal under
     * {@code <images>/.ingot/broker/}); {@code listen}, where the embedded broker takes workers from other hosts
     * ({@code tcp://0.0.0.0:61616}; absent: only the daemon's own worker builds); {@code maxAttempts} of a build
     * before its request goes to the dead letters; {@code storage}, the bucket workers on other hosts push
     * templates to ({@code s3://BUCKET[/PREFIX]}), from which the daemon registers them.
     */
    @JsonIgnoreProperties(ignoreUnknown = false)
    public record Broker(String url, String listen, Integer maxAttempts, String storage) {
        public static final Broker DEFAULT = new Broker(null, null, null, null);

        public Broker {
            maxAttempts = maxAttempts == null ? 3 : maxAttempts;
            if (maxAttempts < 1) throw new UserError(FILE_NAME + ": broker.maxAttempts must be >= 1, got " + maxAttempts);
            if (url != null && listen != null) {
                throw new UserError(FILE_NAME + ": broker.listen is for the embedded broker; with broker.url workers connect to that broker");
            }
        }
    }

    private static final ObjectMapper YAML = YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    public static DaemonConfig defaults() {
        return new DaemonConfig(null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public static DaemonConfig load(IngotPaths paths) {
        Path file = paths.images().resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) return defaults();
        try {
            DaemonConfig c = YAML.readValue(file.toFile(), DaemonConfig.class);
            return c == null ? defaults() : c;
        } catch (JsonProcessingException e) {
            throw new UserError(file + ": " + Json.problem(e));
        } catch (IOException e) {
            throw new UserError(file + ": " + e.getMessage().lines().findFirst().orElse("unreadable"));
        }
    }

    public DaemonConfig withListen(String bind, Integer port) {
        return new DaemonConfig(bind == null ? this.bind : bind, port == null ? this.port : port, maxConcurrentBuilds,
                pauseAfterFailures, openReads, recipes, scheduleOverride, allowPaths, hostNames, idleTimeout, requestTimeout, broker);
    }

    public DaemonConfig withRecipes(String recipes, String scheduleOverride, int pauseAfterFailures) {
        return new DaemonConfig(bind, port, maxConcurrentBuilds, pauseAfterFailures, openReads, recipes, scheduleOverride,
                allowPaths, hostNames, idleTimeout, requestTimeout, broker);
    }

    /** The same settings with other HTTP timeouts (tests use short ones). */
    public DaemonConfig withTimeouts(String idleTimeout, String requestTimeout) {
        return new DaemonConfig(bind, port, maxConcurrentBuilds, pauseAfterFailures, openReads, recipes, scheduleOverride,
                allowPaths, hostNames, idleTimeout, requestTimeout, broker);
    }

    /** The same settings with more names allowed in a request's Host header. */
    public DaemonConfig withHostNames(List<String> hostNames) {
        return new DaemonConfig(bind, port, maxConcurrentBuilds, pauseAfterFailures, openReads, recipes, scheduleOverride,
                allowPaths, hostNames, idleTimeout, requestTimeout, broker);
    }

    /** The same settings with another broker (--broker, tests). */
    public DaemonConfig withBroker(Broker broker) {
        return new DaemonConfig(bind, port, maxConcurrentBuilds, pauseAfterFailures, openReads, recipes, scheduleOverride,
                allowPaths, hostNames, idleTimeout, requestTimeout, broker);
    }

    /** The same settings with another number of builds the daemon's own worker runs at once (0: none). */
    public DaemonConfig withMaxConcurrentBuilds(int n) {
        return new DaemonConfig(bind, port, n, pauseAfterFailures, openReads, recipes, scheduleOverride,
                allowPaths, hostNames, idleTimeout, requestTimeout, broker);
    }

    public Duration idle() { return Durations.parse(idleTimeout); }

    public Duration requestTime() { return Durations.parse(requestTimeout); }

    /** Where the files a recipe names may be: its own folder and {@code allowPaths}. */
    public RecipePaths recipePaths(IngotPaths paths) {
        return new RecipePaths(allowPaths.stream().map(p -> paths.home().resolve(p)).toList());
    }

    /** The recipes directory, relative to ingot's home unless absolute. */
    public Path recipesDir(IngotPaths paths) {
        return paths.home().resolve(recipes);
    }

    public InetAddress bindAddress() {
        try {
            return InetAddress.getByName(bind);
        } catch (UnknownHostException e) {
            throw new UserError("--bind: unknown address '" + bind + "'");
        }
    }
}
