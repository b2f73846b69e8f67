package io.timestore.server.http;

import io.javalin.http.Context;
import io.timestore.server.problems.InvalidRequest;
import java.util.List;
import java.util.Optional;

/** The {@code limit} and {@code cursor} query parameters every list route shares. */
public final class Pages {
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;

    private Pages() {}

    public static int limit(Context ctx) {
        var values = ctx.queryParams("limit");
        if (values.isEmpty()) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(single(values, "limit"));
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // falls through to the error below
        }
        throw new InvalidRequest("limit must be an integer from 1 to " + MAX_LIMIT,
                List.of(InvalidRequest.FieldError.at("/limit", "expected 1-" + MAX_LIMIT)));
    }

    public static Optional<String> cursor(Context ctx) {
        var values = ctx.queryParams("cursor");
        return values.isEmpty() ? Optional.empty() : Optional.of(single(values, "cursor"));
    }

    static String single(List<String> values, String name) {
        if (values.size() != 1) {
            throw new InvalidRequest(name + " must be given at most once");
        }
        return values.getFirst();
    }
}
