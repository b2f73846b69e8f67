package io.timestore.server.influxql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.timestore.server.influxql.Expr.Binary;
import io.timestore.server.influxql.Expr.VarRef;
import io.timestore.server.influxql.Statement.Select;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The InfluxQL parser on the statements Grafana and InfluxDB clients send, and on what it refuses. */
class ParserTest {
    private static Select select(String query) {
        return (Select) Parser.parse(query).getFirst();
    }

    @Test
    void a_grafana_panel_query_parses_into_its_parts() {
        var select = select("SELECT mean(\"usage\") AS \"m\", max(\"usage\") FROM \"autogen\".\"cpu\" WHERE (\"host\"::tag = 'a' OR \"host\"::tag =~ /^b$/)"
                + " AND time >= 1700000000000ms and time <= 1700003600000ms GROUP BY time(1m), \"host\"::tag fill(linear)"
                + " ORDER BY time DESC LIMIT 10 SLIMIT 2 tz('UTC')");

        assertThat(select.columns()).hasSize(2);
        assertThat(select.columns().getFirst().expr()).isEqualTo(new Expr.Call("mean", List.of(new VarRef("usage", Optional.empty()))));
        assertThat(select.columns().getFirst().alias()).contains("m");
        assertThat(select.from()).isEqualTo(new Statement.Source(Optional.empty(), Optional.of("autogen"), "cpu"));
        assertThat(select.groupBy().intervalNanos()).hasValue(60_000_000_000L);
        assertThat(select.groupBy().tags()).containsExactly("host");
        assertThat(select.fill()).isInstanceOf(Statement.Fill.Linear.class);
        assertThat(select.descending()).isTrue();
        assertThat(select.page().limit()).hasValue(10);
        assertThat(select.page().seriesLimit()).hasValue(2);
        assertThat(select.timeZone()).contains("UTC");
        var where = (Binary) select.condition().orElseThrow();
        assertThat(where.operator()).isEqualTo("AND");
        var time = (Binary) where.right();
        assertThat(time.right()).isEqualTo(new Expr.DurationLiteral(1_700_003_600_000_000_000L));
        var tags = (Binary) ((Binary) where.left()).left();
        assertThat(tags.operator()).isEqualTo("OR");
        assertThat(((Binary) tags.right()).right()).isEqualTo(new Expr.RegexLiteral("^b$"));
        assertThat(((Binary) tags.left()).left()).isEqualTo(new VarRef("host", Optional.of("tag")));
    }

    @Test
    void now_minus_a_duration_and_fill_with_a_number_parse() {
        var select = select("select count(v) from m where time > now() - 6h group by time(30s) fill(-1.5)");

        var bound = (Binary) select.condition().orElseThrow();
        assertThat(bound.right()).isEqualTo(new Binary("-", new Expr.Call("now", List.of()), new Expr.DurationLiteral(21_600_000_000_000L)));
        assertThat(select.fill()).isEqualTo(new Statement.Fill.Value(-1.5));
    }

    @Test
    void a_source_may_name_database_and_policy_or_skip_the_policy() {
        assertThat(select("SELECT v FROM \"other\".\"autogen\".\"cpu\"").from())
                .isEqualTo(new Statement.Source(Optional.of("other"), Optional.of("autogen"), "cpu"));
        assertThat(select("SELECT v FROM other..cpu").from()).isEqualTo(new Statement.Source(Optional.of("other"), Optional.empty(), "cpu"));
        assertThat(select("SELECT v FROM other..cpu").database()).contains("other");
    }

