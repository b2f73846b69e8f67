package io.timestore.server.query;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.timestore.server.config.InfluxQlSettings;
import io.timestore.server.config.InfluxQlSettings.AuditedStatement;
import io.timestore.server.testing.AuditLog;
import io.timestore.server.testing.SharedPostgres;
import io.timestore.server.testing.TimestoreServer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code influxql.audit-statement}: what a {@code /query} request's audit event holds of the query
 * ({@code redacted}, the default, is covered by {@code InfluxQlQueryTest}). Each mode on a server of its own.
 */
class InfluxQlAuditedStatementTest {
    private static SharedPostgres postgres;

    @RegisterExtension
    static final BeforeAllCallback shared = context -> postgres = SharedPostgres.in(context);

    private static final String QUERY = "SELECT count(\"v\") FROM \"cpu\" WHERE \"host\" = 'secret-host' AND time >= 1700000000000ms";

    /** The one event of a query sent to a server whose {@code influxql.audit-statement} is {@code mode}. */
    private static JsonNode auditedQuery(AuditedStatement mode) {
        var server = TimestoreServer.create().with(settings -> settings.withInfluxQl(new InfluxQlSettings(mode)))
                .start(postgres, "influxql_audit_" + mode.value());
        try {
            server.tenant("acme");
            var created = server.api().postJson("/storage/v1/datasets", "{\"id\": \"metrics\"}",
                    bearer(server.tokens().user("acme", "tenant-admin")));
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            var response = server.api().get("/query?db=metrics&epoch=ms&q=" + URLEncoder.encode(QUERY, StandardCharsets.UTF_8),
                    bearer(server.tokens().user("acme", "reader")));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            var events = new AuditLog(server).eventsFor(response.requestId());
            assertThat(events).hasSize(1);
            return events.getFirst();
        } finally {
            server.stop();
        }
    }

    @Test
    void full_audits_the_query_as_sent_literals_included() {
        var event = auditedQuery(AuditedStatement.FULL);

        assertThat(event.at("/details/statement").asText()).isEqualTo(QUERY);
        assertThat(event.at("/details/statements").asInt()).isEqualTo(1);
    }

    @Test
    void none_audits_no_statement_but_still_the_request_its_dataset_and_statement_count() {
        var event = auditedQuery(AuditedStatement.NONE);

        assertThat(event.at("/details/statement").isMissingNode()).as(event.toString()).isTrue();
        assertThat(event.toString()).doesNotContain("secret-host").doesNotContain("SELECT");
        assertThat(event.at("/details/statements").asInt()).isEqualTo(1);
        assertThat(event.at("/operation/dataset_id").asText()).isEqualTo("metrics");
        assertThat(event.at("/outcome/status").asInt()).isEqualTo(200);
    }
}
