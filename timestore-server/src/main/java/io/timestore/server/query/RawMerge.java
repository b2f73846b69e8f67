package io.timestore.server.query;

import io.timestore.server.chunks.ChunkCodec;
import io.timestore.server.chunks.ChunkPoints;
import io.timestore.server.points.FieldType;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * A raw page merged in Java: the hot rows of the page's statement and the points of the chunks its
 * series and range overlap, both in (series, time) order, handed to a {@link QueryStore.PointSink}
 * in that order, the hot row winning over a chunk point of the same series and time (the hot row
 * is the newer write: docs/data-plane.md, "Where a time is, and which value wins").
 *
 * <p>The chunks are decoded one at a time as the cursor over them moves (at most
 * {@link ChunkCodec#MAX_POINTS} points held), and the points go straight to the sink: no point
 * goes back to PostgreSQL. It stops when the sink says so.
 */
final class RawMerge {
    /** The hot rows' column that says whether any chunk is to be read. */
    private static final int CHUNKED = 11;

    /** Opens the rows of the chunks (their statement's owner closes them). */
    @FunctionalInterface
    interface Chunks {
        ResultSet open() throws SQLException;
    }

    private final ResultSet hot;
    private final Chunks chunkStatement;
    private ResultSet chunks; // null until opened, or when there is none to read
    private final QueryStore.TimeRange range;
    private final long afterSeries;
    private final long afterTime;

    private QueryStore.Series hotSeries;
    private boolean hotValid;
    private long hotTime;

    private QueryStore.Series coldSeries;
    private ChunkPoints chunk;
    private int index;
    private boolean coldValid;

    private QueryStore.Series currentSeries;
    private long currentTime;
    private Object currentValue;

    /**
     * {@code hot}: rows of series id, measurement, tags, field, type, time, f, i, b, s, and whether
     * any chunk is to be read (the same in every row); {@code chunks}: opens rows of series id,
     * data, measurement, tags, field, type, only when a chunk is to be read or no hot row says; both in
     * (series, time) order, the chunks of a series not overlapping. Points of the chunks outside
     * {@code range} or not after ({@code afterSeries}, {@code afterTime}) are skipped.
     */
    RawMerge(ResultSet hot, Chunks chunks, QueryStore.TimeRange range, long afterSeries, long afterTime) {
        this.hot = hot;
        this.chunkStatement = chunks;
        this.range = range;
        this.afterSeries = afterSeries;
        this.afterTime = afterTime;
    }

    /** Hands every point to {@code sink} in (series, time) order until there is none or it returns false. */
    void run(QueryStore.PointSink sink) throws SQLException {
        nextHot();
        // The first hot row tells whether there is any chunk to read: a read of the recent, hot
        // points then costs no statement for the chunks (docs/data-plane.md, "The cheap read's
        // round trips"). Without a hot row, the chunks' statement answers.
        if (!hotValid || hot.getBoolean(CHUNKED)) {
            chunks = chunkStatement.open();
        }
        nextCold();
        while (hotValid || coldValid) {
            int order = !coldValid ? -1 : !hotValid ? 1 : compare(hotSeries.id(), hotTime, coldSeries.id(), chunk.timestamps()[index]);
            if (order <= 0) {
                current(hotSeries, hotTime, hotValue(hot, hotSeries.type()));
                if (!sink.accept(this)) {
                    return;
                }
                if (order == 0) {
                    nextCold(); // replaced by the hot row
                }
                nextHot();
            } else {
                current(coldSeries, chunk.timestamps()[index], coldValue(chunk, index));
                if (!sink.accept(this)) {
                    return;
                }
                nextCold();
            }
        }
    }

    private void current(QueryStore.Series series, long time, Object value) {
        currentSeries = series;
        currentTime = time;
        currentValue = value;
    }

    /** The current point's series. */
    QueryStore.Series series() {
        return currentSeries;
    }

    /** The current point's time. */
    long time() {
        return currentTime;
    }

    /** The current point's value, as the outputs take it ({@link SeriesOutput}). */
    Object value() {
        return currentValue;
    }

    private static int compare(long seriesA, long timeA, long seriesB, long timeB) {
        int bySeries = Long.compare(seriesA, seriesB);
        return bySeries != 0 ? bySeries : Long.compare(timeA, timeB);
    }

    private void nextHot() throws SQLException {
        hotValid = hot.next();
        if (hotValid) {
            hotSeries = series(hot, hotSeries, 1, 2);
            hotTime = hot.getLong(6);
        }
    }

    /** The series of the current row: {@code last} again when it is the same one. */
    private static QueryStore.Series series(ResultSet row, QueryStore.Series last, int idColumn, int measurementColumn)
            throws SQLException {
        long id = row.getLong(idColumn);
        if (last != null && last.id() == id) {
            return last;
        }
        return new QueryStore.Series(id, row.getString(measurementColumn), row.getString(measurementColumn + 1),
                row.getString(measurementColumn + 2), FieldType.fromLowercaseName(row.getString(measurementColumn + 3)));
    }

    /** Moves to the next chunk point in the range after the position, decoding the next chunk when one is done. */
    private void nextCold() throws SQLException {
        index++;
        while (true) {
            if (chunk != null) {
                for (; index < chunk.size(); index++) {
                    long time = chunk.timestamps()[index];
                    if (time >= range.end()) {
                        break;
                    }
                    if (time >= range.start() && (coldSeries.id() > afterSeries || coldSeries.id() == afterSeries && time > afterTime)) {
                        coldValid = true;
                        return;
                    }
                }
            }
            if (chunks == null || !chunks.next()) {
                chunk = null;
                coldValid = false;
                return;
            }
            coldSeries = series(chunks, coldSeries, 1, 3);
            chunk = ChunkCodec.decode(chunks.getBytes(2));
            index = 0;
        }
    }

    /** A hot row's value as the outputs take it. */
    private static Object hotValue(ResultSet row, FieldType type) throws SQLException {
        return switch (type) {
            case FLOAT -> row.getDouble(7);
            case INTEGER -> row.getLong(8);
            case UNSIGNED -> new BigDecimal(Long.toUnsignedString(row.getLong(8)));
            case BOOLEAN -> row.getBoolean(9);
            case STRING -> row.getString(10);
        };
    }

    /** A chunk point's value, the same as {@link #hotValue} gives for the row it was folded from. */
    private static Object coldValue(ChunkPoints chunk, int i) {
        return switch (chunk.type()) {
            case FLOAT -> Double.longBitsToDouble(chunk.bits()[i]);
            case INTEGER -> chunk.bits()[i];
            case UNSIGNED -> new BigDecimal(Long.toUnsignedString(chunk.bits()[i]));
            case BOOLEAN -> chunk.bits()[i] == 1;
            case STRING -> chunk.strings()[i];
        };
    }
}
