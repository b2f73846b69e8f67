package io.timestore.bench;

import io.timestore.server.ingest.Batch;
import io.timestore.server.ingest.Limits;
import io.timestore.server.ingest.LineProtocolParser;
import io.timestore.server.ingest.Precision;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The line-protocol parser on the write path's body (issue 23: the JVM's share of ingestion): one
 * 5,000-line body of PeerLoad's payload ({@link LinePayload}: 100 series
 * {@code cpu,host=h<n>,region=eu-west-1 usage=<float> <ns>}), parsed into a {@link Batch} with
 * the parser's series cache warm, as a running server's is. The score is per line.
 *
 * <p>Run: {@code java -cp "timestore-bench/target/classes:timestore-bench/target/lib/*"
 * io.timestore.bench.LineProtocolBenchmark}, or through {@code org.openjdk.jmh.Main
 * LineProtocolBenchmark} with any JMH options.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LineProtocolBenchmark {
    private static final int LINES = 5_000;

    private byte[] body;
    private LineProtocolParser parser;

    @Setup
    public void setUp() {
        body = new LinePayload("cpu", 100, 10_000_000_000L).lines(0, LINES);
        parser = new LineProtocolParser(Limits.DEFAULTS);
        parser.parse(body, Precision.NANOSECONDS, 0); // the series cache holds the body's 100 series
    }

    @Benchmark
    @OperationsPerInvocation(LINES)
    public Batch parseBody() {
        return parser.parse(body, Precision.NANOSECONDS, 0);
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(LineProtocolBenchmark.class.getSimpleName()).build()).run();
    }
}
