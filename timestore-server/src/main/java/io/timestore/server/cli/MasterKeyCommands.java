package io.timestore.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.timestore.audit.AuditJson;
import io.timestore.audit.store.PostgresEventStore;
import io.timestore.server.Timestore;
import io.timestore.server.config.InvalidSettings;
import io.timestore.server.config.MasterKey;
import io.timestore.server.config.Settings;
import io.timestore.server.db.Database;
import io.timestore.server.secrets.MasterKeyEvents;
import io.timestore.server.secrets.MasterKeyRing;
import io.timestore.server.secrets.MasterKeys;
import io.timestore.server.secrets.SecretReencryption;
import io.timestore.server.secrets.SecretTable;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * Rotation of the master keys that encrypt stored secrets (docs/security.md "Key rotation"):
 * {@code keys rotate-master-key}, {@code keys reencrypt-secrets}, {@code keys retire-master-key}.
 * Each works on the master-key file a running server watches and on the database (through the
 * runtime role and row-level security), prints one JSON object, and records a {@code _platform}
 * audit event of severity {@code security}. Key material is never printed or logged.
 */
final class MasterKeyCommands {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MasterKeyCommands() {}

    /** What every subcommand shares: settings, keys, database, and the audit event at the end. */
    abstract static class MasterKeyCommand implements Callable<Integer> {
        @ParentCommand
        KeysCommand keys;

        @Mixin
        CommonOptions common;

        @Spec
        CommandSpec spec;

        @Override
        public final Integer call() throws Exception {
            var settings = keys.settings(common);
            var masterKeys = Timestore.existingMasterKeys(settings);
            try (var database = Database.openExisting(settings.database(), settings.dataDir(), new SimpleMeterRegistry())) {
                return run(settings, masterKeys, database);
            }
        }

        abstract int run(Settings settings, MasterKeys masterKeys, Database database) throws Exception;

        void record(Database database, String command, String uid, String keyId, ObjectNode details) {
            var operator = System.getProperty("user.name", "unknown");
            new PostgresEventStore(database.auditDataSource(), new AuditJson())
                    .append(List.of(MasterKeyEvents.event(command, uid, keyId, details, operator, Instant.now())));
        }

        void print(ObjectNode body) throws Exception {
            keys.main.out().println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(body));
        }

        static void putKeys(ObjectNode body, MasterKeyRing ring) {
            var list = body.putArray("keys");
            ring.ids().forEach(id -> list.addObject().put("id", id).put("state", ring.state(id).label()));
        }

