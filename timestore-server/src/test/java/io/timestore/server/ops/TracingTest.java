package io.timestore.server.ops;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.timestore.server.testing.Api;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.TimestoreServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Issue 8: one ingestion request as a span tree, continuing the caller's traceparent. */
class TracingTest {
    private static final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private static final String INCOMING_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String INCOMING_SPAN = "00f067aa0ba902b7";

    @RegisterExtension
    static final TimestoreServer server = TimestoreServer.create().withOpenTelemetry(OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
            .build());

    @BeforeAll
    static void dataset() {
        server.tenant("acme");
        var created = server.api().postJson("/storage/v1/datasets", "{\"id\": \"cpu\"}",
                bearer(server.tokens().user("acme", "tenant-admin")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }

    @Test
    void an_ingestion_request_is_one_trace_under_the_server_span_continuing_the_incoming_traceparent() {
        spans.reset();
        var response = server.api().postJson("/storage/v1/datasets/cpu/points",
                "{\"points\": [{\"measurement\": \"m\", \"time\": 1700000000000000000, \"fields\": {\"v\": 1.0}}]}",
                Api.headers(bearer(server.tokens().user("acme", "writer")),
                        new String[] {"traceparent", "00-" + INCOMING_TRACE + "-" + INCOMING_SPAN + "-01"}));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(204);

        Await.until("the server span ended", Duration.ofSeconds(5),
                () -> spans.getFinishedSpanItems().stream().anyMatch(s -> s.getKind() == SpanKind.SERVER));
        var trace = spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(INCOMING_TRACE)).toList();
        var root = trace.stream().filter(s -> s.getKind() == SpanKind.SERVER).toList();
        assertThat(root).singleElement().satisfies(span -> {
            assertThat(span.getParentSpanId()).isEqualTo(INCOMING_SPAN);
            assertThat(span.getName()).isEqualTo("POST /storage/v1/datasets/{dataset}/points");
            assertThat(span.getAttributes().asMap().toString()).contains("http.route=/storage/v1/datasets/{dataset}/points");
        });
        var server = root.getFirst();
        assertThat(response.header("traceparent")).isEqualTo("00-%s-%s-01".formatted(INCOMING_TRACE, server.getSpanId()));
        assertThat(trace).extracting(SpanData::getName)
                .contains("authenticate", "resolve tenant", "authorize", "db.transaction", "audit wait");
        var byId = trace.stream().collect(Collectors.toMap(SpanData::getSpanId, Function.identity()));
        assertThat(trace).filteredOn(s -> s != server)
                .allSatisfy(span -> assertThat(descendsFrom(span, server, byId)).as(span.getName()).isTrue());
        assertThat(spans.getFinishedSpanItems()).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(INCOMING_TRACE));
        assertThat(children(server, trace)).contains("authenticate", "resolve tenant", "audit wait");
    }

    @Test
    void without_a_traceparent_the_server_span_is_a_root_and_its_trace_id_is_the_one_logged_and_returned() {
        spans.reset();
        var response = server.api().get("/storage/v1/datasets/cpu", bearer(server.tokens().user("acme", "reader")));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);

        Await.until("the server span ended", Duration.ofSeconds(5),
                () -> spans.getFinishedSpanItems().stream().anyMatch(s -> s.getKind() == SpanKind.SERVER));
        var root = spans.getFinishedSpanItems().stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
        assertThat(root.getParentSpanContext().isValid()).isFalse();
        assertThat(response.header("traceparent")).isEqualTo("00-%s-%s-01".formatted(root.getTraceId(), root.getSpanId()));
    }

    private static boolean descendsFrom(SpanData span, SpanData ancestor, Map<String, SpanData> byId) {
        for (var current = span; current != null; current = byId.get(current.getParentSpanId())) {
            if (current.getParentSpanId().equals(ancestor.getSpanId())) {
                return true;
            }
        }
        return false;
    }

    private static List<String> children(SpanData parent, List<SpanData> trace) {
        return trace.stream().filter(s -> s.getParentSpanId().equals(parent.getSpanId())).map(SpanData::getName).toList();
    }
}
