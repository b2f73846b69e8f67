package io.timestore.server.influxql;

/** InfluxQL duration literals: an integer and a unit ({@code ns u µ ms s m h d w}). */
final class Durations {
    private Durations() {}

    /** Nanoseconds in one {@code unit}, or -1 for an unknown unit. */
    static long unitNanos(String unit) {
        return switch (unit) {
            case "ns" -> 1L;
            case "u", "µ", "us" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            case "d" -> 86_400_000_000_000L;
            case "w" -> 604_800_000_000_000L;
            default -> -1L;
        };
    }

    /** {@code literal} (digits then a unit) in nanoseconds; null when it overflows int64. */
    static Long nanos(String literal) {
        int unitStart = 0;
        while (unitStart < literal.length() && Character.isDigit(literal.charAt(unitStart))) {
            unitStart++;
        }
        try {
            return Math.multiplyExact(Long.parseLong(literal.substring(0, unitStart)), unitNanos(literal.substring(unitStart)));
        } catch (NumberFormatException | ArithmeticException e) {
            return null;
        }
    }
}
