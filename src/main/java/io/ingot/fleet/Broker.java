package io.ingot.fleet;

import io.ingot.tls.ServerIdentity;
import io.ingot.util.UserError;
import org.apache.activemq.artemis.api.core.TransportConfiguration;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.remoting.impl.netty.NettyAcceptor;
import org.apache.activemq.artemis.core.remoting.impl.netty.NettyAcceptorFactory;
import org.apache.activemq.artemis.core.remoting.impl.netty.TransportConstants;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.Queue;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;

/**
 * The broker {@code ingot serve} embeds unless told to use an external one: Apache ActiveMQ Artemis with its
 * journal under {@code <state>/broker/} (a queued build survives a restart of the broker), reachable in this
 * JVM through an in-VM acceptor and, when {@code listen} is given, over TCP for workers on other hosts. Every
 * connection authenticates as user {@value FleetNames#USER} with the daemon's token ({@link TokenSecurity}).
 * With the daemon's TLS identity, the TCP acceptor takes TLS connections only (the token never crosses the
 * network in clear).
 */
public final class Broker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Broker.class);
    /** The TLS acceptor's key store, while the broker runs (a copy of the daemon's key: removed on close). */
    static final String ACCEPTOR_KEY_STORE = "acceptor.p12";

    private final EmbeddedActiveMQ embedded;
    private final int inVmId;
    private final String tcpUrl;
    private final Path keyStore;

    private Broker(EmbeddedActiveMQ embedded, int inVmId, String tcpUrl, Path keyStore) {
        this.embedded = embedded;
        this.inVmId = inVmId;
        this.tcpUrl = tcpUrl;
        this.keyStore = keyStore;
    }

    /** Without TLS. */
    public static Broker start(Path dir, String listen, String token) throws Exception {
        return start(dir, listen, token, null);
    }

    /**
     * Starts the broker.
     * @param dir    its journal, bindings, paging and large-message folders
     * @param listen {@code tcp://HOST:PORT} for workers on other hosts (port 0 picks a free one), or null for none
     * @param token  the password every client must give
     * @param tls    the key and certificate of the TCP acceptor, or null for plain TCP
     */
    public static Broker start(Path dir, String listen, String token, ServerIdentity tls) throws Exception {
        int inVmId = new SecureRandom().nextInt(1 << 30); // several daemons may run in one JVM (tests)
        Configuration c = new ConfigurationImpl()
                .setName("ingot")
                .setPersistenceEnabled(true)
                .setJournalType(JournalType.NIO) // no libaio needed
                .setJournalDirectory(dir.resolve("journal").toString())
                .setBindingsDirectory(dir.resolve("bindings").toString())
                .setPagingDirectory(dir.resolve("paging").toString())
                .setLargeMessagesDirectory(dir.resolve("large-messages").toString())
                .setNodeManagerLockDirectory(dir.toString())
                .setSecurityEnabled(true)
                .setJMXManagementEnabled(false)
                // under a heavy load of emulated guests the analyzer would take slow I/O for a dead broker and halt it
                .setCriticalAnalyzer(false)
                // the host's disk fills with images; a full disk fails the build that fills it, not the queue
                .setMaxDiskUsage(-1);
        c.addAcceptorConfiguration("invm", "vm://" + inVmId);
        if (listen != null) {
            c.addAcceptorConfiguration(new TransportConfiguration(NettyAcceptorFactory.class.getName(),
                    tcpAcceptor(listen, dir.resolve(ACCEPTOR_KEY_STORE), tls), "tcp"));
            checkFree(URI.create(listen));
        }
        // the workers decide when a request is dead (FleetNames.MAX_ATTEMPTS): the broker redelivers it as often
        // as it is handed back, a little later each time a worker gave it back after a failed attempt
        // nothing goes to a broker dead-letter or expiry queue (expired heartbeats are dropped): addresses without queues
        c.addAddressSetting("#", new AddressSettings().setDeadLetterAddress(SimpleString.of("ingot.undeliverable"))
                .setExpiryAddress(SimpleString.of("ingot.expired")));
        c.addAddressSetting(FleetNames.BUILDS, new AddressSettings().setMaxDeliveryAttempts(-1)
                .setRedeliveryDelay(2000).setRedeliveryMultiplier(2).setMaxRedeliveryDelay(30_000));
        c.addAddressSetting(FleetNames.RESULTS, new AddressSettings().setMaxDeliveryAttempts(-1).setRedeliveryDelay(5000));
        for (String q : new String[] {FleetNames.BUILDS, FleetNames.DEAD_LETTERS, FleetNames.RESULTS}) {
            c.addQueueConfiguration(QueueConfiguration.of(q).setRoutingType(RoutingType.ANYCAST).setDurable(true));
        }
        EmbeddedActiveMQ embedded = new EmbeddedActiveMQ().setConfiguration(c).setSecurityManager(new TokenSecurity(token));
        try {
            embedded.start();
        } catch (Exception e) {
            try {
                embedded.stop();
            } catch (Exception ignored) {
                // it did not start
            }
            throw new UserError("cannot start the build broker" + (listen == null ? "" : " on " + listen) + ": " + e.getMessage());
        }
        if (!embedded.getActiveMQServer().isActive()) {
            embedded.stop();
            throw new UserError("cannot start the build broker" + (listen == null ? "" : " on " + listen) + " (see the log above)");
        }
        String tcp = null;
        if (listen != null) {
            if (!(embedded.getActiveMQServer().getRemotingService().getAcceptor("tcp") instanceof NettyAcceptor acceptor)
                    || !acceptor.isStarted()) {
                embedded.stop();
                throw new UserError("cannot listen for workers on " + listen + " (port in use?)");
            }
            URI u = URI.create(listen);
            tcp = "tcp://" + u.getHost() + ":" + acceptor.getActualPort();
        }
        LOG.info("build broker (Artemis, journal {}){}", dir, tcp == null ? "" : ", workers connect to " + tcp);
        return new Broker(embedded, inVmId, tcp, listen != null && tls != null ? dir.resolve(ACCEPTOR_KEY_STORE) : null);
    }

    /** A port taken by another process is one line, before Artemis logs its own stack trace about it. */
    private static void checkFree(URI listen) {
        if (listen.getPort() == 0) return;
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(listen.getHost(), listen.getPort()));
        } catch (IOException e) {
            throw new UserError("cannot listen for workers on " + listen + ": " + e.getMessage());
        }
    }

    /**
     * The TCP acceptor's settings for {@code listen}; with a key store (written there now, mode 0600, under a
     * password of this process), TLS.
     */
    static Map<String, Object> tcpAcceptor(String listen, Path keyStore, ServerIdentity tls) throws IOException {
        URI u = checkListen(listen);
        Map<String, Object> p = new HashMap<>();
        p.put(TransportConstants.HOST_PROP_NAME, u.getHost());
        p.put(TransportConstants.PORT_PROP_NAME, u.getPort());
        p.put(TransportConstants.PROTOCOLS_PROP_NAME, "CORE");
        if (tls != null) {
            char[] password = ServerIdentity.randomPassword();
            tls.writePkcs12(keyStore, password);
            p.put(TransportConstants.SSL_ENABLED_PROP_NAME, true);
            p.put(TransportConstants.KEYSTORE_TYPE_PROP_NAME, "PKCS12");
            p.put(TransportConstants.KEYSTORE_PATH_PROP_NAME, keyStore.toString());
            p.put(TransportConstants.KEYSTORE_PASSWORD_PROP_NAME, new String(password));
        }
        return p;
    }

    static URI checkListen(String listen) {
        URI u;
        try {
            u = URI.create(listen);
        } catch (IllegalArgumentException e) {
            throw new UserError("broker.listen: not a URL: " + listen);
        }
        if (!"tcp".equals(u.getScheme()) || u.getHost() == null || u.getPort() < 0) {
            throw new UserError("broker.listen must be tcp://HOST:PORT (e.g. tcp://0.0.0.0:61616), got '" + listen + "'");
        }
        return u;
    }

    /** The URL clients in this JVM use (no network). */
    public String inVmUrl() { return "vm://" + inVmId; }

    /** The URL workers on other hosts use, or null when the broker does not listen on TCP. */
    public String tcpUrl() { return tcpUrl; }

    /** Whether workers connect with TLS. */
    public boolean tls() { return keyStore != null; }

    /** Messages in a queue now (those being delivered included), by the broker's own count. */
    public long messageCount(String queue) {
        Queue q = server().locateQueue(SimpleString.of(queue));
        return q == null ? 0 : q.getMessageCount();
    }

    ActiveMQServer server() { return embedded.getActiveMQServer(); }

    @Override
    public void close() {
        try {
            embedded.stop();
        } catch (Exception e) {
            LOG.warn("stopping the build broker: {}", e.getMessage());
        }
        try {
            if (keyStore != null) Files.deleteIfExists(keyStore);
        } catch (IOException e) {
            LOG.warn("removing {}: {}", keyStore, e.getMessage());
        }
    }
}
