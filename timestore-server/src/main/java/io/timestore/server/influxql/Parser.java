package io.timestore.server.influxql;

import io.timestore.server.influxql.Expr.Binary;
import io.timestore.server.influxql.Expr.VarRef;
import io.timestore.server.influxql.Statement.Column;
import io.timestore.server.influxql.Statement.Fill;
import io.timestore.server.influxql.Statement.GroupBy;
import io.timestore.server.influxql.Statement.Page;
import io.timestore.server.influxql.Statement.Source;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A recursive-descent parser for the InfluxQL Timestore answers (docs/influxql.md): SELECT and the
 * SHOW statements Grafana sends; statements that would change anything parse as
 * {@link Statement.Refused}. Errors name the token found, what was expected and its position.
 * Not thread-safe: one parser per query text.
 *
 * <p>Over 600 lines because it is one recursive-descent method per grammar production (SELECT's
 * clauses, conditions, the SHOW statements, literals), kept together in grammar order so the
 * parser reads against docs/influxql.md; the lexer and the AST are separate classes.
 */
public final class Parser {
    /** The most statements one query may hold. */
    public static final int MAX_STATEMENTS = 100;
    private static final int MAX_DEPTH = 64;
    private static final Set<String> REFUSED = Set.of("DROP", "DELETE", "CREATE", "ALTER", "GRANT", "REVOKE", "SET", "KILL", "INSERT");
    /** Keywords that cannot be unquoted identifiers (InfluxQL reserves more; these are the ones a statement here may hold). */
    private static final Set<String> RESERVED = Set.of("SELECT", "FROM", "WHERE", "GROUP", "BY", "ORDER", "LIMIT", "OFFSET", "SLIMIT",
            "SOFFSET", "FILL", "AND", "OR", "AS", "INTO", "ON", "WITH", "SHOW", "ASC", "DESC", "KEY", "IN");
    private static final Set<String> COMPARISONS = Set.of("=", "!=", "<>", "<", "<=", ">", ">=", "=~", "!~");

    private final Lexer lexer;
    private Token current;
    private int depth;

    private Parser(String text) {
        this.lexer = new Lexer(text);
        this.current = lexer.next(false);
    }

    /** Every statement of {@code query} (separated by {@code ;}). */
    public static List<Statement> parse(String query) {
        var parser = new Parser(query);
        var statements = new ArrayList<Statement>();
        while (true) {
            while (parser.current.isOperator(";")) {
                parser.advance(false);
            }
            if (parser.current.kind() == Token.Kind.EOF) {
                break;
            }
            if (statements.size() == MAX_STATEMENTS) {
                throw parser.error("more than %d statements".formatted(MAX_STATEMENTS));
            }
            statements.add(parser.statement());
            if (!parser.current.isOperator(";") && parser.current.kind() != Token.Kind.EOF) {
                throw parser.unexpected("; or EOF");
            }
        }
        if (statements.isEmpty()) {
            throw parser.error("found EOF, expected SELECT, SHOW");
        }
        return List.copyOf(statements);
    }

    /** {@code query} with its literals replaced by {@code ?}, for the audit trail. */
    public static String redact(String query) {
        return Lexer.redact(query);
    }

    private Statement statement() {
        if (current.is("SELECT")) {
            return select();
        }
        if (current.is("SHOW")) {
            return show();
        }
        if (current.kind() == Token.Kind.IDENT && REFUSED.contains(current.text().toUpperCase(Locale.ROOT))) {
            var kind = current.text().toUpperCase(Locale.ROOT);
            skipStatement();
            return new Statement.Refused(kind);
        }
        throw unexpected("SELECT, SHOW");
    }

    private void skipStatement() {
        while (current.kind() != Token.Kind.EOF && !current.isOperator(";")) {
            advance(true);
        }
    }

