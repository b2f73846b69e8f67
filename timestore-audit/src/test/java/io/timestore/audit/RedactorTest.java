package io.timestore.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.timestore.audit.redaction.RedactionPolicy;
import io.timestore.audit.redaction.RedactionPolicy.Action;
import io.timestore.audit.redaction.RedactionPolicy.Mode;
import io.timestore.audit.redaction.Redactor;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class RedactorTest {
    private final ObjectMapper json = new ObjectMapper();

    private final JsonNode details = parse("""
            {"query": {"filter": "host = 'h1'", "limit": 10},
             "items": [{"name": "a", "note": "x"}, {"name": "b", "note": "y"}],
             "count": 2}
            """);
    private final Map<String, List<String>> headers = Map.of(
            "Authorization", List.of("Bearer eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln"),
            "X-Tenant-Hint", List.of("acme"),
            "Accept", List.of("application/json"));

    private Redactor redactor(Mode mode, Action action) {
        return new Redactor(new RedactionPolicy(mode, action, List.of("/query/filter", "/items/*/note"), Set.of("X-Tenant-Hint")));
    }

    @Test
    void enforce_masks_configured_paths_and_headers_and_reports_them() {
        var redaction = redactor(Mode.ENFORCE, Action.MASK).redact(details, headers);

        var stored = redaction.details().toJson();
        assertThat(stored.at("/query/filter").asText()).isEqualTo("****");
        assertThat(stored.at("/query/limit").asInt()).isEqualTo(10);
        assertThat(stored.at("/items/0/note").asText()).isEqualTo("****");
        assertThat(stored.at("/items/1/name").asText()).isEqualTo("b");
        assertThat(stored.at("/headers/x-tenant-hint").asText()).isEqualTo("****");
        assertThat(stored.at("/headers/accept").asText()).isEqualTo("application/json");
        assertThat(redaction.redacted()).containsExactlyInAnyOrder(
                "/query/filter", "/items/0/note", "/items/1/note", "/headers/x-tenant-hint", "/headers/authorization");
        assertThat(redaction.wouldRedact()).isEmpty();
    }

    @Test
    void enforce_with_remove_drops_configured_members() {
        var stored = redactor(Mode.ENFORCE, Action.REMOVE).redact(details, headers).details().toJson();

        assertThat(stored.at("/query").has("filter")).isFalse();
        assertThat(stored.at("/items/0").has("note")).isFalse();
        assertThat(stored.at("/headers").has("x-tenant-hint")).isFalse();
        assertThat(stored.at("/headers/authorization").asText()).as("always-on rules mask, never remove").isEqualTo("****");
    }

    @Test
    void log_mode_stores_configured_fields_as_they_are_and_reports_what_it_would_have_redacted() {
        var redaction = redactor(Mode.LOG, Action.MASK).redact(details, headers);

        var stored = redaction.details().toJson();
        assertThat(stored.at("/query/filter").asText()).isEqualTo("host = 'h1'");
        assertThat(stored.at("/headers/x-tenant-hint").asText()).isEqualTo("acme");
        assertThat(redaction.wouldRedact()).containsExactlyInAnyOrder(
                "/query/filter", "/items/0/note", "/items/1/note", "/headers/x-tenant-hint");
        assertThat(redaction.redacted()).containsExactly("/headers/authorization");
    }

    @Test
    void off_mode_ignores_configured_rules() {
        var redaction = redactor(Mode.OFF, Action.MASK).redact(details, headers);

        assertThat(redaction.details().toJson().at("/query/filter").asText()).isEqualTo("host = 'h1'");
        assertThat(redaction.wouldRedact()).isEmpty();
        assertThat(redaction.redacted()).containsExactly("/headers/authorization");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void secrets_are_never_stored_whatever_the_mode(Mode mode) {
        var input = parse("""
                {"Authorization": "x", "api_key": "k", "nested": {"Private-Key": "p", "list": [{"client_secret": "s"}]},
                 "password": {"old": "a", "new": "b"}, "accessToken": "t", "X-TS-Signature": "sig",
                 "set_cookie": "c", "note": "Bearer abc.def", "jwt": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl",
                 "pem": "-----BEGIN PRIVATE KEY-----\\nMC4CAQ\\n-----END PRIVATE KEY-----",
                 "token_id": "tok_123", "points": 5}
                """);

        var redaction = new Redactor(new RedactionPolicy(mode, Action.REMOVE, List.of(), Set.of())).redact(input);

        String stored = redaction.details().canonicalJson();
        assertThat(stored).doesNotContain("\"x\"", "\"k\"", "\"p\"", "\"s\"", "\"a\"", "\"t\"", "sig", "\"c\"", "abc", "eyJ", "MC4CAQ");
        assertThat(stored).contains("\"token_id\":\"tok_123\"", "\"points\":5");
        assertThat(redaction.redacted()).containsExactlyInAnyOrder("/Authorization", "/api_key", "/nested/Private-Key",
                "/nested/list/0/client_secret", "/password", "/accessToken", "/X-TS-Signature", "/set_cookie", "/note", "/jwt", "/pem");
    }

    @ParameterizedTest
    @ValueSource(strings = {"authorization", "Proxy-Authorization", "TOKEN", "refresh_token", "id-tokens", "secret",
            "clientSecret", "password", "db.passwd", "signature", "api_key", "x-api-key", "private_key", "cookie", "credentials"})
    void names_like_credentials_are_always_secret(String name) {
        assertThat(Redactor.isAlwaysSecret(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"token_id", "token_count", "keys", "idempotency_key", "dataset", "points", "signed_at"})
    void ordinary_names_are_not_always_secret(String name) {
        assertThat(Redactor.isAlwaysSecret(name)).isFalse();
    }

    @Test
    void the_input_is_not_modified() {
        JsonNode before = details.deepCopy();

        redactor(Mode.ENFORCE, Action.REMOVE).redact(details, headers);

        assertThat(details).isEqualTo(before);
    }

    @Test
    void a_malformed_path_is_refused_with_the_rule() {
        var error = assertThrows(IllegalArgumentException.class,
                () -> new RedactionPolicy(Mode.ENFORCE, Action.MASK, List.of("query.filter"), Set.of()));

        assertThat(error).hasMessageContaining("query.filter");
    }

    @Test
    void path_segments_use_json_pointer_escapes() {
        var input = parse("{\"a/b\": {\"c~d\": 1, \"e\": 2}}");

        var redaction = new Redactor(new RedactionPolicy(Mode.ENFORCE, Action.MASK, List.of("/a~1b/c~0d"), Set.of())).redact(input);

        assertThat(redaction.redacted()).containsExactly("/a~1b/c~0d");
        assertThat(redaction.details().canonicalJson()).isEqualTo("{\"a/b\":{\"c~d\":\"****\",\"e\":2}}");
    }

    private JsonNode parse(String text) {
        try {
            return json.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
