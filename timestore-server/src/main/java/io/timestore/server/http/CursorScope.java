package io.timestore.server.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a cursor is valid for: the listing that issued it, the partition it was issued in (the
 * request's tenant, or {@code _platform}), and the query parameters that select the listing's
 * items (filters, time range, the dataset in the path). A cursor is accepted only by a request
 * with an equal scope; {@link Cursors} says which part differs when it is not.
 *
 * <p>Parameters are named values; their order is part of the scope, so a listing adds them in a
 * fixed order. Values are written in their documented text form (ids, RFC 3339 instants, numbers),
 * never with {@code toString()} of a structure. Immutable.
 *
 * @param listing    the listing
 * @param owner      the tenant the request resolved to, or {@code _platform}
 * @param parameters alternating names and values
 */
public record CursorScope(Listing listing, String owner, List<String> parameters) {
    public CursorScope {
        Objects.requireNonNull(listing, "listing");
        Objects.requireNonNull(owner, "owner");
        parameters = List.copyOf(parameters);
        if (parameters.size() % 2 != 0) {
            throw new IllegalArgumentException("parameters alternate names and values");
        }
    }

    /** The scope of {@code listing} for requests of {@code owner}, with no parameters yet. */
    public static CursorScope of(Listing listing, String owner) {
        return new CursorScope(listing, owner, List.of());
    }

    /** This scope bound to one more parameter as well. */
    public CursorScope with(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        var more = new ArrayList<>(parameters);
        more.add(name);
        more.add(value);
        return new CursorScope(listing, owner, more);
    }

    /** This scope bound to an optional parameter: an absent one is left out, unlike an empty one. */
    public CursorScope with(String name, java.util.Optional<String> value) {
        return value.map(v -> with(name, v)).orElse(this);
    }
}
