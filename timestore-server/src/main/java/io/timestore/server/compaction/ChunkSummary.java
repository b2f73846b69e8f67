package io.timestore.server.compaction;

import io.timestore.server.chunks.ChunkPoints;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;

/**
 * The summary columns of a chunk (V37): float series fill min/max/sum/first/last as float8,
 * integer and unsigned series as exact numeric (an unsigned value as its value, not its bits);
 * boolean and string series none of them.
 */
final class ChunkSummary {
    private ChunkSummary() {}

    /** Binds the ten summary columns, min_f .. last_n, from parameter {@code first} on. */
    static void bind(PreparedStatement statement, int first, ChunkPoints points) throws SQLException {
        switch (points.type()) {
            case FLOAT -> {
                bindFloats(statement, first, points.bits());
                nulls(statement, first + 5, Types.NUMERIC);
            }
            case INTEGER, UNSIGNED -> {
                nulls(statement, first, Types.DOUBLE);
                bindNumbers(statement, first + 5, points.bits(), points.type() == io.timestore.server.points.FieldType.UNSIGNED);
            }
            case BOOLEAN, STRING -> {
                nulls(statement, first, Types.DOUBLE);
                nulls(statement, first + 5, Types.NUMERIC);
            }
        }
    }

    private static void bindFloats(PreparedStatement statement, int first, long[] bits) throws SQLException {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        for (long b : bits) {
            double value = Double.longBitsToDouble(b);
            min = Math.min(min, value);
            max = Math.max(max, value);
            sum += value;
        }
        statement.setDouble(first, min);
        statement.setDouble(first + 1, max);
        statement.setDouble(first + 2, sum);
        statement.setDouble(first + 3, Double.longBitsToDouble(bits[0]));
        statement.setDouble(first + 4, Double.longBitsToDouble(bits[bits.length - 1]));
    }

    private static void bindNumbers(PreparedStatement statement, int first, long[] bits, boolean unsigned) throws SQLException {
        long min = bits[0];
        long max = bits[0];
        var sum = BigInteger.ZERO;
        for (long b : bits) {
            if (unsigned ? Long.compareUnsigned(b, min) < 0 : b < min) {
                min = b;
            }
            if (unsigned ? Long.compareUnsigned(b, max) > 0 : b > max) {
                max = b;
            }
            sum = sum.add(number(b, unsigned));
        }
        statement.setBigDecimal(first, new BigDecimal(number(min, unsigned)));
        statement.setBigDecimal(first + 1, new BigDecimal(number(max, unsigned)));
        statement.setBigDecimal(first + 2, new BigDecimal(sum));
        statement.setBigDecimal(first + 3, new BigDecimal(number(bits[0], unsigned)));
        statement.setBigDecimal(first + 4, new BigDecimal(number(bits[bits.length - 1], unsigned)));
    }

    private static BigInteger number(long bits, boolean unsigned) {
        var value = BigInteger.valueOf(bits);
        return unsigned && bits < 0 ? value.add(BigInteger.ONE.shiftLeft(64)) : value;
    }

    private static void nulls(PreparedStatement statement, int first, int sqlType) throws SQLException {
        for (int i = 0; i < 5; i++) {
            statement.setNull(first + i, sqlType);
        }
    }
}
