package io.timestore.server.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;

/**
 * CORS on the listener (docs/configuration.md): off when {@code allowedOrigins} is empty (the
 * default). Each allowed origin is exact, {@code scheme://host[:port]} with scheme http or https
 * and nothing after the authority; {@code *} is refused, because the answers allow credentials
 * (browsers refuse {@code *} with credentials, and a wildcard would let any site's scripts use a
 * logged-in browser's credentials).
 *
 * @param allowedOrigins the origins whose browser scripts may call the API, lower-cased
 */
public record CorsSettings(List<String> allowedOrigins) {
    public static final CorsSettings OFF = new CorsSettings(List.of());

    public CorsSettings {
        allowedOrigins = allowedOrigins.stream().map(CorsSettings::origin).toList();
    }

    public boolean enabled() {
        return !allowedOrigins.isEmpty();
    }

    /** Whether {@code origin}, as a browser sent it in {@code Origin}, is allowed (exact match, case-insensitive). */
    public boolean allows(String origin) {
        return origin != null && allowedOrigins.contains(origin.toLowerCase(Locale.ROOT));
    }

    private static String origin(String text) {
        if (text.contains("*")) {
            throw new IllegalArgumentException("'" + text + "' is a wildcard; list each allowed origin exactly"
                    + " (scheme://host[:port]), as the answers allow credentials");
        }
        try {
            var uri = new URI(text);
            var scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null && uri.getUserInfo() == null
                    && (uri.getRawPath() == null || uri.getRawPath().isEmpty()) && uri.getRawQuery() == null
                    && uri.getRawFragment() == null) {
                return text.toLowerCase(Locale.ROOT);
            }
        } catch (URISyntaxException e) {
            // falls through to the error below
        }
        throw new IllegalArgumentException("'" + text + "' is not an origin: expected scheme://host[:port] with scheme http or"
                + " https and no path, e.g. https://grafana.example.com");
    }
}
