package io.timestore.bench;

import io.timestore.audit.AuditEvent;
import io.timestore.audit.ChainHead;
import io.timestore.audit.chain.Chain;
import io.timestore.audit.checkpoint.Checkpoint;
import io.timestore.audit.checkpoint.CheckpointKeys;
import io.timestore.audit.checkpoint.CheckpointSigner;
import io.timestore.audit.checkpoint.CheckpointVerifier;
import io.timestore.audit.verify.ChainVerifier;
import io.timestore.audit.verify.VerificationResult;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.InstantSource;
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
 * {@link ChainVerifier} over {@value #EVENTS} pre-sealed events with one checkpoint at the head:
 * the hashing loop of verification (canonical encoding + SHA-256 per event). Score is events per
 * second (issue 6: at least 1,000,000).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class VerificationBenchmark {
    static final int EVENTS = 100_000;

    private List<AuditEvent> sealed;
    private List<Checkpoint> checkpoints;
    private ChainVerifier verifier;

    @Setup
    public void setUp() {
        var batch = new Chain().seal(ChainHead.genesis("acme"), AuditBenchEvents.events("acme", EVENTS));
        sealed = batch.events();
        var key = CheckpointKeys.generate(new SecureRandom());
        var signer = new CheckpointSigner(key, InstantSource.fixed(Instant.parse("2025-03-02T00:00:00Z")));
        checkpoints = List.of(signer.sign(batch.head(), null));
        verifier = new ChainVerifier(new CheckpointVerifier(List.of(key.getPublic())));
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public VerificationResult verifyChain() {
        VerificationResult result = verifier.verify("acme", sealed.iterator(), checkpoints);
        if (!result.ok()) {
            throw new IllegalStateException(result.message());
        }
        return result;
    }
}
