package io.timestore.server.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Captures every log event of this JVM while open, rendered with its message, arguments, MDC,
 * key-value pairs and stack trace: everything an encoder could write. For checking that secrets
 * never reach the logs.
 */
public final class CapturedLogs extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final List<String> lines = new CopyOnWriteArrayList<>();

    public static CapturedLogs capture() {
        var context = (LoggerContext) LoggerFactory.getILoggerFactory();
        var capture = new CapturedLogs();
        capture.setContext(context);
        capture.setName("test-capture");
        capture.start();
        var root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.addAppender(capture);
        // Capture everything the server could log, not just what the console shows.
        root.setLevel(ch.qos.logback.classic.Level.DEBUG);
        return capture;
    }

    @Override
    protected void append(ILoggingEvent event) {
        var line = new StringBuilder()
                .append(event.getLevel()).append(' ').append(event.getLoggerName()).append(' ')
                .append(event.getFormattedMessage()).append(' ').append(event.getMDCPropertyMap());
        if (event.getKeyValuePairs() != null) {
            event.getKeyValuePairs().forEach(kv -> line.append(' ').append(kv.key).append('=').append(kv.value));
        }
        for (var proxy = event.getThrowableProxy(); proxy != null; proxy = proxy.getCause()) {
            line.append(' ').append(proxy.getClassName()).append(": ").append(proxy.getMessage());
        }
        lines.add(line.toString());
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void close() {
        var context = (LoggerContext) LoggerFactory.getILoggerFactory();
        var root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAppender(this);
        root.setLevel(ch.qos.logback.classic.Level.INFO);
        stop();
    }
}
