package io.timestore.server.credentials;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.timestore.security.SecurityContext;
import io.timestore.server.auditing.Reply;
import io.timestore.server.auditing.RequestAudit;
import io.timestore.server.http.Listing;
import io.timestore.server.problems.InvalidRequest.FieldError;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * What one kind of credential (API token, signing key) adds to the routes every kind shares
 * ({@link CredentialRoutes}): its names, the members of a creation request that are its own, how
 * it is created, listed and revoked (its service), and how its own fields are shown. Implemented by
 * the kind's route class ({@code tokens.TokenRoutes}, {@code signingkeys.SigningKeyRoutes}).
 * Implementations are thread-safe: one instance serves every request.
 *
 * @param <K> the kind's own part of a creation request and of its reply
 * @param <T> the kind's listing record
 */
public interface CredentialKind<K, T extends ListedCredential> {
    /**
     * Where a kind lives and what it is called.
     *
     * @param path          the collection, e.g. {@code /admin/v1/tokens}; its last segment is the audit component
     * @param resourceType  the audit event's resource type, e.g. {@code token}
     * @param noun          how messages name the kind, e.g. {@code token} ("the token request is invalid", "token id")
     * @param secretMember  the creation reply's member that holds the secret, e.g. {@code token}
     * @param listing       the listing its cursors belong to
     * @param idFormat      what an id of this kind looks like; any other path id is a 400
     * @param idRule        {@code idFormat} in words, e.g. {@code 24 lower-case hex characters}
     */
    record Names(String path, String resourceType, String noun, String secretMember, Listing listing, Pattern idFormat,
                 String idRule) {
        public Names {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(resourceType, "resourceType");
            Objects.requireNonNull(noun, "noun");
            Objects.requireNonNull(secretMember, "secretMember");
            Objects.requireNonNull(listing, "listing");
            Objects.requireNonNull(idFormat, "idFormat");
            Objects.requireNonNull(idRule, "idRule");
            if (!path.startsWith("/") || path.endsWith("/")) {
                throw new IllegalArgumentException("a credential path starts with / and does not end with one: " + path);
            }
        }

        /** The audit component: the path's last segment, e.g. {@code tokens}. */
        String component() {
            return path.substring(path.lastIndexOf('/') + 1);
        }
    }

    Names names();

    /** Listing and revocation of the kind, and the clock its expiry is judged by (its service's). */
    CredentialLifecycle<T> lifecycle();

    /** The members of a creation request that are the kind's own, in the order they are named in messages. */
    List<String> members();

    /**
     * Reads the kind's own members of a creation request; broken rules are added to {@code errors}
     * (after those of {@code name} and {@code expires_at}); when any rule is broken, the value
     * returned is not used.
     */
    K read(JsonNode body, List<FieldError> errors);

    /** Creates the credential for the caller (the kind's service), committing {@code reply} with it. */
    CreatedCredential<K> create(SecurityContext security, RequestAudit audit, NewCredential<K> request,
                                Function<CreatedCredential<K>, Reply> reply);

    /** Adds the kind's own members to the creation reply, between the secret and {@code expires_at}. */
    void addMembers(ObjectNode json, K own);

    /** An item of the list: use {@link Credential#jsonHead} and {@link Credential#jsonTail} for the common members. */
    ObjectNode listed(T item);
}