    @Test
    void several_statements_separated_by_semicolons_parse_in_order() {
        var statements = Parser.parse("SHOW DATABASES; SHOW MEASUREMENTS ON \"x\" WITH MEASUREMENT =~ /cp.*/ LIMIT 1;"
                + " SHOW TAG KEYS FROM \"cpu\"; SHOW TAG VALUES FROM \"cpu\" WITH KEY = \"host\" WHERE \"region\" = 'eu';"
                + " SHOW FIELD KEYS FROM cpu; SHOW RETENTION POLICIES on \"db\";");
        assertThat(Parser.parse("SHOW SERIES ON \"db\" FROM \"cpu\" WHERE \"host\" = 'a' LIMIT 5 OFFSET 1").getFirst())
                .isInstanceOfSatisfying(Statement.ShowSeries.class, show -> {
                    assertThat(show.database()).contains("db");
                    assertThat(show.from().map(Statement.Source::measurement)).contains("cpu");
                    assertThat(show.condition()).isPresent();
                    assertThat(show.page().limit().getAsLong()).isEqualTo(5);
                    assertThat(show.page().offset()).isEqualTo(1);
                });

        assertThat(statements).hasSize(6);
        assertThat(statements.get(0)).isInstanceOf(Statement.ShowDatabases.class);
        var measurements = (Statement.ShowMeasurements) statements.get(1);
        assertThat(measurements.database()).contains("x");
        assertThat(measurements.measurement()).contains(new Binary("=~", new VarRef("_name", Optional.empty()), new Expr.RegexLiteral("cp.*")));
        assertThat(measurements.page().limit()).hasValue(1);
        var values = (Statement.ShowTagValues) statements.get(3);
        assertThat(values.key()).isEqualTo(new Binary("=", new VarRef("_tagKey", Optional.empty()), new Expr.StringLiteral("host")));
        assertThat(values.condition()).isPresent();
        assertThat(((Statement.ShowRetentionPolicies) statements.get(5)).database()).contains("db");
    }

    @Test
    void statements_that_change_data_parse_as_refused() {
        assertThat(Parser.parse("DROP MEASUREMENT cpu")).containsExactly(new Statement.Refused("DROP"));
        assertThat(Parser.parse("delete from cpu where time < now()")).containsExactly(new Statement.Refused("DELETE"));
        assertThat(Parser.parse("CREATE DATABASE x")).containsExactly(new Statement.Refused("CREATE"));
        assertThat(Parser.parse("GRANT ALL TO bob")).containsExactly(new Statement.Refused("GRANT"));
        assertThat(Parser.parse("SELECT * INTO other FROM cpu")).containsExactly(new Statement.Refused("SELECT INTO"));
        assertThat(Parser.parse("SHOW DATABASES; ALTER RETENTION POLICY a ON b DURATION 1d").getLast())
                .isEqualTo(new Statement.Refused("ALTER"));
    }

    @Test
    void syntax_errors_name_what_was_found_and_expected_and_where() {
        assertThatThrownBy(() -> Parser.parse("SELECT FROM cpu"))
                .isInstanceOf(InfluxQlSyntaxError.class)
                .hasMessage("error parsing query: found FROM, expected identifier, string, number, bool at line 1, char 8");
        assertThatThrownBy(() -> Parser.parse("SHOW MEASUREMENTS;\nSELECT v FROM cpu WHERE time > "))
                .hasMessage("error parsing query: found EOF, expected identifier, string, number, bool at line 2, char 32");
        assertThatThrownBy(() -> Parser.parse("SELECT v FROM cpu WHERE host = 'a"))
                .hasMessageContaining("unterminated string at line 1, char 32");
        assertThatThrownBy(() -> Parser.parse("SELECT v FROM cpu GROUP BY time(5x)")).hasMessageContaining("invalid duration unit x");
        assertThatThrownBy(() -> Parser.parse("  ")).hasMessageContaining("found EOF, expected SELECT, SHOW");
        assertThatThrownBy(() -> Parser.parse("EXPLAIN SELECT v FROM cpu")).hasMessageContaining("found EXPLAIN, expected SELECT, SHOW");
    }

    @Test
    void deeply_nested_expressions_are_refused_rather_than_overflowing_the_stack() {
        var query = "SELECT v FROM cpu WHERE " + "(".repeat(10_000) + "a = 'b'" + ")".repeat(10_000);

        assertThatThrownBy(() -> Parser.parse(query)).isInstanceOf(InfluxQlSyntaxError.class).hasMessageContaining("nested deeper");
    }

    @Test
    void redaction_keeps_the_statement_shape_and_drops_its_literals() {
        assertThat(Parser.redact("SELECT mean(\"v\") FROM \"cpu\" WHERE \"host\" = 'secret' AND \"dc\" =~ /se.ret/ AND time > 1700000000000ms"))
                .isEqualTo("SELECT mean ( \"v\" ) FROM \"cpu\" WHERE \"host\" = ? AND \"dc\" =~ ? AND time > ?");
    }
}
