package io.timestore.server.delivery.kafka;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real single-node KRaft Kafka (one broker, one controller) in the test JVM, from
 * {@code kafka-test-common-runtime}'s {@link KafkaClusterTestKit}, with what the delivery tests do to
 * it: create topics, stop and restart the broker, read a topic back with a real {@link KafkaConsumer}.
 *
 * <p>The broker is stopped and started again in place ({@code BrokerServer.shutdown} then
 * {@code startup}): it keeps its log directory and listens again on the port it had, so producers
 * that knew the old address reconnect by themselves, as they would to a restarted production broker.
 */
public final class KafkaBroker implements AutoCloseable {
    private static final AtomicInteger TOPICS = new AtomicInteger();
    private final KafkaClusterTestKit cluster;

    private KafkaBroker(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /** Formats and starts the cluster and waits until the broker serves. */
    public static KafkaBroker start() {
        try {
            var cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setNumBrokerNodes(1).setNumControllerNodes(1).build())
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new KafkaBroker(cluster);
        } catch (Exception e) {
            throw new IllegalStateException("could not start the in-JVM Kafka cluster", e);
        }
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** A new topic named {@code prefix-n} with {@code partitions} partitions (replication 1). */
    public String newTopic(String prefix, int partitions) {
        return newTopic(prefix, partitions, Map.of());
    }

    /** A new topic named {@code prefix-n} with {@code partitions} partitions (replication 1) and topic {@code configs}. */
    public String newTopic(String prefix, int partitions, Map<String, String> configs) {
        var topic = prefix + "-" + TOPICS.incrementAndGet();
        try (var admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs))).all().get();
        } catch (Exception e) {
            throw new IllegalStateException("could not create topic " + topic, e);
        }
        return topic;
    }

    /** Sets topic configuration {@code name} of {@code topic} to {@code value} and waits until the broker has it. */
    public void setTopicConfig(String topic, String name, String value) {
        var resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (var admin = cluster.admin()) {
            admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(new ConfigEntry(name, value),
                    AlterConfigOp.OpType.SET)))).all().get();
        } catch (Exception e) {
            throw new IllegalStateException("could not set " + name + " of topic " + topic, e);
        }
    }

    /** Shuts the broker down (the controller stays up) and waits until it is down: connections are refused. */
    public void stopBroker() {
        var broker = cluster.brokers().values().iterator().next();
        broker.shutdown();
        broker.awaitShutdown();
    }

    /** Starts the stopped broker again on its port and waits until it serves. */
    public void restartBroker() {
        try {
            cluster.brokers().values().iterator().next().startup();
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            throw new IllegalStateException("could not restart the Kafka broker", e);
        }
    }

    /**
     * One record batch of a partition's log as the broker stored it: the producer that wrote it, the
     * producer's sequence number of its first record in that partition, and each record's key.
     */
    public record LogBatch(long producerId, int baseSequence, List<String> keys) {}

    /**
     * The record batches of partition {@code partition} of {@code topic}, in log order, read from the
     * broker's own segment files (found through the admin API's log directories). A produce request
     * of the producer writes each of its batches as one record batch, so this shows how records were
     * grouped when they were sent, which a consumer cannot see.
     */
    public List<LogBatch> logBatches(String topic, int partition) {
        try (var admin = cluster.admin()) {
            var brokerId = cluster.brokers().keySet().iterator().next();
            var batches = new ArrayList<LogBatch>();
            for (var dir : admin.describeLogDirs(List.of(brokerId)).allDescriptions().get().get(brokerId).keySet()) {
                var partitionDir = Path.of(dir, topic + "-" + partition);
                if (!Files.isDirectory(partitionDir)) {
                    continue;
                }
                try (Stream<Path> files = Files.list(partitionDir)) {
                    for (var segment : files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList()) {
                        // Read as bytes, never opened for writing: the broker may be appending to it.
                        for (var batch : MemoryRecords.readableRecords(ByteBuffer.wrap(Files.readAllBytes(segment))).batches()) {
                            var keys = new ArrayList<String>();
                            for (var record : batch) {
                                keys.add(record.hasKey() ? StandardCharsets.UTF_8.decode(record.key()).toString() : null);
                            }
                            batches.add(new LogBatch(batch.producerId(), batch.baseSequence(), keys));
                        }
                    }
                }
            }
            return batches;
        } catch (Exception e) {
            throw new IllegalStateException("could not read the log of " + topic + "-" + partition, e);
        }
    }

    /** A consumer of every partition of {@code topic} from its beginning. */
    public Reader reader(String topic) {
        return new Reader(topic);
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } catch (Exception e) {
            throw new IllegalStateException("could not stop the Kafka cluster", e);
        }
    }

    /** The value of header {@code name} as UTF-8 text, or null. */
    public static String header(ConsumerRecord<String, byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Reads a topic from the beginning with a real consumer (no group: every partition assigned). */
    public final class Reader implements AutoCloseable {
        private final KafkaConsumer<String, byte[]> consumer;
        private final List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();

        private Reader(String topic) {
            var config = Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
            var partitions = IntStream.range(0, consumer.partitionsFor(topic).size())
                    .mapToObj(p -> new TopicPartition(topic, p)).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        /** Polls until every partition is read up to its end as of now; returns every record read so far. */
        public List<ConsumerRecord<String, byte[]>> readToEnd() {
            var ends = consumer.endOffsets(consumer.assignment());
            while (ends.entrySet().stream().anyMatch(end -> consumer.position(end.getKey()) < end.getValue())) {
                poll();
            }
            return List.copyOf(records);
        }

        /** Polls once more and returns every record read so far, in the order read (per partition: log order). */
        public List<ConsumerRecord<String, byte[]>> poll() {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            return List.copyOf(records);
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
