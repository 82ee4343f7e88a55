package io.ingot.daemon.http;

import io.ingot.util.UserError;

import java.net.InetAddress;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * What every request must pass before any route sees it, in this order: a path without {@code ..} or an
 * encoded {@code .}, {@code /} or {@code \} (400); a Host header that names this daemon (403, against DNS
 * rebinding); the bearer token for writes, and for reads from other addresses unless reads are open (401).
 */
public final class RequestGuard {
    private final HostAllowList hosts;
    private final Predicate<String> tokenAccepts;
    private final boolean openReads;

    /**
     * @param tokenAccepts checks an {@code Authorization} header value against the daemon's token
     * @param openReads    reads need no token from any address (daemon.yaml's openReads)
     */
    public RequestGuard(HostAllowList hosts, Predicate<String> tokenAccepts, boolean openReads) {
        this.hosts = hosts;
        this.tokenAccepts = tokenAccepts;
        this.openReads = openReads;
    }

    /** Throws a {@link UserError} or an {@link HttpError} for a request that must not go further. */
    public void check(String method, String rawPath, String host, InetAddress remote, String authorization) {
        String lower = rawPath.toLowerCase(Locale.ROOT);
        if (rawPath.contains("..") || lower.contains("%2e") || lower.contains("%2f") || lower.contains("%5c") || rawPath.contains("\\")) {
            throw new UserError("bad path '" + rawPath + "': no '..', no encoded '.', '/' or '\\'");
        }
        // no Host at all is an HTTP/1.0 tool on this machine or a script, never a browser page
        if (host != null && !hosts.allows(host)) {
            throw HttpError.forbidden("Host '" + host + "' is not a name of this daemon (add it to hostNames in daemon.yaml)");
        }
        boolean read = method.equals("GET") || method.equals("HEAD");
        boolean local = remote != null && remote.isLoopbackAddress();
        if ((!read || !(openReads || local)) && !tokenAccepts.test(authorization)) {
            throw HttpError.unauthorized();
        }
    }
}
