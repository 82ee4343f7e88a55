package io.ingot.daemon;

import io.ingot.server.http.HostAllowList;
import io.ingot.tls.ServerIdentity;
import io.ingot.util.IngotPaths;
import io.ingot.util.UserError;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The daemon's TLS identity, for its HTTP server and its broker's TCP acceptor: the admin's certificate and key
 * ({@code --tls-cert}, {@code --tls-key}), or a self-made one kept under {@code <state>/tls/} whose fingerprint
 * clients pin. Also the warnings for what the daemon would otherwise send in clear beyond this host.
 */
public record DaemonTls(ServerIdentity identity, Path selfMadeDir) {
    public static final String DIR = "tls";

    /**
     * The identity for {@code ingot serve --tls}: from the given files (both or neither), else self-made for the
     * daemon's names (localhost, loopback addresses, the host's names, the bind address, daemon.yaml's hostNames).
     */
    public static DaemonTls choose(IngotPaths paths, DaemonConfig config, String certFile, String keyFile, Instant now) {
        if ((certFile == null) != (keyFile == null)) throw new UserError("give both --tls-cert and --tls-key, or neither (a self-made certificate)");
        if (certFile != null) return new DaemonTls(ServerIdentity.load(Path.of(certFile), Path.of(keyFile), now), null);
        Path dir = paths.state().resolve(DIR);
        List<String> names = new ArrayList<>(List.of("localhost"));
        names.addAll(HostAllowList.forDaemon(config.bindAddress(), config.hostNames()).names());
        return new DaemonTls(ServerIdentity.selfMade(dir, names, now), dir);
    }

    public boolean selfMade() { return selfMadeDir != null; }

    /**
     * What a daemon without TLS sends in clear to other hosts: one warning per listener bound beyond loopback
     * (the API and its token; the broker and the token as its password). Empty with TLS or on loopback only.
     */
    public static List<String> plainWarnings(DaemonConfig config, boolean tls) {
        if (tls) return List.of();
        List<String> out = new ArrayList<>();
        if (!config.bindAddress().isLoopbackAddress()) {
            out.add("the API on " + config.bind() + " is plain HTTP: the API token, templates and build logs cross the network "
                    + "unencrypted and can be read or changed on the way. Serve with --tls, or bind to 127.0.0.1.");
        }
        String listen = config.broker().listen();
        if (listen != null && !loopback(listen)) {
            out.add("the build broker on " + listen + " is plain TCP: workers send the API token as their password in clear. "
                    + "Serve with --tls, or listen on 127.0.0.1.");
        }
        return out;
    }

    private static boolean loopback(String listen) {
        try {
            String host = URI.create(listen).getHost();
            return host != null && InetAddress.getByName(host).isLoopbackAddress();
        } catch (IllegalArgumentException | UnknownHostException e) {
            return false; // the broker refuses it later, with its own message
        }
    }
}
