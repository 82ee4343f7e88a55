package io.ingot.fleet;

import io.ingot.tls.ClientTrust;
import io.ingot.util.UserError;
import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.component.jms.JmsComponent;
import org.springframework.jms.connection.CachingConnectionFactory;

import java.util.regex.Pattern;

/**
 * A connection to the build broker for a Camel context: two JMS components on one Artemis connection factory.
 * {@code jms} is for the transacted routes (a build request is acknowledged in the same local transaction as the
 * result sent for it); {@code events} sends outside any transaction, so that "started" and "attempt failed" reach
 * the daemon even when the request itself is handed back. Consumers take one message at a time
 * ({@code consumerWindowSize=0}): a busy worker holds no queued request another could build.
 */
public final class BrokerConnection implements AutoCloseable {
    private static final Pattern PASSWORD = Pattern.compile("(?i)(password=)[^&]*");

    private final String url;
    private final ActiveMQConnectionFactory artemis;
    private final CachingConnectionFactory transacted;
    private final CachingConnectionFactory plain;
    private final BrokerTrust tls;

    private BrokerConnection(String url, ActiveMQConnectionFactory artemis, BrokerTrust tls) {
        this.url = url;
        this.artemis = artemis;
        this.transacted = caching(artemis);
        this.plain = caching(artemis);
        this.tls = tls;
    }

    /** Without a {@link ClientTrust} of the user's (plain TCP, or TLS as the URL's own parameters say). */
    public static BrokerConnection open(String url, String token) {
        return open(url, token, ClientTrust.DEFAULT);
    }

    /**
     * @param url      {@code tcp://HOST:PORT[?...]} or the embedded broker's {@code vm://N}; a {@code user=} and
     *                 {@code password=} in it are used as given, else user {@value FleetNames#USER} and {@code token}
     * @param token    the daemon's API token (the embedded broker's password)
     * @param trust    with a CA file or a pinned fingerprint: TLS, trusting those only ({@link BrokerTrust})
     */
    public static BrokerConnection open(String url, String token, ClientTrust trust) {
        if (url == null || !(url.startsWith("tcp://") || url.startsWith("vm://"))) {
            throw new UserError("broker URL must be tcp://HOST:PORT (Artemis), got '" + url + "'");
        }
        BrokerTrust tls = BrokerTrust.apply(url, trust);
        ActiveMQConnectionFactory cf;
        try {
            cf = new ActiveMQConnectionFactory(tls.url());
        } catch (RuntimeException e) {
            tls.close();
            throw new UserError("bad broker URL " + display(url) + ": " + e.getMessage());
        }
        if (cf.getUser() == null) cf.setUser(FleetNames.USER);
        if (cf.getPassword() == null) cf.setPassword(token);
        cf.setConsumerWindowSize(0);
        return new BrokerConnection(url, cf, tls);
    }

    private static CachingConnectionFactory caching(ActiveMQConnectionFactory cf) {
        CachingConnectionFactory c = new CachingConnectionFactory(cf);
        c.setSessionCacheSize(8);
        c.setCacheConsumers(false); // consumers with selectors come and go with the listener containers
        c.setReconnectOnException(true);
        return c;
    }

    /** Connects once, so that a wrong URL or password is one clear line instead of endless retries. */
    public BrokerConnection check() {
        try (Connection c = artemis.createConnection()) {
            c.start();
        } catch (JMSException e) {
            close();
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            String hint = why.contains("Failed to create session factory") && !tls.url().contains("sslEnabled=true")
                    ? " (no broker answered in clear: if the daemon serves --tls, give --tls-fingerprint or --tls-ca)" : "";
            throw new UserError("cannot connect to the build broker at " + display(url) + ": "
                    + (why.contains("AMQ229031") || why.contains("AMQ229032") ? "user or password refused (INGOT_TOKEN?)" : why + hint));
        }
        return this;
    }

    /** The component for transacted routes (bind it as {@code jms}). */
    public JmsComponent transacted() {
        return JmsComponent.jmsComponent(transacted);
    }

    /** The component for sends outside the transaction (bind it as {@code events}). */
    public JmsComponent events() {
        return JmsComponent.jmsComponent(plain);
    }

    public String url() { return url; }

    /** The URL as it may be printed: a password in it masked. */
    public static String display(String url) {
        return url == null ? null : PASSWORD.matcher(url).replaceAll("$1****");
    }

    @Override
    public void close() {
        transacted.destroy();
        plain.destroy();
        artemis.close();
        tls.close();
    }
}
