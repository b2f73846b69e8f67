package io.timestore.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.timestore.security.authz.AuthMode;
import io.timestore.security.authz.AuthorizationPolicy;
import io.timestore.security.authz.AuthorizationSettings;
import io.timestore.security.jwt.ClaimNames;
import io.timestore.security.jwt.KeySource;
import io.timestore.security.jwt.TrustedIssuer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Reads and checks the {@code auth.*} settings. */
final class AuthSettingsReader {
    private static final Set<String> ISSUER_MEMBERS = Set.of("issuer", "jwks-url", "jwks-file");

    private AuthSettingsReader() {}

    static AuthSettings read(SettingsLoader.Values values) {
        var issuers = new ArrayList<TrustedIssuer>();
        var single = values.optional(SettingKey.AUTH_ISSUER);
        var singleJwks = values.optional(SettingKey.AUTH_JWKS_URL);
        if (single.isPresent() != singleJwks.isPresent()) {
            throw new InvalidSettings(single.isPresent() ? SettingKey.AUTH_JWKS_URL.key() : SettingKey.AUTH_ISSUER.key(),
                    "auth.issuer and auth.jwks-url go together: set both or neither");
        }
        if (single.isPresent()) {
            issuers.add(issuer(SettingKey.AUTH_JWKS_URL.key(), single.get(), jwks(SettingKey.AUTH_JWKS_URL.key(), singleJwks.get())));
        }
        values.tree(SettingKey.AUTH_ISSUERS).ifPresent(tree -> issuers.addAll(issuerList(tree)));
        var claims = new ClaimNames(
                values.text(SettingKey.AUTH_TENANT_CLAIM), values.text(SettingKey.AUTH_ROLES_CLAIM),
                values.text(SettingKey.AUTH_SCOPE_CLAIM), values.text(SettingKey.AUTH_SCP_CLAIM),
                values.text(SettingKey.AUTH_GROUPS_CLAIM), values.text(SettingKey.AUTH_CLIENT_ID_CLAIM));
        var settings = new AuthSettings(
                authorization(values),
                issuers,
                values.text(SettingKey.AUTH_AUDIENCE),
                claims,
                values.duration(SettingKey.AUTH_USER_MAX_LIFETIME),
                values.duration(SettingKey.AUTH_MACHINE_MAX_LIFETIME),
                values.duration(SettingKey.AUTH_CLOCK_SKEW),
                AuthSettings.DevIssuer.valueOf(values.oneOf(SettingKey.AUTH_DEV_ISSUER, Set.of("auto", "on", "off")).toUpperCase(Locale.ROOT)),
                values.duration(SettingKey.TOKENS_DEFAULT_TTL),
                values.duration(SettingKey.TOKENS_MAX_TTL),
                values.duration(SettingKey.SIGNED_WINDOW),
                new AuthCaches(
                        values.intBetween(SettingKey.AUTH_JWT_CACHE_SIZE, 0, 10_000_000),
                        values.intBetween(SettingKey.AUTH_DATASET_CACHE_SIZE, 1, 10_000_000),
                        values.intBetween(SettingKey.AUTH_TENANT_STATUS_CACHE_SIZE, 1, 10_000_000),
                        values.durationAtMost(SettingKey.AUTH_TENANT_STATUS_CACHE_TTL, Duration.ofMinutes(5), "5m")),
                new BlockingSettings(
                        values.bool(SettingKey.AUTH_BLOCKING_ENABLED),
                        values.intBetween(SettingKey.AUTH_BLOCKING_THRESHOLD, 1, 1_000_000),
                        values.durationAtMost(SettingKey.AUTH_BLOCKING_WINDOW, Duration.ofDays(1), "1d"),
                        values.durationAtMost(SettingKey.AUTH_BLOCKING_DURATION, Duration.ofDays(30), "30d"),
                        values.durationAtMost(SettingKey.AUTH_BLOCKING_CACHE_TTL, Duration.ofMinutes(1), "1m")),
                values.optional(SettingKey.AUTH_CONSOLE_CLIENT_ID).map(String::strip).filter(id -> !id.isEmpty()));
        if (settings.consoleClientId().isPresent() && settings.issuers().isEmpty()) {
            throw new InvalidSettings(SettingKey.AUTH_CONSOLE_CLIENT_ID.key(),
                    "the console signs in at the first configured issuer: set auth.issuer (or auth.issuers) too");
        }
        if (settings.tokenDefaultTtl().compareTo(settings.tokenMaxTtl()) > 0) {
            throw values.invalidValue(SettingKey.TOKENS_DEFAULT_TTL, "must not exceed auth.api-tokens.max-ttl");
        }
        try {
            settings.jwt(List.of()); // the verifier's own rules (lifetimes, skew, duplicate issuers)
        } catch (IllegalArgumentException e) {
            throw new InvalidSettings("auth", e.getMessage());
        }
        return settings;
    }