        static ObjectNode census(Map<SecretTable, Map<String, Long>> census) {
            var node = JSON.createObjectNode();
            census.forEach((table, byKey) -> {
                var counts = node.putObject(table.table());
                byKey.forEach(counts::put);
            });
            return node;
        }
    }

    /**
     * Adds a new, active master key to the master-key file; the previous keys stay there,
     * decrypt-only. A running server seals new secrets with it within {@link MasterKeys#RELOAD_INTERVAL}.
     */
    @Command(name = "rotate-master-key", mixinStandardHelpOptions = true,
            description = "Add a new active master key for stored secrets; older keys stay decrypt-only. No restart needed.")
    static final class Rotate extends MasterKeyCommand {
        @Override
        int run(Settings settings, MasterKeys masterKeys, Database database) throws Exception {
            var previous = masterKeys.get();
            var bytes = new byte[32];
            new SecureRandom().nextBytes(bytes);
            var next = previous.rotatedTo(new MasterKey(bytes));
            masterKeys.write(next);
            long toReencrypt = new SecretReencryption(database.transactions(), next, new SecureRandom()).census().values().stream()
                    .flatMap(byKey -> byKey.entrySet().stream()).filter(e -> !e.getKey().equals(next.activeId()))
                    .mapToLong(Map.Entry::getValue).sum();
            var details = JSON.createObjectNode().put("key_id", next.activeId()).put("previous_key_id", previous.activeId())
                    .put("secrets_to_reencrypt", toReencrypt);
            putKeys(details, next);
            record(database, "rotate-master-key", "master-key-rotate-" + next.activeId(), next.activeId(), details);
            var body = details.deepCopy().put("file", masterKeys.file().orElseThrow().toAbsolutePath().normalize().toString());
            print(body);
            return 0;
        }
    }

    /**
     * Re-encrypts every stored secret that is not sealed with the active master key, in small
     * transactions; resumable and idempotent. Progress goes to stderr, one JSON line per batch.
     */
    @Command(name = "reencrypt-secrets", mixinStandardHelpOptions = true,
            description = "Re-encrypt stored secrets with the active master key, online, in small transactions; safe to stop and rerun.")
    static final class Reencrypt extends MasterKeyCommand {
        @Option(names = "--batch-size", paramLabel = "N", defaultValue = "100", description = "secrets per transaction (1-10000; default 100)")
        int batchSize;

        @Option(names = "--limit", paramLabel = "N", description = "stop after re-encrypting N secrets (run again to go on); default: all")
        Long limit;

        @Override
        int run(Settings settings, MasterKeys masterKeys, Database database) throws Exception {
            if (batchSize < 1 || batchSize > 10_000) {
                throw new InvalidSettings("--batch-size", "must be between 1 and 10000");
            }
            if (limit != null && limit < 1) {
                throw new InvalidSettings("--limit", "must be at least 1");
            }
            var ring = masterKeys.get();
            var err = spec.commandLine().getErr();
            var outcome = new SecretReencryption(database.transactions(), ring, new SecureRandom())
                    .run(batchSize, limit == null ? Long.MAX_VALUE : limit, progress -> {
                        err.println(JSON.createObjectNode().put("table", progress.table().table()).put("tenant", progress.tenant())
                                .put("reencrypted", progress.reencrypted()));
                        err.flush();
                    });
            var body = JSON.createObjectNode().put("active_key_id", ring.activeId()).put("reencrypted", outcome.reencrypted())
                    .put("complete", outcome.complete());
            body.set("secrets_by_key", census(outcome.census()));
            var failures = body.putArray("failures");
            outcome.failures().forEach(f -> failures.addObject().put("table", f.table().table()).put("tenant", f.tenant())
                    .put("id", f.id()).put("reason", f.reason()));
            var details = body.deepCopy();
            details.put("failed", outcome.failures().size()).remove("failures");
            record(database, "reencrypt-secrets", "master-key-reencrypt-" + UUID.randomUUID(), ring.activeId(), details);
            print(body);
            return outcome.failures().isEmpty() ? 0 : 1;
        }
    }

    /**
     * Removes a decrypt-only master key from the master-key file, only when no stored secret is
     * sealed with it any more; otherwise refuses (exit 1) and says how many remain.
     */
    @Command(name = "retire-master-key", mixinStandardHelpOptions = true,
            description = "Remove an old master key once no stored secret uses it (run reencrypt-secrets first).")
    static final class Retire extends MasterKeyCommand {
        @Parameters(index = "0", paramLabel = "KEY_ID", description = "the decrypt-only key to retire (mk_...)")
        String keyId;

        @Override
        int run(Settings settings, MasterKeys masterKeys, Database database) throws Exception {
            var ring = masterKeys.get();
            MasterKeyRing fewer;
            try {
                fewer = ring.without(keyId);
            } catch (IllegalArgumentException e) {
                throw new InvalidSettings("KEY_ID", e.getMessage());
            }
            var reencryption = new SecretReencryption(database.transactions(), ring, new SecureRandom());
            var census = reencryption.census();
            long remaining = census.values().stream().mapToLong(byKey -> byKey.getOrDefault(keyId, 0L)).sum();
            if (remaining > 0) {
                var body = JSON.createObjectNode().put("retired", false).put("key_id", keyId).put("secrets", remaining);
                body.set("secrets_by_key", census(census));
                print(body);
                spec.commandLine().getErr().println(("timestore: master key %s still encrypts %d stored secret%s: run "
                        + "`timestore keys reencrypt-secrets` first, then retire it").formatted(keyId, remaining, remaining == 1 ? "" : "s"));
                return 1;
            }
            masterKeys.write(fewer);
            var details = JSON.createObjectNode().put("retired", true).put("key_id", keyId).put("active_key_id", fewer.activeId());
            putKeys(details, fewer);
            record(database, "retire-master-key", "master-key-retire-" + keyId, keyId, details);
            print(details);
            return 0;
        }
    }
}
