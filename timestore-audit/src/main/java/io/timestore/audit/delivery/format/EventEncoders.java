package io.timestore.audit.delivery.format;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;

/** The delivery formats: {@code timestore} and {@code ocsf}, each optionally in a CloudEvents envelope. */
public final class EventEncoders {
    /** The formats a sink may be configured with. */
    public enum Format {
        /** The stored event JSON, unchanged (docs/audit-events.md): chains can be re-verified downstream. */
        TIMESTORE,
        /** OCSF API Activity (class_uid 6003), schema 1.3.0. */
        OCSF;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** @throws IllegalArgumentException naming the accepted labels */
        public static Format fromLabel(String label) {
            for (var format : values()) {
                if (format.label().equals(label)) {
                    return format;
                }
            }
            throw new IllegalArgumentException("must be timestore or ocsf (found \"%s\")".formatted(label));
        }
    }

    /** The CloudEvents {@code source} when none is configured. */
    public static final String DEFAULT_SOURCE = "urn:timestore:audit";

    private EventEncoders() {}

    /**
     * An encoder for {@code format}, wrapped in a CloudEvents 1.0 structured envelope when
     * {@code cloudEvents} is set, with {@code source} as the envelope's {@code source} attribute.
     *
     * @throws IllegalArgumentException if {@code source} is not a non-empty URI reference
     */
    public static EventEncoder create(Format format, boolean cloudEvents, String source) {
        Objects.requireNonNull(format, "format");
        JsonRecordFormat inner = switch (format) {
            case TIMESTORE -> new TimestoreFormat();
            case OCSF -> new OcsfFormat();
        };
        return cloudEvents ? new CloudEventsEnvelope(inner, checkSource(source)) : inner;
    }

    /** @throws IllegalArgumentException if {@code source} is not a non-empty URI reference */
    public static String checkSource(String source) {
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("must be a non-empty URI reference");
        }
        try {
            new URI(source);
            return source;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("must be a URI reference (%s)".formatted(e.getReason()), e);
        }
    }

}
