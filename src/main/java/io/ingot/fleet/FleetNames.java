package io.ingot.fleet;

/** The broker's queues and topic, and the message properties workers select on. */
public final class FleetNames {
    /** Build requests: every worker (the daemon's own too) competes for them. */
    public static final String BUILDS = "ingot.builds";
    /** Requests that failed {@code maxAttempts} times, with the last error; the daemon shows them. */
    public static final String DEAD_LETTERS = "ingot.builds.dead";
    /** What workers tell the daemon: a build started, an attempt failed, a build ended. */
    public static final String RESULTS = "ingot.results";
    /** Log lines of builds on other hosts, as they come (not kept: the result carries the whole log). */
    public static final String LOGS = "ingot.logs";
    /** Worker heartbeats (a topic: not kept, each lives 30 s). */
    public static final String WORKERS = "ingot.workers";
    /** The user every client of the embedded broker connects as; its password is the daemon's API token. */
    public static final String USER = "ingot";

    /** Message property: how the template gets to the daemon ({@code local}, or {@code s3:BUCKET/PREFIX}). */
    public static final String DELIVER = "ingotDeliver";
    /** Message properties {@code ingotRequires0..7}: the labels a worker needs to take the request. */
    public static final String REQUIRES = "ingotRequires";
    /** At most this many required labels per recipe (each is a property a selector tests). */
    public static final int MAX_REQUIRES = 8;
    /** Message property: attempts allowed before the request goes to the dead letters. */
    public static final String MAX_ATTEMPTS = "ingotMaxAttempts";
    /** Message property: the last error of a dead letter. */
    public static final String LAST_ERROR = "ingotLastError";
    /** Artemis's duplicate detection: a request sent twice under one build id is queued once. */
    public static final String DUPLICATE_ID = "_AMQ_DUPL_ID";

    private FleetNames() { }
}
