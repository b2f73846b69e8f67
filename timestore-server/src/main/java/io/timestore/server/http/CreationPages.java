package io.timestore.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Lists of things ordered newest first by (created_at, id), paged with signed keyset cursors:
 * the shape shared by the credential lists (API tokens, signing keys).
 */
public final class CreationPages {
    /** An item of such a list. */
    public interface Item {
        Instant createdAt();

        String id();
    }

    /** Reads up to {@code limit} items created before the position, newest first. */
    @FunctionalInterface
    public interface Fetch<T extends Item> {
        List<T> page(Optional<Instant> afterCreatedAt, Optional<String> afterId, int limit);
    }

    /** A rendered page and how many items it holds. */
    public record Page(ObjectNode body, int returned) {}

    private CreationPages() {}

    /** The position of a cursor: the last item's (created_at, id). */
    private record Position(Instant createdAt, String id) {}

    /** The page the request's {@code limit} and {@code cursor} ask for, in list {@code scope}. */
    public static <T extends Item> Page read(Context ctx, Cursors cursors, ObjectMapper json, CursorScope scope,
                                             Fetch<T> fetch, Function<T, JsonNode> render) {
        int limit = Pages.limit(ctx);
        var after = cursors.after(ctx, scope, position -> new Position(position.instant(), position.text()));
        // One more than asked: its presence says whether a next page exists.
        var page = fetch.page(after.map(Position::createdAt), after.map(Position::id), limit + 1);
        var items = json.createArrayNode();
        page.stream().limit(limit).forEach(item -> items.add(render.apply(item)));
        var body = json.createObjectNode();
        body.set("items", items);
        if (page.size() > limit) {
            var last = page.get(limit - 1);
            body.put("next_cursor", cursors.encode(scope, position -> position.instant(last.createdAt()).text(last.id())));
        }
        return new Page(body, Math.min(page.size(), limit));
    }
}
