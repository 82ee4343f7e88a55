package io.ingot.util;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.Test;

import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogSetupTest {

    @Test
    void logbackFindsItAsAService() {
        assertTrue(ServiceLoader.load(Configurator.class).stream().anyMatch(p -> p.type() == LogSetup.class));
    }

    @Test
    void librariesWarnOnlyTheDaemonReportsToStderr() {
        LoggerContext context = new LoggerContext();
        LogSetup setup = new LogSetup();
        setup.setContext(context);
        // the tests' logback-test.xml is on the class path: it wins, as a user's -Dlogback.configurationFile would
        assertEquals(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY, setup.configure(context));
        String saved = System.getProperty("logback.configurationFile");
        System.setProperty("logback.configurationFile", "mine.xml");
        try {
            assertEquals(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY, setup.configure(context));
        } finally {
            if (saved == null) System.clearProperty("logback.configurationFile"); else System.setProperty("logback.configurationFile", saved);
        }
        assertEquals(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY, setup.apply(context));
        assertEquals(Level.WARN, context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getLevel());
        assertEquals(Level.ERROR, context.getLogger("org.apache.sshd").getLevel());
        assertEquals(Level.WARN, context.getLogger("org.apache.camel").getLevel());
        assertEquals(Level.INFO, context.getLogger("io.ingot.daemon").getLevel());
        var appender = (ConsoleAppender<?>) context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("STDERR");
        assertEquals("System.err", appender.getTarget());
        assertTrue(appender.isStarted());
    }
}
