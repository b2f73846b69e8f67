package io.timestore.server.auditapi;

import io.javalin.http.Context;
import io.timestore.server.http.CursorScope;
import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.InvalidRequest.FieldError;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The filters of {@code GET /api/audit/v1alpha1/events}, parsed and checked: unknown parameters
 * and unknown enumerated values are 400 rather than silently matching nothing.
 */
record EventFilter(Optional<Instant> from, Optional<Instant> to, Map<String, String> equals) {
    /** Query parameter -> column; every one is an exact match on an indexed or filtered column. */
    static final Map<String, String> COLUMNS = Map.ofEntries(
            Map.entry("actor", "actor_id"), Map.entry("action", "action"), Map.entry("component", "component"),
            Map.entry("resource_type", "resource_type"), Map.entry("resource_id", "resource_id"),
            Map.entry("dataset", "dataset_id"), Map.entry("result", "result"), Map.entry("request_id", "request_id"),
            Map.entry("severity", "severity"), Map.entry("auth_method", "auth_method"));
    private static final Set<String> OTHER = Set.of("from", "to", "limit", "cursor", "tenant");
    private static final Set<String> RESULTS = Set.of("succeeded", "failed", "denied");
    private static final Set<String> SEVERITIES = Set.of("info", "warn", "error", "security");
    private static final Set<String> AUTH_METHODS = Set.of("jwt", "api_token", "signed_request", "legacy", "none", "internal");

    static EventFilter parse(Context ctx) {
        var errors = new ArrayList<FieldError>();
        for (var name : ctx.queryParamMap().keySet()) {
            if (!COLUMNS.containsKey(name) && !OTHER.contains(name)) {
                errors.add(FieldError.at("/" + name, "unknown filter; known: from, to, " + String.join(", ", new java.util.TreeSet<>(COLUMNS.keySet()))));
            } else if (ctx.queryParams(name).size() > 1 && !name.equals("tenant")) {
                errors.add(FieldError.at("/" + name, "give this filter at most once"));
            }
        }
        var from = time(ctx, "from", errors);
        var to = time(ctx, "to", errors);
        if (from.isPresent() && to.isPresent() && !from.get().isBefore(to.get())) {
            errors.add(FieldError.at("/to", "must be after from"));
        }
        var equals = new java.util.TreeMap<String, String>();
        for (var entry : COLUMNS.entrySet()) {
            var value = ctx.queryParam(entry.getKey());
            if (value == null) {
                continue;
            }
            value = switch (entry.getKey()) {
                case "result" -> oneOf(value, RESULTS, "result", errors);
                case "severity" -> oneOf(value, SEVERITIES, "severity", errors);
                case "auth_method" -> oneOf(value, AUTH_METHODS, "auth_method", errors);
                default -> value;
            };
            if (value.isEmpty() || value.length() > 512) {
                errors.add(FieldError.at("/" + entry.getKey(), "must be 1-512 characters"));
            }
            equals.put(entry.getValue(), value);
        }
        if (!errors.isEmpty()) {
            throw new InvalidRequest("the audit query is invalid", errors);
        }
        return new EventFilter(from, to, equals);
    }

    /** {@code scope} bound to this filter too: each bound and exact match that was given, in a fixed order. */
    CursorScope boundTo(CursorScope scope) {
        var bound = scope.with("from", from.map(DateTimeFormatter.ISO_INSTANT::format))
                .with("to", to.map(DateTimeFormatter.ISO_INSTANT::format));
        for (var match : new TreeMap<>(equals).entrySet()) {
            bound = bound.with(match.getKey(), match.getValue());
        }
        return bound;
    }

    private static String oneOf(String value, Set<String> allowed, String name, List<FieldError> errors) {
        var normalised = value.strip().toLowerCase(Locale.ROOT);
        if (!allowed.contains(normalised)) {
            errors.add(FieldError.at("/" + name, "must be one of " + new java.util.TreeSet<>(allowed)));
        }
        return normalised;
    }

    private static Optional<Instant> time(Context ctx, String name, List<FieldError> errors) {
        var value = ctx.queryParam(name);
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(value));
        } catch (DateTimeParseException e) {
            errors.add(FieldError.at("/" + name, "must be an RFC 3339 time such as 2026-11-22T00:00:00Z"));
            return Optional.empty();
        }
    }
}
