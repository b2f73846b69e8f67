package io.timestore.server.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;
import java.util.regex.Pattern;

/** Reads and checks the {@code metrics.*} and {@code tracing.*} settings. */
final class TelemetrySettingsReader {
    private static final Pattern SERVICE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    private TelemetrySettingsReader() {}

    static TelemetrySettings read(SettingsLoader.Values values) {
        var serviceName = values.text(SettingKey.TRACING_SERVICE_NAME);
        if (!SERVICE_NAME.matcher(serviceName).matches()) {
            throw values.invalidValue(SettingKey.TRACING_SERVICE_NAME,
                    "must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return new TelemetrySettings(
                values.bool(SettingKey.METRICS_PER_TENANT),
                values.intBetween(SettingKey.METRICS_PER_TENANT_LIMIT, 1, 10_000),
                endpoint(values),
                serviceName);
    }

    private static Optional<URI> endpoint(SettingsLoader.Values values) {
        var text = values.optional(SettingKey.TRACING_OTLP_ENDPOINT).filter(s -> !s.isBlank());
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            var uri = new URI(text.get());
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null
                    && uri.getQuery() == null && uri.getUserInfo() == null) {
                return Optional.of(uri);
            }
        } catch (URISyntaxException e) {
            // falls through to the error below
        }
        throw values.invalidValue(SettingKey.TRACING_OTLP_ENDPOINT,
                "must be an http(s) URL of an OTLP/HTTP collector without credentials or query, e.g. http://otel-collector:4318");
    }
}
