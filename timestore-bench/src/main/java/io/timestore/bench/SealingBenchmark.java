package io.timestore.bench;

import io.timestore.audit.AuditEvent;
import io.timestore.audit.ChainHead;
import io.timestore.audit.chain.Chain;
import java.util.List;
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

/**
 * {@link Chain#seal} over one batch of the sequencer's size, in memory: the CPU part of sealing
 * (canonical encoding, SHA-256, sealed copies). Score is events per second (issue 6: at least
 * 50,000 sealed per second end to end).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SealingBenchmark {
    static final int BATCH = 10_000;

    private final Chain chain = new Chain();
    private List<AuditEvent> events;

    @Setup
    public void setUp() {
        events = AuditBenchEvents.events("acme", BATCH);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Chain.SealedBatch sealBatch() {
        return chain.seal(ChainHead.genesis("acme"), events);
    }
}
