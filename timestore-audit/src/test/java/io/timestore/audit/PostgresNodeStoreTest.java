package io.timestore.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.timestore.audit.chain.Sequencer;
import io.timestore.audit.checkpoint.CheckpointSigner;
import io.timestore.audit.retention.Retention;
import io.timestore.audit.store.PostgresEventStore;
import io.timestore.audit.tlog.CompactRange;
import io.timestore.audit.tlog.InMemoryNodeStore;
import io.timestore.audit.tlog.MissingNodes;
import io.timestore.audit.tlog.Node;
import io.timestore.audit.tlog.NodeConflict;
import io.timestore.audit.tlog.NodeId;
import io.timestore.audit.tlog.NodeStoreUnavailable;
import io.timestore.audit.tlog.PostgresNodeStore;
import io.timestore.audit.tlog.Rfc6962;
import io.timestore.audit.tlog.TreeHash;
import io.timestore.audit.tlog.TreeProofs;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.threeten.extra.MutableClock;

/**
 * The tree-node storage of {@code io.timestore.audit.tlog} against a real PostgreSQL, as the runtime
 * role under row-level security: proofs from it equal those from memory, whether the nodes are rows
 * or travel in the seals, a partition sees only its own nodes, and stored nodes cannot change.
 */
@ExtendWith(EmbeddedPostgresExtension.class)
class PostgresNodeStoreTest {

    private static List<Node> nodesOf(int leaves, String salt) {
        List<TreeHash> hashes = new ArrayList<>();
        for (int i = 0; i < leaves; i++) {
            hashes.add(Rfc6962.leafHash((salt + i).getBytes(StandardCharsets.UTF_8)));
        }
        return CompactRange.empty().appendAll(hashes).completed();
    }

    /** Runs {@code work} as the runtime role in a transaction of {@code tenant}; commits if it returns. */
    private static <T> T inTenant(AuditDatabase db, String tenant, Function<PostgresNodeStore, T> work) {
        return inTransaction(db, tenant, tenant, work);
    }

