package io.timestore.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.ProblemType;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Cursors are opaque, versioned and authenticated, and accepted only where they were issued. */
class CursorsTest {
    private static final byte[] KEY = "a key of thirty-two bytes or more, for tests".getBytes(StandardCharsets.UTF_8);
    private static final Instant TIME = Instant.parse("2026-03-01T12:00:00.123456789Z");
    private static final UUID ID = UUID.fromString("01956f1e-3b4a-7c2d-9e8f-0a1b2c3d4e5f");

    private final Cursors cursors = new Cursors(KEY);
    private final CursorScope events = CursorScope.of(Listing.AUDIT_EVENTS, "acme")
            .with("tenant", "acme").with("component", "tokens").with("action", "token:manage");

    private record Position(Instant time, UUID id) {}

    private String issue(CursorScope scope) {
        return cursors.encode(scope, position -> position.instant(TIME).uuid(ID));
    }

    private Position read(CursorScope scope, String cursor) {
        return cursors.decode(scope, cursor, position -> new Position(position.instant(), position.uuid()));
    }

    private static String reasonOf(InvalidRequest refused) {
        assertThat(refused.type()).isEqualTo(ProblemType.INVALID_CURSOR);
        assertThat(refused.errors()).singleElement().satisfies(e -> assertThat(e.pointer()).isEqualTo("/cursor"));
        return refused.errors().getFirst().detail();
    }

    private InvalidRequest refused(CursorScope scope, String cursor) {
        return assertThrows(InvalidRequest.class, () -> read(scope, cursor));
    }

    private static byte[] bytes(String cursor) {
        return Base64.getUrlDecoder().decode(cursor);
    }

    private static String text(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    @Test
    void a_cursor_reads_back_its_typed_position_in_the_scope_that_issued_it() {
        var cursor = cursors.encode(events, p -> p.instant(TIME).uuid(ID).text("hé").int64(Long.MIN_VALUE));

        var read = cursors.decode(events, cursor, p -> Arrays.asList(p.instant(), p.uuid(), p.text(), p.int64()));

        assertThat(read).containsExactly(TIME, ID, "hé", Long.MIN_VALUE);
        assertThat(cursor).matches("[A-Za-z0-9_-]+");
    }

    @Test
    void a_decoded_cursor_holds_a_version_byte_and_the_listing_but_no_tenant_filter_or_class_name() {
        var decoded = bytes(issue(events));
        var latin1 = new String(decoded, StandardCharsets.ISO_8859_1);

        assertThat(decoded[0]).isEqualTo((byte) 1);
        assertThat(decoded[1]).isEqualTo((byte) Listing.AUDIT_EVENTS.code());
        assertThat(latin1).doesNotContain("acme", "tokens", "token:manage", "component", "EventFilter", "Optional",
                "from=", TIME.toString(), ID.toString());
    }

    @Test
    void changing_any_bit_of_any_byte_is_refused_as_invalid_cursor() {
        var original = bytes(issue(events));
        for (int i = 0; i < original.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                var altered = original.clone();
                altered[i] ^= (byte) (1 << bit);
                var refusal = refused(events, text(altered));
                assertThat(reasonOf(refusal)).as("byte %d bit %d", i, bit).isNotBlank();
            }
        }
    }

    @Test
    void a_cursor_altered_anywhere_after_the_version_says_it_was_altered() {
        var altered = bytes(issue(events));
        altered[altered.length / 2] ^= 1;

        assertThat(reasonOf(refused(events, text(altered)))).contains("altered");
    }

    @Test
    void a_truncated_or_extended_cursor_is_refused() {
        var original = bytes(issue(events));

        assertThat(reasonOf(refused(events, text(Arrays.copyOf(original, original.length - 1))))).contains("altered");
        assertThat(reasonOf(refused(events, text(Arrays.copyOf(original, original.length + 1))))).contains("altered");
        assertThat(reasonOf(refused(events, text(Arrays.copyOf(original, 10))))).contains("shorter");
    }