    private Statement select() {
        advance(false);
        var columns = new ArrayList<Column>();
        do {
            var expr = current.isOperator("*") ? wildcard() : expression();
            Optional<String> alias = Optional.empty();
            if (current.is("AS")) {
                advance(false);
                alias = Optional.of(identifier());
            }
            columns.add(new Column(expr, alias));
        } while (acceptOperator(",", false));
        if (current.is("INTO")) {
            skipStatement();
            return new Statement.Refused("SELECT INTO");
        }
        expectKeyword("FROM", true);
        var from = source();
        if (current.isOperator(",")) {
            throw error("selecting from several measurements is not supported");
        }
        var condition = where();
        var groupBy = GroupBy.NONE;
        if (current.is("GROUP")) {
            advance(false);
            expectKeyword("BY", false);
            groupBy = groupBy();
        }
        Fill fill = new Fill.Null();
        if (current.is("FILL")) {
            fill = fill();
        }
        boolean descending = false;
        if (current.is("ORDER")) {
            advance(false);
            expectKeyword("BY", false);
            var by = identifier();
            if (!by.equalsIgnoreCase("time")) {
                throw error("only ORDER BY time supported at this time");
            }
            if (current.is("DESC")) {
                descending = true;
                advance(false);
            } else if (current.is("ASC")) {
                advance(false);
            }
        }
        var page = page();
        Optional<String> timeZone = Optional.empty();
        if (current.is("TZ")) {
            advance(false);
            expectOperator("(", false);
            if (current.kind() != Token.Kind.STRING) {
                throw unexpected("string");
            }
            timeZone = Optional.of(current.text());
            advance(false);
            expectOperator(")", false);
        }
        return new Statement.Select(columns, from, condition, groupBy, fill, descending, page, timeZone);
    }

    private Expr wildcard() {
        advance(false);
        Optional<String> type = Optional.empty();
        if (acceptOperator("::", false)) {
            type = Optional.of(typeHint());
        }
        return new Expr.Wildcard(type);
    }

    private String typeHint() {
        var hint = identifier().toLowerCase(Locale.ROOT);
        if (!Set.of("field", "tag", "float", "integer", "unsigned", "string", "boolean").contains(hint)) {
            throw error("invalid type hint " + hint + ", expected field, tag, float, integer, unsigned, string or boolean");
        }
        return hint;
    }

    /** {@code [[db.]rp.]measurement}, each part an identifier; {@code db..m} skips the policy. */
    private Source source() {
        if (current.kind() == Token.Kind.REGEX) {
            throw error("regular expressions in FROM are not supported");
        }
        var parts = new ArrayList<String>();
        parts.add(identifier());
        while (current.isOperator(".")) {
            advance(false);
            if (current.isOperator(".")) {
                parts.add("");
                continue;
            }
            parts.add(identifier());
        }
        if (parts.size() > 3) {
            throw error("a source has at most three parts: database.retention_policy.measurement");
        }
        var measurement = parts.getLast();
        Optional<String> rp = parts.size() >= 2 ? Optional.of(parts.get(parts.size() - 2)).filter(p -> !p.isEmpty()) : Optional.empty();
        Optional<String> db = parts.size() == 3 ? Optional.of(parts.getFirst()) : Optional.empty();
        return new Source(db, rp, measurement);
    }

    private Optional<Expr> where() {
        if (!current.is("WHERE")) {
            return Optional.empty();
        }
        advance(false);
        return Optional.of(expression());
    }

    private GroupBy groupBy() {
        OptionalLong interval = OptionalLong.empty();
        long offset = 0;
        var tags = new ArrayList<String>();
        boolean all = false;
        do {
            if (current.is("time") && peekIsOpenParenthesis()) {
                advance(false);
                expectOperator("(", false);
                interval = OptionalLong.of(positiveDuration());
                if (acceptOperator(",", false)) {
                    offset = current.isOperator("-") ? -negatedDuration() : positiveDuration();
                }
                expectOperator(")", false);
            } else if (current.isOperator("*")) {
                advance(false);
                all = true;
            } else if (current.kind() == Token.Kind.REGEX) {
                throw error("GROUP BY a regular expression is not supported");
            } else {
                var tag = identifier();
                if (acceptOperator("::", false)) {
                    typeHint();
                }
                tags.add(tag);
            }
        } while (acceptOperator(",", true));
        return new GroupBy(interval, offset, tags, all);
    }