    private static AuthorizationSettings authorization(SettingsLoader.Values values) {
        var mode = AuthMode.valueOf(values.oneOf(SettingKey.AUTH_MODE, Set.of("strict", "legacy")).toUpperCase(Locale.ROOT));
        try {
            return new AuthorizationSettings(mode, values.text(SettingKey.AUTH_LEGACY_QUERY_SCOPE),
                    values.bool(SettingKey.AUTH_LEGACY_UNAUTHENTICATED_INGEST),
                    values.intBetween(SettingKey.AUTH_DATASET_CACHE_SIZE, 1, 10_000_000), AuthorizationPolicy.defaults());
        } catch (IllegalArgumentException e) {
            throw new InvalidSettings("auth.legacy", e.getMessage());
        }
    }

    private static List<TrustedIssuer> issuerList(JsonNode tree) {
        var key = SettingKey.AUTH_ISSUERS.key();
        if (!tree.isArray()) {
            throw new InvalidSettings(key, "must be a list of {issuer, jwks-url | jwks-file}");
        }
        var issuers = new ArrayList<TrustedIssuer>();
        int index = 0;
        for (var item : tree) {
            var where = "%s[%d]".formatted(key, index++);
            if (!item.isObject()) {
                throw new InvalidSettings(where, "must be a mapping with issuer and jwks-url or jwks-file");
            }
            for (Iterator<String> names = item.fieldNames(); names.hasNext(); ) {
                var name = names.next();
                if (!ISSUER_MEMBERS.contains(name)) {
                    throw new InvalidSettings(where + "." + name, "unknown setting (known: issuer, jwks-url, jwks-file)");
                }
            }
            var issuer = item.path("issuer").asText("");
            if (issuer.isBlank()) {
                throw new InvalidSettings(where + ".issuer", "a value is required");
            }
            boolean hasUrl = item.hasNonNull("jwks-url");
            boolean hasFile = item.hasNonNull("jwks-file");
            if (hasUrl == hasFile) {
                throw new InvalidSettings(where, "needs exactly one of jwks-url and jwks-file");
            }
            KeySource keys = hasUrl
                    ? jwks(where + ".jwks-url", item.get("jwks-url").asText())
                    : keysFromFile(where + ".jwks-file", Path.of(item.get("jwks-file").asText()));
            issuers.add(issuer(where, issuer, keys));
        }
        return issuers;
    }

    private static TrustedIssuer issuer(String where, String issuer, KeySource keys) {
        try {
            return new TrustedIssuer(issuer, keys);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettings(where, e.getMessage());
        }
    }

    private static KeySource jwks(String where, String url) {
        try {
            return KeySource.Jwks.of(URI.create(url));
        } catch (IllegalArgumentException e) {
            throw new InvalidSettings(where, "'%s' is not a usable JWKS URL: %s".formatted(url, e.getMessage()));
        }
    }

    private static KeySource keysFromFile(String where, Path file) {
        try {
            return new KeySource.Keys(Files.readString(file));
        } catch (IOException e) {
            throw new InvalidSettings(where, "cannot read %s (%s)".formatted(file, e.getClass().getSimpleName()));
        }
    }
}
