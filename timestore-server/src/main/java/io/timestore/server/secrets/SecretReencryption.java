package io.timestore.server.secrets;

import io.timestore.security.TenantId;
import io.timestore.server.db.Transactions;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Moves every stored secret ({@link SecretTable}) to the active master key, online: one tenant at a
 * time, in transactions of at most {@code batchSize} rows locked {@code FOR UPDATE}, each committed
 * on its own, through row-level security (the runtime role inside the row's tenant, never a role
 * that bypasses it). Which rows are left is read from the ciphertexts themselves (their key id), so
 * a stopped run resumes where it stopped and a finished one finds nothing to do. Also counts the
 * secrets each master key still encrypts, which is what retiring a key checks. Thread-safe.
 */
public final class SecretReencryption {
    /** The key id in front of a stored secret; the legacy key's id for one stored before key ids. */
    private static final String KEY_ID = """
            CASE get_byte(secret, 0) WHEN 1 THEN ?
            ELSE convert_from(substring(secret FROM 3 FOR get_byte(secret, 1)), 'UTF8') END""";
    /** Not sealed with the active key (its id the parameter). */
    private static final String NOT_ACTIVE = "NOT (get_byte(secret, 0) = 2 AND substring(secret FROM 3 FOR get_byte(secret, 1)) = ?)";

    private final Transactions transactions;
    private final MasterKeyRing ring;
    private final Map<SecretTable, SecretBox> boxes = new EnumMap<>(SecretTable.class);

    public SecretReencryption(Transactions transactions, MasterKeyRing ring, SecureRandom random) {
        this.transactions = transactions;
        this.ring = ring;
        for (var table : SecretTable.values()) {
            boxes.put(table, new SecretBox(() -> ring, table, random));
        }
    }

    /** A secret that could not be re-encrypted (its key is not in the ring, or it does not decrypt). */
    public record Failure(SecretTable table, String tenant, String id, String reason) {}

    /** After one committed batch: how many secrets this run has re-encrypted so far. */
    public record Progress(SecretTable table, String tenant, long reencrypted) {}

    /** What a run did, and the census of the secrets by master key afterwards. */
    public record Outcome(long reencrypted, List<Failure> failures, Map<SecretTable, Map<String, Long>> census, boolean complete) {}

    /**
     * Re-encrypts up to {@code limit} secrets not yet sealed with the active key.
     *
     * @param progress told after each committed batch
     */
    public Outcome run(int batchSize, long limit, Consumer<Progress> progress) {
        long done = 0;
        var failures = new ArrayList<Failure>();
        for (var table : SecretTable.values()) {
            for (var tenant : tenantsWithOthers(table)) {
                String after = "";
                while (done < limit) {
                    var batch = batch(table, tenant, after, (int) Math.min(batchSize, limit - done), failures);
                    done += batch.reencrypted();
                    if (batch.reencrypted() > 0) {
                        progress.accept(new Progress(table, tenant, done));
                    }
                    if (batch.last() == null) {
                        break;
                    }
                    after = batch.last();
                }
            }
        }
        var census = census();
        long left = census.values().stream().flatMap(byKey -> byKey.entrySet().stream())
                .filter(entry -> !entry.getKey().equals(ring.activeId())).mapToLong(Map.Entry::getValue).sum();
        return new Outcome(done, List.copyOf(failures), census, left == 0);
    }

    /** For each table, how many stored secrets each master key id encrypts (all tenants). */
    public Map<SecretTable, Map<String, Long>> census() {
        var census = new EnumMap<SecretTable, Map<String, Long>>(SecretTable.class);
        for (var table : SecretTable.values()) {
            census.put(table, transactions.selectAsPlatform(
                    "SELECT " + KEY_ID + " AS key_id, count(*) FROM " + table.table() + " GROUP BY 1",
                    statement -> statement.setString(1, ring.legacyId()), rows -> {
                        var byKey = new TreeMap<String, Long>();
                        while (rows.next()) {
                            byKey.put(rows.getString(1), rows.getLong(2));
                        }
                        return byKey;
                    }));
        }
        return census;
    }

    /** How many stored secrets, in all tables, {@code keyId} still encrypts. */
    public long secretsUnder(String keyId) {
        return census().values().stream().mapToLong(byKey -> byKey.getOrDefault(keyId, 0L)).sum();
    }

    private List<String> tenantsWithOthers(SecretTable table) {
        return transactions.selectAsPlatform(
                "SELECT DISTINCT tenant_id FROM " + table.table() + " WHERE " + NOT_ACTIVE + " ORDER BY tenant_id",
                statement -> statement.setBytes(1, activeIdBytes()), rows -> {
                    var tenants = new ArrayList<String>();
                    while (rows.next()) {
                        tenants.add(rows.getString(1));
                    }
                    return tenants;
                });
    }

    private record Batch(int reencrypted, String last) {}

    /** One transaction: the next rows (by id, after {@code after}) of the tenant not under the active key. */
    private Batch batch(SecretTable table, String tenant, String after, int size, List<Failure> failures) {
        var batchFailures = new ArrayList<Failure>();
        var batch = transactions.inTenant(new TenantId(tenant), connection -> reencrypt(connection, table, tenant, after, size, batchFailures));
        failures.addAll(batchFailures);
        return batch;
    }

    private Batch reencrypt(Connection connection, SecretTable table, String tenant, String after, int size, List<Failure> failures)
            throws SQLException {
        var select = "SELECT id, secret FROM " + table.table() + " WHERE tenant_id = ? AND id > ? AND " + NOT_ACTIVE
                + " ORDER BY id LIMIT ? FOR UPDATE";
        var update = "UPDATE " + table.table() + " SET secret = ? WHERE tenant_id = ? AND id = ?";
        int count = 0;
        String last = null;
        try (var query = connection.prepareStatement(select); var write = connection.prepareStatement(update)) {
            query.setString(1, tenant);
            query.setString(2, after);
            query.setBytes(3, activeIdBytes());
            query.setInt(4, size);
            try (var rows = query.executeQuery()) {
                while (rows.next()) {
                    last = rows.getString("id");
                    byte[] resealed;
                    try {
                        resealed = boxes.get(table).reseal(rows.getBytes("secret"), tenant, last);
                    } catch (IllegalStateException e) {
                        failures.add(new Failure(table, tenant, last, e.getMessage()));
                        continue;
                    }
                    write.setBytes(1, resealed);
                    write.setString(2, tenant);
                    write.setString(3, last);
                    write.addBatch();
                    count++;
                }
            }
            if (count > 0) {
                write.executeBatch();
            }
        }
        return new Batch(count, last);
    }

    private byte[] activeIdBytes() {
        return ring.activeId().getBytes(StandardCharsets.US_ASCII);
    }
}