    private long negatedDuration() {
        advance(false);
        return positiveDuration();
    }

    private boolean peekIsOpenParenthesis() {
        int saved = lexer.position();
        var next = lexer.next(false);
        lexer.reset(saved);
        return next.isOperator("(");
    }

    private long positiveDuration() {
        if (current.kind() != Token.Kind.DURATION) {
            throw unexpected("duration");
        }
        var nanos = Durations.nanos(current.text());
        if (nanos == null || nanos <= 0) {
            throw error("duration %s is out of range".formatted(current.text()));
        }
        advance(false);
        return nanos;
    }

    private Fill fill() {
        advance(false);
        expectOperator("(", false);
        Fill fill;
        if (current.is("null")) {
            fill = new Fill.Null();
        } else if (current.is("none")) {
            fill = new Fill.None();
        } else if (current.is("previous")) {
            fill = new Fill.Previous();
        } else if (current.is("linear")) {
            fill = new Fill.Linear();
        } else {
            boolean negative = acceptOperator("-", false);
            fill = switch (current.kind()) {
                case INTEGER -> new Fill.Value(negative ? -integer() : integer());
                case NUMBER -> new Fill.Value(negative ? -Double.parseDouble(current.text()) : Double.parseDouble(current.text()));
                default -> throw unexpected("null, none, previous, linear or a number");
            };
            advance(false);
            expectOperator(")", false);
            return fill;
        }
        advance(false);
        expectOperator(")", false);
        return fill;
    }

    private Page page() {
        OptionalLong limit = OptionalLong.empty();
        OptionalLong seriesLimit = OptionalLong.empty();
        long offset = 0;
        long seriesOffset = 0;
        while (true) {
            if (current.is("LIMIT")) {
                advance(false);
                limit = OptionalLong.of(nonNegative());
            } else if (current.is("OFFSET")) {
                advance(false);
                offset = nonNegative();
            } else if (current.is("SLIMIT")) {
                advance(false);
                seriesLimit = OptionalLong.of(nonNegative());
            } else if (current.is("SOFFSET")) {
                advance(false);
                seriesOffset = nonNegative();
            } else {
                return new Page(limit, offset, seriesLimit, seriesOffset);
            }
        }
    }

    private long nonNegative() {
        if (current.kind() != Token.Kind.INTEGER) {
            throw unexpected("integer");
        }
        long value = integer();
        advance(false);
        return value;
    }

    private long integer() {
        try {
            return Long.parseLong(current.text());
        } catch (NumberFormatException e) {
            throw error("integer %s is out of range".formatted(current.text()));
        }
    }

    private Statement show() {
        advance(false);
        if (current.is("DATABASES")) {
            advance(false);
            return new Statement.ShowDatabases();
        }
        if (current.is("RETENTION")) {
            advance(false);
            expectKeyword("POLICIES", false);
            return new Statement.ShowRetentionPolicies(on());
        }
        if (current.is("MEASUREMENTS")) {
            advance(false);
            var db = on();
            Optional<Expr> measurement = Optional.empty();
            if (current.is("WITH")) {
                advance(false);
                expectKeyword("MEASUREMENT", false);
                measurement = Optional.of(keyCondition("_name"));
            }
            var condition = where();
            return new Statement.ShowMeasurements(db, measurement, condition, page());
        }
        if (current.is("TAG")) {
            advance(false);
            if (current.is("KEYS")) {
                advance(false);
                var db = on();
                var from = from();
                return new Statement.ShowTagKeys(db, from, where(), page());
            }
            expectKeyword("VALUES", false);
            var db = on();
            var from = from();
            expectKeyword("WITH", false);
            expectKeyword("KEY", false);
            var key = keyCondition("_tagKey");
            var condition = where();
            return new Statement.ShowTagValues(db, from, key, condition, page());
        }
        if (current.is("SERIES")) {
            advance(false);
            var db = on();
            var from = from();
            return new Statement.ShowSeries(db, from, where(), page());
        }
        if (current.is("FIELD")) {
            advance(false);
            expectKeyword("KEYS", false);
            var db = on();
            var from = from();
            return new Statement.ShowFieldKeys(db, from, page());
        }
        throw unexpected("DATABASES, MEASUREMENTS, SERIES, TAG KEYS, TAG VALUES, FIELD KEYS, RETENTION POLICIES");
    }

