package io.timestore.server.compaction;

import static io.timestore.server.testing.Tokens.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.server.testing.TimestoreServer;
import java.net.http.HttpRequest;

/** Datasets of tenant acme created and written through the API, as the compaction tests need them. */
record AcmeWrites(TimestoreServer server) {

    /** Creates dataset {@code id}; {@code extra} is more JSON members, starting with a comma, or empty. */
    void dataset(String id, String extra) {
        var admin = bearer(server.tokens().user("acme", "tenant-admin"));
        var created = server.api().postJson("/storage/v1/datasets", "{\"id\": \"" + id + "\"" + extra + "}", admin);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }

    /** Writes line protocol with nanosecond timestamps as a writer. */
    void write(String dataset, String lines) {
        var written = server.api().send(server.api().request("/api/v2/write?org=acme&bucket=" + dataset + "&precision=ns",
                        bearer(server.tokens().user("acme", "writer")))
                .POST(HttpRequest.BodyPublishers.ofString(lines)).build());
        assertThat(written.statusCode()).as(written.body()).isEqualTo(204);
    }
}
