/**
 * InfluxQL, the query language of InfluxDB 1.x, as Grafana and InfluxDB clients send it to
 * {@code /query}: a hand-written lexer and recursive-descent parser producing a typed syntax tree
 * ({@link io.timestore.server.influxql.Statement}). Pure: no HTTP, no database. Execution lives in
 * {@code io.timestore.server.query} (docs/influxql.md).
 */
package io.timestore.server.influxql;
