package io.timestore.server.blocking;

import io.timestore.security.AuthMethod;
import java.util.Objects;
import java.util.Optional;

/**
 * What a block holds: a source address, or a credential by its id (an API token id, a signing key
 * id, a JWT {@code sub}). Never a secret.
 *
 * @param kind  what {@code value} names
 * @param value the address or id
 */
public record Subject(Kind kind, String value) {
    /** The kinds of subject; {@link #label()} is the stored {@code subject_kind} and the metrics label. */
    public enum Kind {
        SOURCE("source"), API_TOKEN("api_token"), SIGNING_KEY("signing_key"), JWT_SUBJECT("jwt_subject");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        static Kind of(String label) {
            for (var kind : values()) {
                if (kind.label.equals(label)) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("unknown subject kind " + label);
        }
    }

    /** The longest value kept; longer ids (an outlandish JWT sub) are cut, which only merges them. */
    static final int MAX_LENGTH = 1024;

    public Subject {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(value, "value");
        value = value.length() > MAX_LENGTH ? value.substring(0, MAX_LENGTH) : value;
    }

    static Subject source(String address) {
        return new Subject(Kind.SOURCE, address);
    }

    /** The credential a request authenticated with (or failed with), when it is one that can be blocked. */
    static Optional<Subject> credential(AuthMethod method, String id) {
        return switch (method) {
            case API_TOKEN -> Optional.of(new Subject(Kind.API_TOKEN, id));
            case SIGNED_REQUEST -> Optional.of(new Subject(Kind.SIGNING_KEY, id));
            case JWT -> Optional.of(new Subject(Kind.JWT_SUBJECT, id));
            case LEGACY -> Optional.empty();
        };
    }

    boolean isSource() {
        return kind == Kind.SOURCE;
    }
}
