package io.timestore.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

/** The shipped JSON log format: its field names, and credentials masked wherever they appear (G7). */
class JsonLogMaskingTest {
    private static final String API_TOKEN = "tsk_0123456789abcdef01234567_c2VjcmV0LXNlY3JldC1zZWNyZXQ";
    private static final String JWT = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz";
    private final ObjectMapper json = new ObjectMapper();
    private LoggerContext context;
    private ch.qos.logback.core.encoder.Encoder<ILoggingEvent> encoder;

    @BeforeEach
    @SuppressWarnings("unchecked")
    void configure_the_shipped_json_format() throws Exception {
        context = new LoggerContext();
        context.putProperty("FORMAT", "json");
        var configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(Logging.class.getResource("logback-configure.xml"));
        assertThat(new ch.qos.logback.core.status.StatusUtil(context).getHighestLevel(0))
                .as("the shipped configuration loads without warnings").isLessThan(ch.qos.logback.core.status.Status.WARN);
        var async = (AsyncAppender) context.getLogger("ROOT").getAppender("ASYNC");
        var appender = (OutputStreamAppender<ILoggingEvent>) async.getAppender("CONSOLE");
        encoder = (ch.qos.logback.core.encoder.Encoder<ILoggingEvent>) appender.getEncoder();
    }

    @AfterEach
    void stop() {
        context.stop();
    }

    @Test
    void every_line_carries_ts_level_logger_msg_and_the_request_fields() throws Exception {
        var line = encode("request handled", Map.of("request_id", "r-1", "trace_id", "0af7651916cd43dd8448eb211c80319c",
                "tenant", "acme", "actor", "alice", "route", "/storage/v1/datasets/{dataset}/points"));

        assertThat(line.fieldNames()).toIterable()
                .contains("ts", "level", "logger", "msg", "request_id", "trace_id", "tenant", "actor", "route");
        assertThat(line.get("msg").asText()).isEqualTo("request handled");
        assertThat(line.get("level").asText()).isEqualTo("INFO");
    }

    @Test
    void credentials_are_masked_in_the_message_the_mdc_and_key_values() throws Exception {
        var line = encode("client sent Authorization: Bearer " + JWT + " and Token " + API_TOKEN + " and bare " + API_TOKEN,
                Map.of("request_id", "r-2", "header", "Bearer opaque-secret-value"),
                new KeyValuePair("token", API_TOKEN), new KeyValuePair("jwt", JWT));
        var text = line.toString();

        assertThat(text).doesNotContain(API_TOKEN).doesNotContain(JWT).doesNotContain("opaque-secret-value")
                .doesNotContain("c2VjcmV0").doesNotContain("eyJzdWIi");
        assertThat(line.get("msg").asText()).contains("Bearer ****").contains("Token ****");
        assertThat(line.get("token").asText()).isEqualTo("****");
        assertThat(line.get("request_id").asText()).isEqualTo("r-2");
    }

    @Test
    void ordinary_text_is_left_alone() throws Exception {
        var line = encode("the token expired for tenant acme", Map.of());

        assertThat(line.get("msg").asText()).isEqualTo("the token expired for tenant acme");
    }

    private JsonNode encode(String message, Map<String, String> mdc, KeyValuePair... pairs) throws Exception {
        var logger = context.getLogger("io.timestore.test");
        var event = new LoggingEvent(JsonLogMaskingTest.class.getName(), logger, Level.INFO, message, null, null);
        event.setMDCPropertyMap(mdc);
        for (var pair : pairs) {
            event.addKeyValuePair(pair);
        }
        return json.readTree(new String(encoder.encode(event), StandardCharsets.UTF_8));
    }
}
