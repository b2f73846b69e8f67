package io.timestore.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.status.StatusUtil;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

/** The shipped text log format masks credentials in the message and key-value pairs, as the JSON one does (G7). */
class TextLogMaskingTest {
    private static final String API_TOKEN = "tsk_0123456789abcdef01234567_c2VjcmV0LXNlY3JldC1zZWNyZXQ";
    private static final String JWT = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz";
    private LoggerContext context;
    private ch.qos.logback.core.encoder.Encoder<ILoggingEvent> encoder;

    @BeforeEach
    @SuppressWarnings("unchecked")
    void configure_the_shipped_text_format() throws Exception {
        context = new LoggerContext();
        context.putProperty("FORMAT", "text");
        var configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(Logging.class.getResource("logback-configure.xml"));
        assertThat(new StatusUtil(context).getHighestLevel(0)).as("the shipped configuration loads without warnings: %s",
                        context.getStatusManager().getCopyOfStatusList())
                .isLessThan(Status.WARN);
        var async = (AsyncAppender) context.getLogger("ROOT").getAppender("ASYNC");
        encoder = ((OutputStreamAppender<ILoggingEvent>) async.getAppender("CONSOLE")).getEncoder();
    }

    @AfterEach
    void stop() {
        context.stop();
    }

    @Test
    void credentials_are_masked_in_the_message_and_the_key_values() {
        var line = encode("client sent Authorization: Bearer " + JWT + " and Token " + API_TOKEN,
                new KeyValuePair("token", API_TOKEN), new KeyValuePair("header", "TS1-HMAC-SHA256 Credential=k1,Signature=abc"));

        assertThat(line).doesNotContain(API_TOKEN).doesNotContain(JWT).doesNotContain("c2VjcmV0").doesNotContain("Credential=k1")
                .contains("Bearer ****").contains("Token ****").contains("token=\"****\"").contains("header=\"TS1-HMAC-SHA256 ****")
                .contains("[r-1]");
    }

    @Test
    void an_exception_message_and_stack_trace_are_masked_too() {
        var logger = context.getLogger("io.timestore.test");
        var event = new LoggingEvent(TextLogMaskingTest.class.getName(), logger, Level.ERROR, "request failed",
                new IllegalStateException("upstream refused Bearer " + JWT), null);
        event.setMDCPropertyMap(Map.of());

        var line = new String(encoder.encode(event), StandardCharsets.UTF_8);

        assertThat(line).contains("IllegalStateException: upstream refused Bearer ****").doesNotContain(JWT);
    }

    @Test
    void ordinary_text_is_left_alone() {
        assertThat(encode("the token expired for tenant acme", new KeyValuePair("tenant", "acme")))
                .contains("the token expired for tenant acme tenant=\"acme\"");
    }

    private String encode(String message, KeyValuePair... pairs) {
        var logger = context.getLogger("io.timestore.test");
        var event = new LoggingEvent(TextLogMaskingTest.class.getName(), logger, Level.INFO, message, null, null);
        event.setMDCPropertyMap(Map.of("request_id", "r-1"));
        for (var pair : pairs) {
            event.addKeyValuePair(pair);
        }
        return new String(encoder.encode(event), StandardCharsets.UTF_8);
    }
}
