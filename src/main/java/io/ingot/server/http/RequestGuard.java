package io.ingot.server.http;

import io.ingot.util.UserError;

import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * What every request must pass before any route sees it, in this order: a path without {@code ..} or an
 * encoded {@code .}, {@code /} or {@code \} (400); exactly one well-formed Host header (400, {@link #host}) that
 * names this daemon (403, against DNS rebinding); the bearer token for writes, and for reads from other addresses
 * unless reads are open (401).
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

    /**
     * The request's one Host header, or a {@link UserError} (400) when it has none, several, or one that is no host
     * name: a client's mistake, answered like any bad input, never a server error or a warning in the log. Called
     * before Vert.x Web sees the request (it fails an HTTP/1.1 request without Host as a server error).
     */
    public String host(List<String> hostHeaders) {
        if (hostHeaders.isEmpty()) throw new UserError("the request has no Host header (send Host: NAME[:PORT])");
        if (hostHeaders.size() > 1) throw new UserError("the request has " + hostHeaders.size() + " Host headers; send one");
        String host = hostHeaders.get(0);
        if (HostAllowList.hostOf(host) == null) throw new UserError("malformed Host header '" + printable(host) + "' (expected NAME[:PORT])");
        return host;
    }

    /** Throws a {@link UserError} or an {@link HttpError} for a request that must not go further; {@code host} as {@link #host} gave it. */
    public void check(String method, String rawPath, String host, InetAddress remote, String authorization) {
        String lower = rawPath.toLowerCase(Locale.ROOT);
        if (rawPath.contains("..") || lower.contains("%2e") || lower.contains("%2f") || lower.contains("%5c") || rawPath.contains("\\")) {
            throw new UserError("bad path '" + rawPath + "': no '..', no encoded '.', '/' or '\\'");
        }
        if (!hosts.allows(host)) {
            throw HttpError.forbidden("Host '" + printable(host) + "' is not a name of this daemon (add it to hostNames in daemon.yaml)");
        }
        boolean read = method.equals("GET") || method.equals("HEAD");
        boolean local = remote != null && remote.isLoopbackAddress();
        if ((!read || !(openReads || local)) && !tokenAccepts.test(authorization)) {
            throw HttpError.unauthorized();
        }
    }

    /** A header value fit for a one-line message: control characters shown as '?', at most 100 characters. */
    private static String printable(String value) {
        String s = value.replaceAll("\\p{Cntrl}", "?");
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }
}
