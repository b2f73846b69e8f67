package io.timestore.server.points;

import java.math.BigInteger;
import java.util.Objects;

/**
 * A field value with the type it was written with. Values are exact: integers are int64, unsigned
 * integers are the 64 bits of a uint64 (never squeezed through a double), floats are finite float64.
 */
public sealed interface FieldValue {

    FieldType type();

    /** A finite float64; line protocol cannot express NaN or infinities, so neither can this. */
    record FloatValue(double value) implements FieldValue {
        public FloatValue {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("float field value must be finite, got " + value);
            }
        }

        @Override
        public FieldType type() {
            return FieldType.FLOAT;
        }
    }

    /** A signed 64-bit integer ({@code 42i} in line protocol). */
    record IntegerValue(long value) implements FieldValue {
        @Override
        public FieldType type() {
            return FieldType.INTEGER;
        }
    }

    /**
     * An unsigned 64-bit integer ({@code 42u} in line protocol). {@code bits} holds the uint64 as
     * Java holds it in a long: values above {@link Long#MAX_VALUE} are negative longs. Use
     * {@link #toBigInteger()} or {@link #toString()} for the numeric value.
     */
    record UnsignedValue(long bits) implements FieldValue {
        private static final BigInteger MAX = new BigInteger("18446744073709551615");

        /** The unsigned value {@code value}, which must be in 0 .. 18446744073709551615. */
        public static UnsignedValue of(BigInteger value) {
            if (value.signum() < 0 || value.compareTo(MAX) > 0) {
                throw new IllegalArgumentException("unsigned value must be in 0..18446744073709551615, got " + value);
            }
            return new UnsignedValue(value.longValue());
        }

        public BigInteger toBigInteger() {
            return new BigInteger(Long.toUnsignedString(bits));
        }

        @Override
        public FieldType type() {
            return FieldType.UNSIGNED;
        }

        /** The decimal value, e.g. {@code 18446744073709551615}. */
        @Override
        public String toString() {
            return Long.toUnsignedString(bits);
        }
    }

    record BooleanValue(boolean value) implements FieldValue {
        public static final BooleanValue TRUE = new BooleanValue(true);
        public static final BooleanValue FALSE = new BooleanValue(false);

        public static BooleanValue of(boolean value) {
            return value ? TRUE : FALSE;
        }

        @Override
        public FieldType type() {
            return FieldType.BOOLEAN;
        }
    }

    record StringValue(String value) implements FieldValue {
        public StringValue {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public FieldType type() {
            return FieldType.STRING;
        }
    }
}
