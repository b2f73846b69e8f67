package io.timestore.server.credentials;

import io.timestore.server.http.CreationPages;
import java.time.Instant;

/** A kind's listing record: the common {@link Credential} and the kind's own fields. */
public interface ListedCredential extends CreationPages.Item {
    Credential credential();

    @Override
    default String id() {
        return credential().id();
    }

    @Override
    default Instant createdAt() {
        return credential().createdAt();
    }
}
