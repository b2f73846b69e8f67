package io.timestore.audit;

import io.timestore.audit.chain.Sequencer;
import io.timestore.audit.checkpoint.CheckpointKeys;
import io.timestore.audit.checkpoint.CheckpointSigner;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/** Sequencers for tests: rounds only on {@link Sequencer#sealNow()}, quick to take over the lead. */
final class Sequencers {
    static final KeyPair KEY = CheckpointKeys.generate(new SecureRandom());
    static final String LOG_NAME = "timestore.test";

    private Sequencers() {}

    static Sequencer.Settings settings(int batchSize, int checkpointEvery, Duration checkpointInterval) {
        return new Sequencer.Settings(Duration.ofHours(1), batchSize, checkpointEvery, checkpointInterval, Duration.ofMillis(100));
    }

    static Sequencer start(DataSource dataSource, InstantSource clock, Sequencer.Settings settings, Sequencer.Observer observer) {
        var signer = new CheckpointSigner(KEY, new TickingClock(Events.T0));
        return new Sequencer(dataSource, new AuditJson(), signer, KEY.getPublic(), LOG_NAME, clock, settings, observer).start();
    }

    /** Runs one round and returns what it did. */
    static Sequencer.Round round(Sequencer sequencer) {
        try {
            return sequencer.sealNow().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the sequencer's round did not finish", e);
        }
    }
}
