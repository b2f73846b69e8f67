package io.timestore.server.signingkeys;

import io.timestore.security.signed.NonceStore;
import io.timestore.server.db.Transactions;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.InstantSource;

/**
 * Nonces of accepted signed requests, in PostgreSQL so every server instance sees them: the
 * primary key makes "remember" atomic (exactly one of two concurrent replays wins). Expired rows
 * are purged in small batches as new nonces arrive. Thread-safe.
 */
public final class NonceRecords implements NonceStore {
    private static final String REMEMBER = """
            INSERT INTO request_nonces (key_id, nonce, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING
            """;
    private static final String PURGE = """
            DELETE FROM request_nonces WHERE ctid IN (
                SELECT ctid FROM request_nonces WHERE expires_at < ? ORDER BY expires_at LIMIT 500)
            """;
    private final Transactions transactions;
    private final InstantSource clock;

    public NonceRecords(Transactions transactions, InstantSource clock) {
        this.transactions = transactions;
        this.clock = clock;
    }

    @Override
    public boolean remember(String keyId, String nonce, Instant expiresAt) {
        return transactions.withoutTenant(connection -> {
            try (var purge = connection.prepareStatement(PURGE)) {
                purge.setTimestamp(1, Timestamp.from(clock.instant()));
                purge.executeUpdate();
            }
            try (var statement = connection.prepareStatement(REMEMBER)) {
                statement.setString(1, keyId);
                statement.setString(2, nonce);
                statement.setTimestamp(3, Timestamp.from(expiresAt));
                return statement.executeUpdate() == 1;
            }
        });
    }
}
