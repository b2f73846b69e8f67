package io.timestore.server.influxql;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** An InfluxQL expression. */
public sealed interface Expr {
    /** A field, tag or {@code time}, with its {@code ::field} / {@code ::tag} hint if any. */
    record VarRef(String name, Optional<String> type) implements Expr {
        public VarRef {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
        }

        public boolean isTime() {
            return name.equalsIgnoreCase("time") && type.isEmpty();
        }
    }

    /** {@code *} in a select list, optionally {@code *::field} or {@code *::tag}. */
    record Wildcard(Optional<String> type) implements Expr {}

    /** A function call: {@code mean("usage")}, {@code percentile("usage", 95)}, {@code now()}. */
    record Call(String name, List<Expr> args) implements Expr {
        public Call {
            args = List.copyOf(args);
        }
    }

    record StringLiteral(String value) implements Expr {}

    record IntegerLiteral(long value) implements Expr {}

    record NumberLiteral(double value) implements Expr {}

    /** A duration literal in nanoseconds ({@code 6h}; also an epoch time with units, {@code 1700000000000ms}). */
    record DurationLiteral(long nanos) implements Expr {}

    record BooleanLiteral(boolean value) implements Expr {}

    /** {@code /pattern/} as written between the slashes ({@code \/} already unescaped). */
    record RegexLiteral(String pattern) implements Expr {}

    /** A binary operation: {@code AND OR = != <> < <= > >= =~ !~ + - * /}. */
    record Binary(String operator, Expr left, Expr right) implements Expr {
        public Binary {
            Objects.requireNonNull(operator, "operator");
            Objects.requireNonNull(left, "left");
            Objects.requireNonNull(right, "right");
        }
    }
}