    /** {@link #inTenant} with a store for partition {@code storeTenant} in a transaction of {@code tenant}. */
    private static <T> T inTransaction(AuditDatabase db, String tenant, String storeTenant, Function<PostgresNodeStore, T> work) {
        try (Connection connection = db.runtime().getConnection()) {
            connection.setAutoCommit(false);
            try (var set = connection.prepareStatement("SELECT set_config('app.tenant_id', ?, true)")) {
                set.setString(1, tenant);
                set.execute();
            }
            try {
                T result = work.apply(new PostgresNodeStore(connection, storeTenant));
                connection.commit();
                return result;
            } catch (RuntimeException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void proofs_and_roots_from_the_table_equal_those_from_memory(AuditDatabase db) {
        List<Node> nodes = nodesOf(300, "event ");
        var memory = new InMemoryNodeStore();
        memory.write(nodes);

        inTenant(db, "acme", store -> {
            store.write(nodes.subList(0, 100));
            store.write(nodes.subList(100, nodes.size()));
            return null;
        });

        inTenant(db, "acme", store -> {
            var fromTable = new TreeProofs(store);
            var fromMemory = new TreeProofs(memory);
            for (long size : new long[] {1, 2, 3, 150, 256, 299, 300}) {
                assertThat(fromTable.root(size)).isEqualTo(fromMemory.root(size));
                assertThat(fromTable.inclusion(size / 2, size)).isEqualTo(fromMemory.inclusion(size / 2, size));
                assertThat(fromTable.consistency(1 + size / 3, size)).isEqualTo(fromMemory.consistency(1 + size / 3, size));
            }
            assertThat(CompactRange.read(store, 300)).isEqualTo(CompactRange.read(memory, 300));
            return null;
        });
        assertThat(db.count("SELECT count(*) FROM audit_tree_nodes WHERE tenant_id = 'acme'")).isEqualTo(2 * 300 - Integer.bitCount(300));
    }

    @Test
    void the_last_read_of_a_route_sends_its_commit_with_it_and_refuses_a_read_after_it(AuditDatabase db) throws SQLException {
        List<Node> nodes = nodesOf(300, "event ");
        var memory = new InMemoryNodeStore();
        memory.write(nodes);
        inTenant(db, "acme", store -> {
            store.write(nodes);
            return null;
        });

        try (Connection connection = db.runtime().getConnection()) {
            connection.setAutoCommit(false);
            try (var set = connection.prepareStatement("SELECT set_config('app.tenant_id', 'acme', true)")) {
                set.execute();
            }
            var last = PostgresNodeStore.lastReadIn(connection, "acme");

            assertThat(new TreeProofs(last).inclusion(150, 299)).isEqualTo(new TreeProofs(memory).inclusion(150, 299));
            try (var setting = connection.prepareStatement("SELECT coalesce(current_setting('app.tenant_id', true), '')");
                 var rows = setting.executeQuery()) {
                rows.next();
                assertThat(rows.getString(1)).as("the transaction-local tenant ended with the read's COMMIT").isEmpty();
            }
            assertThrows(IllegalStateException.class, () -> last.read(List.of(NodeId.leaf(0))));
            connection.rollback();
        }
    }

    @Test
    void the_last_read_of_a_route_returns_every_node_when_the_connection_fetches_rows_in_chunks(AuditDatabase db) throws SQLException {
        List<Node> nodes = nodesOf(300, "event ");
        var memory = new InMemoryNodeStore();
        memory.write(nodes);
        inTenant(db, "acme", store -> {
            store.write(nodes);
            return null;
        });

        try (Connection connection = db.runtime().getConnection()) {
            // As a database URL with defaultRowFetchSize=2 would configure every connection of the pool.
            connection.unwrap(org.postgresql.PGConnection.class).setDefaultFetchSize(2);
            connection.setAutoCommit(false);
            try (var set = connection.prepareStatement("SELECT set_config('app.tenant_id', 'acme', true)")) {
                set.execute();
            }
            var last = PostgresNodeStore.lastReadIn(connection, "acme");

            assertThat(new TreeProofs(last).inclusion(150, 299)).isEqualTo(new TreeProofs(memory).inclusion(150, 299));
            connection.rollback();
        }
    }

    @Test
    void the_nodes_the_sequencer_seals_travel_in_the_seal_rows_and_read_as_rows_do_before_and_after_retention_moves_them(
            AuditDatabase db) {
        var events = Events.events("acme", 37);
        new PostgresEventStore(db.runtime(), new AuditJson()).append(events);
        var clock = MutableClock.of(Events.T0, ZoneOffset.UTC);
        try (var sequencer = Sequencers.start(db.runtime(), clock, Sequencers.settings(10, 100, Duration.ofHours(1)), Sequencer.Observer.NONE)) {
            Sequencers.round(sequencer);
        }
        var expected = new InMemoryNodeStore();
        expected.write(CompactRange.empty()
                .appendAll(events.stream().map(e -> Rfc6962.leafHash(CanonicalEncoding.encode(e))).toList()).completed());
        assertThat(db.count("SELECT count(*) FROM audit_tree_nodes")).as("sealing writes no node rows").isZero();
        assertThat(db.count("SELECT sum(octet_length(tree_hashes)) / 32 FROM audit_seals WHERE tenant_id = 'acme'"))
                .as("every node once, in the seal of the leaf that completed it").isEqualTo(2 * 37 - Integer.bitCount(37));
        assertSameProofs(db, expected, 37);

        var retention = new Retention(db.owner(), new CheckpointSigner(Sequencers.KEY, new TickingClock(Events.T0)), 8);
        retention.purge("acme", Events.T0.plus(Duration.ofDays(1)), 20).orElseThrow();

        assertThat(db.count("SELECT min(seq) FROM audit_seals WHERE tenant_id = 'acme'")).isEqualTo(21);
        assertThat(db.count("SELECT count(*) FROM audit_tree_nodes WHERE tenant_id = 'acme'")).as("the purged seals' nodes, as rows")
                .isEqualTo(2 * 20 - Integer.bitCount(20));
        assertSameProofs(db, expected, 37);
    }

    @Test
    void reading_nodes_under_row_level_security_probes_the_seals_by_primary_key_not_a_scan_of_the_partition(AuditDatabase db) {
        new PostgresEventStore(db.runtime(), new AuditJson()).append(Events.events("acme", 8));
        try (var sequencer = Sequencers.start(db.runtime(), MutableClock.of(Events.T0, ZoneOffset.UTC),
                Sequencers.settings(10, 100, Duration.ofHours(1)), Sequencer.Observer.NONE)) {
            Sequencers.round(sequencer);
        }
        String plan = inTenant(db, "acme", store -> {
            try (var connection = db.runtime().getConnection()) {
                connection.setAutoCommit(false);
                try (var statement = connection.createStatement()) {
                    statement.execute("SELECT set_config('app.tenant_id', 'acme', true)");
                    // Tiny tables: make a scan look dear, so only a plan that cannot use the key scans.
                    statement.execute("SET LOCAL enable_seqscan = off");
                    statement.execute("SET LOCAL enable_hashjoin = off");
                    statement.execute("SET LOCAL enable_mergejoin = off");
                    statement.execute("SET LOCAL enable_bitmapscan = off");
                    statement.execute("SET LOCAL enable_material = off");
                }
                try (var explain = connection.prepareStatement("EXPLAIN " + PostgresNodeStore.READ)) {
                    explain.setArray(1, connection.createArrayOf("int2", new Object[] {(short) 0, (short) 1}));
                    explain.setArray(2, connection.createArrayOf("int8", new Object[] {3L, 1L}));
                    explain.setArray(3, connection.createArrayOf("int8", new Object[] {4L, 4L}));
                    explain.setString(4, "acme");
                    explain.setString(5, "acme");
                    var text = new StringBuilder();
                    try (var rows = explain.executeQuery()) {
                        while (rows.next()) {
                            text.append(rows.getString(1)).append('\n');
                        }
                    }
                    connection.rollback();
                    return text.toString();
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });

        assertThat(plan).as(plan).containsPattern("Index Cond: \\(\\(tenant_id = 'acme'::text\\) AND \\(seq = n\\.seq\\)\\)");
    }

    private static void assertSameProofs(AuditDatabase db, InMemoryNodeStore expected, long size) {
        inTenant(db, "acme", store -> {
            var stored = new TreeProofs(store);
            var memory = new TreeProofs(expected);
            assertThat(store.leafCount()).isEqualTo(size);
            for (long n = 1; n <= size; n++) {
                assertThat(stored.root(n)).isEqualTo(memory.root(n));
                assertThat(stored.inclusion(n - 1, size)).isEqualTo(memory.inclusion(n - 1, size));
                assertThat(stored.consistency(n, size)).isEqualTo(memory.consistency(n, size));
            }
            return null;
        });
    }

    @Test
    void a_partition_sees_and_writes_only_its_own_nodes(AuditDatabase db) {
        List<Node> nodes = nodesOf(4, "acme ");
        inTenant(db, "acme", store -> {
            store.write(nodes);
            return null;
        });

        var missing = assertThrows(MissingNodes.class, () -> inTenant(db, "globex", store -> store.read(List.of(NodeId.leaf(0)))));
        // A globex transaction cannot write into acme's partition: the policy's WITH CHECK refuses it.
        var refused = assertThrows(NodeStoreUnavailable.class, () -> inTransaction(db, "globex", "acme", store -> {
            store.write(nodesOf(8, "globex ").subList(4, 8));
            return null;
        }));
        var hidden = assertThrows(MissingNodes.class, () -> inTransaction(db, "globex", "acme", store -> store.read(List.of(NodeId.leaf(0)))));

        assertThat(missing.first()).isEqualTo(NodeId.leaf(0));
        assertThat(refused).hasMessageContaining("SQLState 42501");
        assertThat(hidden.first()).isEqualTo(NodeId.leaf(0));
    }

    @Test
    void a_stored_node_cannot_change_and_rewriting_the_same_hash_is_a_no_op(AuditDatabase db) {
        List<Node> nodes = nodesOf(2, "acme ");
        inTenant(db, "acme", store -> {
            store.write(nodes);
            return null;
        });
        TreeHash other = Rfc6962.leafHash(new byte[] {42});

        inTenant(db, "acme", store -> {
            store.write(nodes);
            return null;
        });
        var conflict = assertThrows(NodeConflict.class, () -> inTenant(db, "acme", store -> {
            store.write(List.of(new Node(NodeId.leaf(2), other), new Node(NodeId.leaf(1), other)));
            return null;
        }));
        var update = assertThrows(IllegalStateException.class,
                () -> db.asOwner("UPDATE audit_tree_nodes SET hash = ? WHERE level = 0 AND idx = 0", (Object) other.toBytes()));

        assertThat(conflict).hasMessage("node at level 0, index 1 is already stored with a different hash");
        assertThat(db.count("SELECT count(*) FROM audit_tree_nodes")).isEqualTo(3); // leaf 2 rolled back with the conflict
        assertThat(update.getCause()).hasMessageContaining("append-only");
    }
}