    @Test
    void a_cursor_of_another_listing_is_refused_naming_both_listings() {
        var tokens = cursors.encode(CursorScope.of(Listing.API_TOKENS, "acme"), p -> p.instant(TIME).text("t1"));

        var refusal = assertThrows(InvalidRequest.class, () -> cursors.decode(CursorScope.of(Listing.SIGNING_KEYS, "acme"),
                tokens, p -> p.instant()));

        assertThat(reasonOf(refusal)).contains("listing of API tokens, not of signing keys");
    }

    @Test
    void a_cursor_issued_to_another_tenant_is_refused() {
        var globex = new CursorScope(Listing.AUDIT_EVENTS, "globex", events.parameters());

        assertThat(reasonOf(refused(globex, issue(events)))).contains("another tenant");
    }

    @Test
    void a_cursor_replayed_with_other_query_parameters_is_refused() {
        var otherValue = CursorScope.of(Listing.AUDIT_EVENTS, "acme")
                .with("tenant", "acme").with("component", "datasets").with("action", "token:manage");
        var fewer = CursorScope.of(Listing.AUDIT_EVENTS, "acme").with("tenant", "acme").with("component", "tokens");
        var emptyInsteadOfAbsent = fewer.with("action", "");
        var absent = fewer.with("action", java.util.Optional.empty());

        assertThat(reasonOf(refused(otherValue, issue(events)))).contains("other query parameters");
        assertThat(reasonOf(refused(fewer, issue(events)))).contains("other query parameters");
        assertThat(reasonOf(refused(emptyInsteadOfAbsent, issue(fewer)))).contains("other query parameters");
        assertThat(read(absent, issue(fewer))).isEqualTo(new Position(TIME, ID));
    }

    @Test
    void another_instance_with_the_same_key_accepts_the_cursor_and_one_with_another_key_refuses_it() {
        var cursor = issue(events);
        var sameKey = new Cursors(KEY.clone());
        var otherKey = new Cursors("another key of thirty-two bytes or more".getBytes(StandardCharsets.UTF_8));

        Position read = sameKey.decode(events, cursor, p -> new Position(p.instant(), p.uuid()));
        assertThat(read).isEqualTo(new Position(TIME, ID));
        var refusal = assertThrows(InvalidRequest.class,
                () -> otherKey.decode(events, cursor, p -> new Position(p.instant(), p.uuid())));
        assertThat(reasonOf(refusal)).contains("another master key");
    }

    @Test
    void an_unknown_format_version_is_refused_naming_it() {
        var future = bytes(issue(events));
        future[0] = 2;

        assertThat(reasonOf(refused(events, text(future)))).contains("format version 2 is not supported", "version 1");
    }

    @Test
    void a_cursor_of_the_format_before_version_1_is_refused_as_such() {
        var before = text("audit-events:acme:EventFilter[from=Optional.empty]\u001f2026\u001fid".getBytes(StandardCharsets.UTF_8))
                + "." + text(new byte[16]);

        assertThat(reasonOf(refused(events, before))).contains("earlier version of Timestore");
    }

    @Test
    void text_that_is_no_cursor_at_all_is_refused() {
        assertThat(reasonOf(refused(events, ""))).contains("not base64url");
        assertThat(reasonOf(refused(events, "a+b/c="))).contains("not base64url");
        assertThat(reasonOf(refused(events, "AAAA.BBBB"))).contains("not base64url");
        assertThat(reasonOf(refused(events, "A".repeat(70_000)))).contains("longer than");
    }

    @Test
    void a_position_read_with_other_fields_than_were_written_is_refused() {
        var cursor = issue(events);

        var refusal = assertThrows(InvalidRequest.class, () -> cursors.decode(events, cursor, p -> p.int64()));
        var leftOver = assertThrows(InvalidRequest.class, () -> cursors.decode(events, cursor, p -> p.instant()));

        assertThat(reasonOf(refusal)).contains("does not hold a position");
        assertThat(reasonOf(leftOver)).contains("does not hold a position");
    }

    @Test
    void listing_codes_are_distinct_bytes() {
        assertThat(Arrays.stream(Listing.values()).map(Listing::code).distinct().count()).isEqualTo(Listing.values().length);
        assertThat(Arrays.stream(Listing.values()).allMatch(l -> l.code() > 0 && l.code() < 256)).isTrue();
    }
}
