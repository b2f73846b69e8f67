package io.timestore.server.http;

import io.javalin.http.Context;
import io.timestore.server.auditing.Reply;

/** Writes a {@link Reply} as the response of a request. */
public final class Replies {
    private Replies() {}

    /** Sets status, headers, content type and body of {@code ctx} to {@code reply}'s, replacing any set before. */
    public static void send(Context ctx, Reply reply) {
        ctx.status(reply.status());
        reply.headers().forEach(ctx::header);
        if (reply.contentType().isPresent()) {
            ctx.contentType(reply.contentType().get());
        } else {
            ctx.res().setContentType(null);
        }
        ctx.result(reply.body());
    }
}
