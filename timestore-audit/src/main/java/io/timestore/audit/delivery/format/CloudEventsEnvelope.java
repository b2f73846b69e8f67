package io.timestore.audit.delivery.format;

import com.fasterxml.jackson.core.JsonGenerator;
import io.timestore.audit.delivery.SealedEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A CloudEvents 1.0 structured-mode envelope (JSON event format) around another format's record,
 * which goes unchanged into {@code data}. {@code id} is the event id, so the envelope keeps the
 * de-duplication key CloudEvents consumers already use ({@code source} + {@code id}); {@code subject}
 * is the partition (tenant id or {@code _platform}); the extension attributes {@code tenantid} and
 * {@code seq} repeat the partition and the chain position for routers that read only the envelope.
 */
final class CloudEventsEnvelope extends JsonRecordFormat {
    /** The CloudEvents {@code type} of every delivered audit event. */
    static final String TYPE = "dev.timestore.audit.v1";
    static final String OCSF_SCHEMA = "https://schema.ocsf.io/1.3.0/classes/api_activity";

    private final JsonRecordFormat inner;
    private final String source;

    CloudEventsEnvelope(JsonRecordFormat inner, String source) {
        this.inner = inner;
        this.source = source;
    }

    @Override
    public String label() {
        return inner.label() + "+cloudevents";
    }

    @Override
    public String contentType() {
        return "application/cloudevents+json";
    }

    @Override
    public String arrayContentType() {
        return "application/cloudevents-batch+json";
    }

    @Override
    public boolean readsMembers() {
        return inner.readsMembers();
    }

    /** The envelope's members, with the inner record streamed into {@code data}. */
    @Override
    void write(SealedEvent event, JsonGenerator out) throws IOException {
        out.writeStartObject();
        out.writeStringField("specversion", "1.0");
        out.writeStringField("type", TYPE);
        out.writeStringField("source", source);
        out.writeStringField("id", event.eventId().toString());
        out.writeStringField("subject", event.tenantId());
        out.writeStringField("time", event.occurredAt());
        out.writeStringField("datacontenttype", "application/json");
        if (inner instanceof OcsfFormat) {
            out.writeStringField("dataschema", OCSF_SCHEMA);
        }
        out.writeStringField("tenantid", event.tenantId());
        out.writeNumberField("seq", event.seal().seq());
        out.writeFieldName("data");
        var record = inner.ready(event);
        if (record == null) {
            inner.write(event, out);
        } else {
            out.writeRawValue(new String(record, StandardCharsets.UTF_8)); // a complete JSON object
        }
        out.writeEndObject();
    }
}
