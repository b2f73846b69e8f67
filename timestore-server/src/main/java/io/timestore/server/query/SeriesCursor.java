package io.timestore.server.query;

import java.sql.ResultSet;
import java.sql.SQLException;

/** A result set in series id order, positioned on the rows of one series at a time; counts the rows it passed. */
final class SeriesCursor {
    private final ResultSet rows;
    private boolean valid;
    private long series;
    private int count;

    SeriesCursor(ResultSet rows) throws SQLException {
        this.rows = rows;
        next();
    }

    void next() throws SQLException {
        valid = rows.next();
        if (valid) {
            series = rows.getLong(1);
            count++;
        }
    }

    /** Reads past the rows left, if any; how many rows there were. */
    int drained() throws SQLException {
        while (valid) {
            next();
        }
        return count;
    }

    /** Whether the current row is of series {@code id} (rows of lower series are skipped). */
    boolean on(long id) throws SQLException {
        while (valid && series < id) {
            next();
        }
        return valid && series == id;
    }
}