    private Optional<String> on() {
        if (!current.is("ON")) {
            return Optional.empty();
        }
        advance(false);
        return Optional.of(identifier());
    }

    private Optional<Source> from() {
        if (!current.is("FROM")) {
            return Optional.empty();
        }
        advance(true);
        var source = source();
        if (current.isOperator(",")) {
            throw error("several sources are not supported");
        }
        return Optional.of(source);
    }

    /** {@code = name}, {@code != name}, {@code =~ /re/}, {@code !~ /re/} or {@code IN (a, b)}, over {@code VarRef(subject)}. */
    private Expr keyCondition(String subject) {
        var ref = new VarRef(subject, Optional.empty());
        if (current.is("IN")) {
            advance(false);
            expectOperator("(", false);
            Expr any = null;
            do {
                var equal = new Binary("=", ref, new Expr.StringLiteral(identifierOrString()));
                any = any == null ? equal : new Binary("OR", any, equal);
            } while (acceptOperator(",", false));
            expectOperator(")", false);
            return any;
        }
        if (current.kind() != Token.Kind.OPERATOR || !Set.of("=", "!=", "<>", "=~", "!~").contains(current.text())) {
            throw unexpected("=, !=, =~, !~ or IN");
        }
        var operator = current.text().equals("<>") ? "!=" : current.text();
        advance(operator.endsWith("~"));
        if (operator.endsWith("~")) {
            if (current.kind() != Token.Kind.REGEX) {
                throw unexpected("regex");
            }
            var regex = new Expr.RegexLiteral(current.text());
            advance(false);
            return new Binary(operator, ref, regex);
        }
        return new Binary(operator, ref, new Expr.StringLiteral(identifierOrString()));
    }

    private String identifierOrString() {
        if (current.kind() == Token.Kind.STRING) {
            var text = current.text();
            advance(false);
            return text;
        }
        return identifier();
    }

    // Expressions, loosest first: OR, AND, comparison, + -, * / %, unary.

    private Expr expression() {
        if (++depth > MAX_DEPTH) {
            throw error("expression nested deeper than %d".formatted(MAX_DEPTH));
        }
        try {
            var left = and();
            while (current.is("OR")) {
                advance(false);
                left = new Binary("OR", left, and());
            }
            return left;
        } finally {
            depth--;
        }
    }

    private Expr and() {
        var left = comparison();
        while (current.is("AND")) {
            advance(false);
            left = new Binary("AND", left, comparison());
        }
        return left;
    }

    private Expr comparison() {
        var left = additive();
        if (current.kind() == Token.Kind.OPERATOR && COMPARISONS.contains(current.text())) {
            var operator = current.text().equals("<>") ? "!=" : current.text();
            advance(operator.endsWith("~"));
            if (operator.endsWith("~") && current.kind() != Token.Kind.REGEX) {
                throw unexpected("regex");
            }
            return new Binary(operator, left, additive());
        }
        return left;
    }

    private Expr additive() {
        var left = multiplicative();
        while (current.isOperator("+") || current.isOperator("-")) {
            var operator = current.text();
            advance(false);
            left = new Binary(operator, left, multiplicative());
        }
        return left;
    }

    private Expr multiplicative() {
        var left = unary();
        while (current.isOperator("*") || current.isOperator("/") || current.isOperator("%")) {
            var operator = current.text();
            advance(false);
            left = new Binary(operator, left, unary());
        }
        return left;
    }

