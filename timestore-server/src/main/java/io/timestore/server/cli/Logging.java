package io.timestore.server.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.status.StatusUtil;
import ch.qos.logback.core.util.StatusPrinter2;
import io.timestore.server.config.LogFormat;
import org.slf4j.LoggerFactory;

/**
 * Chooses the log format and destination once the command line is known. The server logs to
 * stdout; other commands log warnings to stderr so their stdout stays machine-readable
 * ({@code timestore token} prints nothing but the token).
 */
public final class Logging {
    private Logging() {}

    public static void configure(LogFormat format, boolean server) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return; // another SLF4J binding was chosen by the embedding application
        }
        var url = Logging.class.getResource("logback-configure.xml");
        // Only what this configuration reports counts: earlier statuses of the context (e.g. an
        // embedding application's appenders) are not this configuration's problems.
        long since = System.currentTimeMillis();
        context.reset();
        context.putProperty("FORMAT", format.name().toLowerCase(java.util.Locale.ROOT));
        context.putProperty("TARGET", server ? "System.out" : "System.err");
        context.putProperty("LEVEL", server ? "INFO" : "WARN");
        var configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(url);
        } catch (JoranException e) {
            throw new IllegalStateException("the bundled logging configuration is invalid", e);
        }
        var problems = new StatusUtil(context).getHighestLevel(since);
        if (problems >= Status.ERROR) {
            new StatusPrinter2().print(context);
            throw new IllegalStateException("the bundled logging configuration is invalid (details above)");
        }
    }

    /**
     * Writes out every queued line and stops logging: the last step before the process exits,
     * since lines are written by a background thread (see logback-levels.xml).
     */
    public static void stop() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.stop();
        }
    }
}
