package io.timestore.server.query;

import java.sql.SQLException;

/**
 * An open cursor over the buckets of an aggregate, in (series id, bucket) order: {@link #next}
 * moves to the next row. Computed by a statement ({@link QueryStore#openAggregate}) or in Java
 * ({@link MergedAggregates}); several may be open at once in one transaction.
 */
interface AggregateRows extends AutoCloseable {
    /** Moves to the next row; false (and stays so) once there is none. */
    boolean next() throws SQLException;

    /** Whether the cursor is on a row (the last {@link #next} returned true). */
    boolean hasRow();

    long series() throws SQLException;

    long bucket() throws SQLException;

    /** The bucket's value, typed as the statement's column would be read ({@code Double}, {@code Long}, ...). */
    Object value() throws SQLException;

    @Override
    void close() throws SQLException;
}
