package io.timestore.server.blocking;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The SQL of automatic blocking (tables of V28), run inside the caller's platform transaction.
 * Failures are counted in PostgreSQL, so every instance adds to the same count; a block is a row
 * that at most one open block per subject may hold (a partial unique index).
 */
final class BlockStore {
    private static final String COLUMNS = "id, subject_kind, subject, failures, started_at, blocked_until, ended_at, end_reason, lifted_by";
    /** Adds one failure; a window that began more than {@code window} ago starts again with this one. */
    private static final String COUNT = """
            INSERT INTO auth_failure_counts AS c (subject_kind, subject, window_started_at, failures) VALUES (?, ?, ?, 1)
            ON CONFLICT (subject_kind, subject) DO UPDATE SET
                failures = CASE WHEN c.window_started_at <= ? THEN 1 ELSE c.failures + 1 END,
                window_started_at = CASE WHEN c.window_started_at <= ? THEN EXCLUDED.window_started_at ELSE c.window_started_at END
            RETURNING failures""";
    private static final String START = "INSERT INTO auth_blocks (id, subject_kind, subject, failures, started_at, blocked_until) "
            + "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (subject_kind, subject) WHERE ended_at IS NULL DO NOTHING RETURNING " + COLUMNS;
    private static final String END_EXPIRED = "UPDATE auth_blocks SET ended_at = ?, end_reason = 'expired' "
            + "WHERE ended_at IS NULL AND blocked_until <= ? %s RETURNING " + COLUMNS;
    private static final String LIFT = "UPDATE auth_blocks SET ended_at = ?, end_reason = 'lifted', lifted_by = ? "
            + "WHERE id = ? AND ended_at IS NULL RETURNING " + COLUMNS;

    /** Counts one failure of {@code subject} at {@code now}; returns the failures in its window. */
    int countFailure(Connection connection, Subject subject, Instant now, Duration window) throws SQLException {
        try (var count = connection.prepareStatement(COUNT)) {
            count.setString(1, subject.kind().label());
            count.setString(2, subject.value());
            count.setTimestamp(3, Timestamp.from(now));
            count.setTimestamp(4, Timestamp.from(now.minus(window)));
            count.setTimestamp(5, Timestamp.from(now.minus(window)));
            try (var rows = count.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }

    /** Forgets {@code subject}'s failures (its block started: counting starts afresh after it). */
    void resetCount(Connection connection, Subject subject) throws SQLException {
        try (var reset = connection.prepareStatement("DELETE FROM auth_failure_counts WHERE subject_kind = ? AND subject = ?")) {
            reset.setString(1, subject.kind().label());
            reset.setString(2, subject.value());
            reset.executeUpdate();
        }
    }

    /** Forgets failure windows that ended before {@code horizon}. */
    int forgetCountsBefore(Connection connection, Instant horizon) throws SQLException {
        try (var forget = connection.prepareStatement("DELETE FROM auth_failure_counts WHERE window_started_at <= ?")) {
            forget.setTimestamp(1, Timestamp.from(horizon));
            return forget.executeUpdate();
        }
    }

    /** Starts a block of {@code subject}, unless one is open: the new block, or empty. */
    Optional<Block> start(Connection connection, Subject subject, int failures, Instant now, Instant until) throws SQLException {
        try (var start = connection.prepareStatement(START)) {
            start.setObject(1, UUID.randomUUID());
            start.setString(2, subject.kind().label());
            start.setString(3, subject.value());
            start.setInt(4, failures);
            start.setTimestamp(5, Timestamp.from(now));
            start.setTimestamp(6, Timestamp.from(until));
            return one(start.executeQuery());
        }
    }

    /** Ends the open blocks (of {@code subject}, or of everyone) whose time ran out by {@code now}. */
    List<Block> endExpired(Connection connection, Optional<Subject> subject, Instant now) throws SQLException {
        var sql = END_EXPIRED.formatted(subject.isPresent() ? "AND subject_kind = ? AND subject = ?" : "");
        try (var end = connection.prepareStatement(sql)) {
            end.setTimestamp(1, Timestamp.from(now));
            end.setTimestamp(2, Timestamp.from(now));
            if (subject.isPresent()) {
                end.setString(3, subject.get().kind().label());
                end.setString(4, subject.get().value());
            }
            return all(end.executeQuery());
        }
    }

    /** Ends the open block {@code id} as lifted by {@code operator}: the block, or empty when none is open. */
    Optional<Block> lift(Connection connection, UUID id, String operator, Instant now) throws SQLException {
        try (var lift = connection.prepareStatement(LIFT)) {
            lift.setTimestamp(1, Timestamp.from(now));
            lift.setString(2, operator);
            lift.setObject(3, id);
            return one(lift.executeQuery());
        }
    }

    /** The blocks in force at {@code now}, by id, after {@code afterId} (a page of at most {@code limit}). */
    List<Block> inForce(Connection connection, Instant now, Optional<UUID> afterId, int limit) throws SQLException {
        try (var select = connection.prepareStatement("SELECT " + COLUMNS + " FROM auth_blocks "
                + "WHERE ended_at IS NULL AND blocked_until > ? AND id > ? ORDER BY id LIMIT ?")) {
            select.setTimestamp(1, Timestamp.from(now));
            select.setObject(2, afterId.orElse(new UUID(0, 0)));
            select.setInt(3, limit);
            return all(select.executeQuery());
        }
    }

    private static Optional<Block> one(ResultSet rows) throws SQLException {
        var all = all(rows);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.getFirst());
    }

    private static List<Block> all(ResultSet rows) throws SQLException {
        try (rows) {
            var blocks = new ArrayList<Block>();
            while (rows.next()) {
                var ended = rows.getTimestamp("ended_at");
                blocks.add(new Block(rows.getObject("id", UUID.class),
                        new Subject(Subject.Kind.of(rows.getString("subject_kind")), rows.getString("subject")),
                        rows.getInt("failures"), rows.getTimestamp("started_at").toInstant(),
                        rows.getTimestamp("blocked_until").toInstant(),
                        Optional.ofNullable(ended).map(Timestamp::toInstant), Optional.ofNullable(rows.getString("end_reason")),
                        Optional.ofNullable(rows.getString("lifted_by"))));
            }
            return blocks;
        }
    }
}
