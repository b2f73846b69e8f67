package io.timestore.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import io.timestore.security.TenantId;
import io.timestore.server.Timestore;
import io.timestore.server.config.SinkSettings;
import io.timestore.server.delivery.kafka.KafkaBroker;
import io.timestore.server.identity.DevIssuer;
import io.timestore.server.testing.Api;
import io.timestore.server.testing.Await;
import io.timestore.server.testing.CapturedLogs;
import io.timestore.server.testing.SharedPostgres;
import io.timestore.server.testing.TimestoreServer;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping the server while its Kafka broker is down (docs/audit-delivery.md, "Stopping with a
 * receiver down"): the sink's worker waits for the broker's acknowledgement, for up to a
 * {@code delivery-timeout} of ten minutes here, and stopping must not wait for that. It returns
 * promptly (within a bound far below that timeout) with no delivery thread left (the loop's
 * coordinator, its workers, the producer's network thread), having interrupted the worker's wait
 * rather than counted a failed attempt or parked anything, and leaves the batches in flight
 * unacknowledged: the cursor did not move over them, so after a restart with the broker back every
 * sealed event arrives, per tenant in seq order, at least once. (Before, the stop waited 10 s for
 * the worker, which then failed its attempt after the loop had stopped: the log assertions fail.)
 */
class KafkaShutdownTest {
    private static final List<String> TENANTS = List.of("acme", "globex");
    private static final String SINK = "bus";
    /** Far longer than the stop may take: a stop that waited for it would time out below. */
    private static final String DELIVERY_TIMEOUT = "10m";
    private static final Duration STOP_BOUND = Duration.ofSeconds(60);
    private static final KafkaBroker kafka = KafkaBroker.start();
    private static SharedPostgres postgres;

    @RegisterExtension
    static final BeforeAllCallback shared = context -> postgres = SharedPostgres.in(context);

    @TempDir
    Path dataDir;

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @Test
    void stopping_while_the_broker_is_down_returns_promptly_with_no_delivery_thread_left_and_a_restart_delivers_every_sealed_event()
            throws Exception {
        var topic = kafka.newTopic("audit-shutdown", 3);
        var database = postgres.createDatabase("kafkashutdown");
        TENANTS.forEach(tenant -> createTenant(database, tenant));
        var settings = FileSets.withSinks(TimestoreServer.settingsFor(postgres, database, dataDir), Optional.empty(),
                kafkaSink(topic));

        try (var reader = kafka.reader(topic)) {
            var first = Timestore.start(settings);
            try {
                requests(first, 30);
                first.sequencer().sealNow().get(30, TimeUnit.SECONDS);
                Await.until("both tenants' events are in Kafka", Duration.ofSeconds(60), () -> TENANTS.stream()
                        .allMatch(t -> Delivered.distinctIds(Delivered.fromKafka(reader.poll()), t).size() >= 20));

                kafka.stopBroker();
                requests(first, 20);
                first.sequencer().sealNow().get(30, TimeUnit.SECONDS);
                Await.until("the sink's worker waits inside the Kafka sink for the stopped broker", Duration.ofSeconds(60),
                        () -> LiveThread.named("audit-delivery-" + SINK).stream()
                                .anyMatch(t -> t.inside("io.timestore.server.delivery.kafka.KafkaSink")));

                try (var logs = CapturedLogs.capture()) {
                    CompletableFuture.runAsync(first::close).get(STOP_BOUND.toSeconds(), TimeUnit.SECONDS);
                    Await.until("no delivery thread is left", Duration.ofSeconds(30), () -> LiveThread.named(
                            "audit-delivery", "kafka-producer-network-thread | timestore-audit-" + SINK).isEmpty());

                    assertThat(logs.lines()).as("the stop ended the worker's wait for the broker")
                            .anyMatch(line -> line.startsWith("INFO io.timestore.audit.delivery.DeliveryLoop audit delivery to "
                                    + SINK + " stopped with batches of "));
                    assertThat(logs.lines()).as("a stop is not a failed attempt of the sink")
                            .noneMatch(line -> line.contains("audit delivery to " + SINK + " failed"))
                            .noneMatch(line -> line.startsWith("ERROR io.timestore.audit.delivery"));
                }
            } finally {
                first.close();
            }
            var cursors = cursors(database);
            assertThat(cursors).as("cursors after the stop (parked_at per tenant)").isNotEmpty()
                    .allSatisfy((tenant, parked) -> assertThat(parked).as("%s parked", tenant).isFalse());
            assertThat(TENANTS).as("a tenant whose last sealed events were in flight and stay undelivered")
                    .anySatisfy(t -> assertThat((long) FileSets.sealed(postgres, database, t).size()).isGreaterThan(delivered(database, t)));

            kafka.restartBroker();
            var second = Timestore.start(settings);
            try {
                second.sequencer().sealNow().get(30, TimeUnit.SECONDS);
                var sealed = new LinkedHashMap<String, List<String>>();
                TENANTS.forEach(t -> sealed.put(t, FileSets.sealed(postgres, database, t)));
                Await.until("every sealed event of both tenants is in Kafka after the restart", Duration.ofSeconds(90),
                        () -> Delivered.hasAll(Delivered.fromKafka(reader.poll()), sealed));
                Delivered.assertAtLeastOnceInOrder("kafka", Delivered.fromKafka(reader.poll()), sealed);
            } finally {
                second.close();
            }
        }
    }

    /** A {@code kafka} sink entry with a delivery timeout of ten minutes, reconnecting quickly. */
    private static SinkSettings kafkaSink(String topic) {
        var options = new LinkedHashMap<String, JsonNode>();
        options.put("bootstrap-servers", TextNode.valueOf(kafka.bootstrapServers()));
        options.put("topic", TextNode.valueOf(topic));
        options.put("delivery-timeout", TextNode.valueOf(DELIVERY_TIMEOUT));
        options.put("properties", JsonNodeFactory.instance.objectNode().put("retry.backoff.ms", 100).put("reconnect.backoff.max.ms", 200));
        return new SinkSettings("audit.delivery.sinks[0]", SINK, "kafka", options);
    }

    /** {@code perTenant} audited requests of each tenant's admin. */
    private static void requests(Timestore server, int perTenant) {
        var api = new Api(server.baseUri());
        for (var tenant : TENANTS) {
            var token = server.devIssuer().orElseThrow().mint(new DevIssuer.Grant("alice", Optional.of(new TenantId(tenant)),
                    List.of("tenant-admin"), List.of(), Duration.ofMinutes(5)));
            for (int i = 0; i < perTenant; i++) {
                assertThat(api.get("/admin/v1/tokens?limit=1", "Authorization", "Bearer " + token).statusCode()).isEqualTo(200);
            }
        }
    }

    private static void createTenant(String database, String tenant) {
        try (var superuser = postgres.superuser(database);
             var statement = superuser.prepareStatement("INSERT INTO tenants (id, name, created_by, updated_by) VALUES (?, ?, 't', 't')")) {
            statement.setString(1, tenant);
            statement.setString(2, tenant);
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether each of the sink's cursors is parked, by partition. */
    private static Map<String, Boolean> cursors(String database) {
        try (var superuser = postgres.superuser(database);
             var statement = superuser.prepareStatement("SELECT tenant_id, parked_at IS NOT NULL FROM audit_delivery_cursors WHERE sink = ?")) {
            statement.setString(1, SINK);
            var cursors = new LinkedHashMap<String, Boolean>();
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    cursors.put(rows.getString(1), rows.getBoolean(2));
                }
            }
            return cursors;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How many of the tenant's events the sink's cursor covers (seq starts at 1 and has no gap here). */
    private static long delivered(String database, String tenant) {
        try (var superuser = postgres.superuser(database);
             var statement = superuser.prepareStatement("SELECT delivered_seq FROM audit_delivery_cursors WHERE sink = ? AND tenant_id = ?")) {
            statement.setString(1, SINK);
            statement.setString(2, tenant);
            try (var rows = statement.executeQuery()) {
                return rows.next() ? rows.getLong(1) : 0;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
