package io.timestore.server.credentials;

import com.fasterxml.jackson.databind.JsonNode;
import io.timestore.server.problems.InvalidRequest.FieldError;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The members every credential creation request has, {@code name} and {@code expires_at}, read
 * the same way for each kind; the kind reads its own members (a token's permissions, a key's roles
 * and scopes) from the same body into the same error list.
 *
 * @param name      1-200 characters, stripped
 * @param expiresAt within the {@link CredentialExpiry} rule
 */
record CredentialBody(String name, Instant expiresAt) {
    /**
     * Reads {@code name} and {@code expires_at}, and refuses members other than those and
     * {@code kindMembers}. Broken rules are added to {@code errors}; the caller throws once all
     * members are read, so the client sees every problem at once.
     */
    static CredentialBody read(JsonNode body, List<String> kindMembers, CredentialExpiry expiry, Instant now,
                                      List<FieldError> errors) {
        var members = new ArrayList<String>();
        members.add("name");
        members.addAll(kindMembers);
        members.add("expires_at");
        body.fieldNames().forEachRemaining(member -> {
            if (!members.contains(member)) {
                errors.add(FieldError.at("/" + member, "unknown member; expected " + String.join(", ", members)));
            }
        });
        var name = body.path("name");
        if (!name.isTextual() || name.asText().isBlank() || name.asText().length() > 200) {
            errors.add(FieldError.at("/name", "a name of 1-200 characters is required"));
        }
        return new CredentialBody(name.asText().strip(), expiry.read(body.get("expires_at"), now, errors));
    }
}
