package io.timestore.server.auditapi;

import com.fasterxml.jackson.databind.JsonNode;
import io.timestore.server.http.Csv;
import java.util.List;

/** One CSV line per event (RFC 4180 quoting), with the columns auditors filter and sort on. */
final class CsvRows {
    private static final List<String> POINTERS = List.of("/event_id", "/tenant_id", "/occurred_at", "/request_id",
            "/trace_id", "/actor/id", "/actor/type", "/actor/auth_method", "/operation/action", "/operation/component",
            "/operation/resource_type", "/operation/resource_id", "/operation/dataset_id", "/outcome/result",
            "/outcome/status", "/outcome/error/code", "/severity", "/request/method", "/request/path", "/seq", "/hash");
    static final String HEADER = String.join(",", POINTERS.stream().map(p -> p.substring(1).replace('/', '.')).toList()) + Csv.CRLF;

    private CsvRows() {}

    static String row(JsonNode event) {
        var line = new StringBuilder();
        for (int i = 0; i < POINTERS.size(); i++) {
            if (i > 0) {
                line.append(',');
            }
            var value = event.at(POINTERS.get(i));
            if (!value.isMissingNode() && !value.isNull()) {
                line.append(Csv.text(value.asText()));
            }
        }
        return line.append(Csv.CRLF).toString();
    }
}
