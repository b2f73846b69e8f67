package io.timestore.server.query;

import com.fasterxml.jackson.core.JsonFactory;
import io.timestore.server.http.Representations;
import java.util.List;

/** The representations of a query's result, chosen by the request's {@code Accept} header. */
enum QueryFormat {
    JSON(Representations.JSON, "application/json"),
    CSV(Representations.CSV, "text/csv; charset=utf-8; header=present");

    /** What the query routes produce, the default first. */
    static final List<String> MEDIA_TYPES = List.of(Representations.JSON, Representations.CSV);

    private final String mediaType;
    private final String contentType;

    QueryFormat(String mediaType, String contentType) {
        this.mediaType = mediaType;
        this.contentType = contentType;
    }

    /** The format of one of {@link #MEDIA_TYPES}. */
    static QueryFormat of(String mediaType) {
        for (var format : values()) {
            if (format.mediaType.equals(mediaType)) {
                return format;
            }
        }
        throw new IllegalArgumentException("no query format for " + mediaType);
    }

    /** The response's Content-Type. */
    String contentType() {
        return contentType;
    }

    /** A new output for one response. */
    SeriesOutput open(JsonFactory json, boolean epochNanos) {
        return this == JSON ? new JsonSeriesOutput(json, epochNanos) : new CsvSeriesOutput(json, epochNanos);
    }
}