    private Expr unary() {
        if (current.isOperator("-")) {
            advance(false);
            return switch (current.kind()) {
                case INTEGER -> {
                    long value = -integer();
                    advance(false);
                    yield new Expr.IntegerLiteral(value);
                }
                case NUMBER -> {
                    double value = -Double.parseDouble(current.text());
                    advance(false);
                    yield new Expr.NumberLiteral(value);
                }
                case DURATION -> new Expr.DurationLiteral(-positiveDuration());
                default -> new Binary("-", new Expr.IntegerLiteral(0), primary());
            };
        }
        return primary();
    }

    private Expr primary() {
        var token = current;
        switch (token.kind()) {
            case OPERATOR -> {
                if (token.isOperator("(")) {
                    advance(false);
                    var inner = expression();
                    expectOperator(")", false);
                    return inner;
                }
                throw unexpected("identifier, string, number, bool");
            }
            case STRING -> {
                advance(false);
                return new Expr.StringLiteral(token.text());
            }
            case INTEGER -> {
                long value = integer();
                advance(false);
                return new Expr.IntegerLiteral(value);
            }
            case NUMBER -> {
                advance(false);
                return new Expr.NumberLiteral(Double.parseDouble(token.text()));
            }
            case DURATION -> {
                return new Expr.DurationLiteral(positiveDurationOrZero());
            }
            case REGEX -> {
                advance(false);
                return new Expr.RegexLiteral(token.text());
            }
            case IDENT, QUOTED_IDENT -> {
                if (token.kind() == Token.Kind.IDENT && RESERVED.contains(token.text().toUpperCase(Locale.ROOT))) {
                    throw unexpected("identifier, string, number, bool");
                }
                if (token.kind() == Token.Kind.IDENT && (token.is("true") || token.is("false"))) {
                    advance(false);
                    return new Expr.BooleanLiteral(token.is("true"));
                }
                var name = identifier();
                if (token.kind() == Token.Kind.IDENT && current.isOperator("(")) {
                    return call(name);
                }
                Optional<String> type = Optional.empty();
                if (acceptOperator("::", false)) {
                    type = Optional.of(typeHint());
                }
                return new VarRef(name, type);
            }
            default -> throw unexpected("identifier, string, number, bool");
        }
    }

    private long positiveDurationOrZero() {
        var nanos = Durations.nanos(current.text());
        if (nanos == null) {
            throw error("duration %s is out of range".formatted(current.text()));
        }
        advance(false);
        return nanos;
    }

    private Expr call(String name) {
        advance(false); // (
        var args = new ArrayList<Expr>();
        if (!current.isOperator(")")) {
            do {
                args.add(current.isOperator("*") ? wildcard() : expression());
            } while (acceptOperator(",", false));
        }
        expectOperator(")", false);
        return new Expr.Call(name.toLowerCase(Locale.ROOT), args);
    }

    private String identifier() {
        if (current.kind() != Token.Kind.IDENT && current.kind() != Token.Kind.QUOTED_IDENT
                || current.kind() == Token.Kind.IDENT && RESERVED.contains(current.text().toUpperCase(Locale.ROOT))) {
            throw unexpected("identifier");
        }
        var text = current.text();
        advance(false);
        return text;
    }

    private void expectKeyword(String keyword, boolean regexMayFollow) {
        if (!current.is(keyword)) {
            throw unexpected(keyword);
        }
        advance(regexMayFollow);
    }

    private void expectOperator(String operator, boolean regexMayFollow) {
        if (!current.isOperator(operator)) {
            throw unexpected(operator);
        }
        advance(regexMayFollow);
    }

    private boolean acceptOperator(String operator, boolean regexMayFollow) {
        if (current.isOperator(operator)) {
            advance(regexMayFollow);
            return true;
        }
        return false;
    }

    private void advance(boolean regexMayFollow) {
        current = lexer.next(regexMayFollow);
    }

    private InfluxQlSyntaxError unexpected(String expected) {
        return lexer.error("found %s, expected %s".formatted(current.shown(), expected), current.offset());
    }

    private InfluxQlSyntaxError error(String message) {
        return lexer.error(message, current.offset());
    }
}
