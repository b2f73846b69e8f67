package io.timestore.server.delivery.kafka;

import io.timestore.audit.delivery.DeliveryFailed;
import io.timestore.audit.delivery.DeliverySink;
import io.timestore.audit.delivery.SealedEvent;
import io.timestore.audit.delivery.format.EventEncoder;
import io.timestore.server.delivery.SinkEntry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Delivers a batch to one Kafka topic with the official producer: idempotence on, {@code acks=all},
 * record key = the partition (tenant id or {@code _platform}), so one tenant's events land in one
 * Kafka partition in {@code seq} order; headers {@code event_id}, {@code seq} and {@code format}
 * (UTF-8 text); value = one record in the sink's format.
 *
 * <p>{@link #send} hands a batch to the producer and returns; its acknowledgement waits until the
 * broker acknowledged every record (all in-sync replicas). The loop keeps up to
 * {@code batches-in-flight} batches of a partition sent and unacknowledged
 * ({@link DeliverySink#batchesInFlight}); anything else than an acknowledgement (a broker down, a
 * timeout after {@code delivery-timeout}, a refused record) is a retryable {@link DeliveryFailed}.
 * The first failed record ends the producer it was sent with ({@link Producer}), so that nothing
 * sent after it reaches Kafka (the prefix rule of {@link DeliverySink#send}); the next batch opens a
 * new producer. An attempt ends at its first failed record and sends nothing after its deadline
 * ({@code delivery-timeout} from its start), so a broker that gives no metadata costs one
 * {@code max.block.ms} per attempt, not one per record. Records of a failed batch that did reach
 * Kafka are delivered again with the batch: consumers de-duplicate by {@code event_id}. Called from
 * the loop's one worker of this sink; {@link #close} closes the producer without waiting. A worker
 * interrupted while it waits (the loop stopping) fails its attempt at once: nothing acknowledged.
 */
public final class KafkaSink implements DeliverySink, AutoCloseable {
    /** The producer's {@code batch.size} unless {@code properties} set it. */
    static final int BATCH_BYTES = 512 * 1024;
    private final String name;
    private final String topic;
    private final EventEncoder encoder;
    private final Duration deliveryTimeout;
    private final int batchesInFlight;
    private final Map<String, Object> config;
    private final byte[] formatHeader;
    private final AtomicLong handedToProducer = new AtomicLong();
    /** The producer batches are sent with; replaced by {@link #open} after a failure (the loop's one worker thread). */
    private volatile Producer producer;

    public KafkaSink(KafkaSettings settings) {
        this.name = settings.name();
        this.topic = settings.topic();
        this.encoder = settings.encoder();
        this.deliveryTimeout = settings.deliveryTimeout();
        this.batchesInFlight = settings.batchesInFlight();
        this.formatHeader = encoder.label().getBytes(StandardCharsets.UTF_8);
        this.config = Map.copyOf(producerConfig(settings));
        this.producer = new Producer(new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer()));
    }

    /**
     * The factory for {@code type: kafka} entries of {@code audit.delivery.sinks}.
     *
     * @param key the entry's setting key, e.g. {@code audit.delivery.sinks[2]}
     * @throws io.timestore.server.config.InvalidSettings naming the exact setting
     */
    public static KafkaSink fromEntry(Map<String, Object> entry, String key) {
        return new KafkaSink(KafkaSettings.parse(new SinkEntry(key, entry)));
    }

    static Map<String, Object> producerConfig(KafkaSettings settings) {
        var config = new HashMap<String, Object>(settings.properties());
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        config.putAll(KafkaSettings.FIXED);
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "timestore-audit-" + settings.name());
        int timeoutMs = Math.toIntExact(settings.deliveryTimeout().toMillis());
        // The producer's own retries end within the sink's delivery timeout, so deliver() answers in
        // time; request.timeout.ms must not exceed delivery.timeout.ms - linger.ms.
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeoutMs);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
        config.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(timeoutMs / 2, 30_000));
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        // A delivery is one whole batch for one key, so one Kafka partition: with the client's 16 KiB
        // default about 16 records of ~1 KB went per produce request and at most 5 requests were in
        // flight, so a 1,000-event batch took ~60 broker round trips (DeliveryLoad: 700 events/s).
        // Half of the default max.request.size (1 MiB) lets a request carry ~500 records.
        config.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, BATCH_BYTES);
        return config;
    }

    @Override
    public String name() {
        return name;
    }

    /** Whether the sink's format reads the events' members (OCSF) or sends their stored records. */
    @Override
    public boolean readsMembers() {
        return encoder.readsMembers();
    }

    @Override
    public int batchesInFlight() {
        return batchesInFlight;
    }

    /** Sends the batch, flushes the producer and waits for every record's acknowledgement. */
    @Override
    public void deliver(String partition, List<SealedEvent> batch) {
        var acknowledgement = send(partition, batch);
        try {
            producer.producer().flush();
        } catch (KafkaException | IllegalStateException closed) {
            // A record failed and the producer was closed: the acknowledgement below reports it.
        }
        acknowledgement.await();
    }

    /**
     * Hands every record of the batch to the producer and returns; the acknowledgement waits for the
     * broker's answer to each record, up to {@code delivery-timeout} from now. The first failure of a
     * record, reported here, through its callback or as a timeout, ends the producer it was sent with
     * ({@link Producer#fail}), so nothing sent after it reaches Kafka; the next batch sent opens a new
     * producer.
     */
    @Override
    public Acknowledgement send(String partition, List<SealedEvent> batch) {
        long deadline = System.nanoTime() + deliveryTimeout.toNanos();
        var producer = open();
        var sent = new ArrayList<Future<RecordMetadata>>(batch.size());
        try {
            boolean alone = !producer.established(partition);
            for (var event : batch) {
                stopIfFailed(producer, deadline);
                var future = producer.producer().send(record(partition, event), producer);
                handedToProducer.incrementAndGet();
                sent.add(future);
                if (future.isDone()) {
                    future.get(); // refused at once (no metadata within max.block.ms, too large, ...): the attempt ends here
                }
                if (alone) {
                    // See Producer: the first record of a key goes alone, so the broker knows the producer before the rest follow.
                    producer.producer().flush();
                    future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    producer.acknowledged(partition);
                    alone = false;
                }
            }
        } catch (RuntimeException | ExecutionException | InterruptedException | TimeoutException e) {
            throw fail(producer, e);
        }
        producer.unsettled.incrementAndGet();
        return () -> await(producer, partition, sent, deadline);
    }

    private void await(Producer producer, String partition, List<Future<RecordMetadata>> sent, long deadline) {
        try {
            for (var future : sent) {
                future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (RuntimeException | ExecutionException | InterruptedException | TimeoutException e) {
            throw fail(producer, e);
        } finally {
            producer.unsettled.decrementAndGet();
        }
        producer.acknowledged(partition);
    }

    /**
     * The producer to send with: the current one, or a new one when the current one failed and every
     * batch sent with it was settled. While one of those is still unsettled, the loop has not yet
     * seen the failure and may be sending the batches behind it: a new producer would write them to
     * Kafka ahead of the failed records, whose batch the loop sends again later. So the send is
     * refused instead; the loop stops its pass, settles what it sent and offers the partition again
     * from its cursor, by then with a new producer.
     */
    private Producer open() {
        var current = producer;
        var failure = current.failed();
        if (failure != null) {
            if (current.unsettled.get() > 0) {
                throw failed("a batch sent before this one failed (" + describe(failure) + ")", failure);
            }
            current = new Producer(new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer()));
            producer = current;
        }
        return current;
    }

    /** Ends {@code producer} (if this is its first failure) and describes {@code e} as a retryable failure. */
    private DeliveryFailed fail(Producer producer, Exception e) {
        producer.fail(e);
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return switch (e) {
            case InterruptedException interrupted -> failed("interrupted", null);
            case ExecutionException execution -> failed(describe(execution.getCause()), execution.getCause());
            case TimeoutException timeout -> failed("not acknowledged within " + deliveryTimeout, null);
            case DeliveryFailed already -> already;
            default -> failed(describe(e), e);
        };
    }

    /**
     * Ends the attempt before its next record once a record sent with this producer failed (the
     * producer reports a failure it finds later through the callback) or the attempt's deadline
     * passed: each {@code send} may block up to {@code max.block.ms}, so sending on would make one
     * attempt last up to the batch size times the delivery timeout. Nothing is acknowledged; the loop
     * resends the batch from the cursor.
     */
    private void stopIfFailed(Producer producer, long deadline) {
        var failure = producer.failed();
        if (failure != null) {
            throw failed(describe(failure), failure);
        }
        if (deadline - System.nanoTime() <= 0) {
            throw failed("not sent within " + deliveryTimeout, null);
        }
    }

    /**
     * One producer (one Kafka producer id) and its first failure. The idempotent producer keeps the
     * order of its records in a partition across its own retries, and the broker takes a record of a
     * producer only after the one before it in the same partition. But after a record that is
     * certainly not written (refused as too large, expired before it was sent) the producer renumbers
     * the records behind it and sends them on: they would reach Kafka without the failed one, and a
     * consumer that drops every {@code seq} at or below the highest it saw would lose it for good
     * when the loop sends it again. So the first failure closes the producer at once, from the
     * producer's own thread (its callback) where possible: {@code close(0)} there stops its sender
     * before its next round, records not yet written are failed, and nothing sent after the failure
     * is written.
     *
     * <p>The broker checks a producer's sequence numbers only once it knows the producer in that Kafka
     * partition: the first batch of a producer it has no state for is taken whatever its sequence
     * number. So if that first batch fails retryably (the partition's leader not ready yet, on a new
     * topic) while the batch behind it is already on its way, the later one is written first and the
     * retried one is refused as out of sequence (DeliveryLoad saw exactly this on a fresh topic with
     * four batches in flight). Hence the first record of a key (a tenant) sent with a producer goes
     * alone and is acknowledged before anything else of that key is sent; so does the first record
     * after {@link #QUIET} without an acknowledgement for the key, well within the broker's
     * {@code producer.id.expiration.ms} (1 day by default), after which it forgets an idle producer.
     * What Kafka holds of one producer's records of a tenant is then always a prefix of what it was
     * given, which is the prefix rule of {@link DeliverySink#send}.
     */
    private static final class Producer implements Callback {
        /** How long a key may go without an acknowledgement before its next record goes alone again. */
        static final Duration QUIET = Duration.ofMinutes(10);
        private final KafkaProducer<String, byte[]> producer;
        private final AtomicReference<Exception> failure = new AtomicReference<>();
        /** Batches sent with this producer whose acknowledgement was not awaited yet. */
        final AtomicInteger unsettled = new AtomicInteger();
        private final Map<String, Long> acknowledgedAt = new ConcurrentHashMap<>();

        Producer(KafkaProducer<String, byte[]> producer) {
            this.producer = producer;
        }

        KafkaProducer<String, byte[]> producer() {
            return producer;
        }

        Exception failed() {
            return failure.get();
        }

        /** Whether a record of {@code key} was acknowledged within {@link #QUIET}: the broker knows this producer there. */
        boolean established(String key) {
            var at = acknowledgedAt.get(key);
            return at != null && System.nanoTime() - at < QUIET.toNanos();
        }

        void acknowledged(String key) {
            acknowledgedAt.put(key, System.nanoTime());
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (exception != null) {
                fail(exception);
            }
        }

        void fail(Exception cause) {
            if (failure.compareAndSet(null, cause)) {
                closeNow();
            }
        }

        /**
         * {@code close(0)}: records not yet written are failed at once, nothing is waited for. Called
         * by a thread that was interrupted (the delivery loop stopping while the worker waits, or
         * Kafka's {@code InterruptException}), {@code close} would give up joining the producer's
         * network thread at once and throw; so the interrupt is set aside while the producer closes
         * and restored afterwards.
         */
        void closeNow() {
            boolean interrupted = Thread.interrupted();
            try {
                producer.close(Duration.ZERO);
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private ProducerRecord<String, byte[]> record(String partition, SealedEvent event) {
        var record = new ProducerRecord<>(topic, null, partition, encoder.encode(event));
        record.headers().add(new RecordHeader("event_id", text(event.eventId().toString())));
        record.headers().add(new RecordHeader("seq", text(Long.toString(event.seal().seq()))));
        record.headers().add(new RecordHeader("format", formatHeader));
        return record;
    }

    private DeliveryFailed failed(String why, Throwable cause) {
        return new DeliveryFailed("kafka sink %s: topic %s: %s".formatted(name, topic, why), true, cause);
    }

    private static String describe(Throwable cause) {
        return cause == null ? "unknown error" : cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    private static byte[] text(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    /** How many records {@link #deliver} has handed to the producer so far (each {@code send} call). */
    long recordsHandedToProducer() {
        return handedToProducer.get();
    }

    /**
     * Closes the producer without waiting ({@code close(0)}): the loop has stopped and settled or
     * dropped every batch it sent, so a record still in the producer belongs to a batch that was not
     * acknowledged, whose events the cursor did not pass and which is delivered again after a
     * restart. Waiting for the broker here, which may be down, would only delay stopping.
     */
    @Override
    public void close() {
        producer.closeNow();
    }

    @Override
    public String toString() {
        return "KafkaSink[name=%s, topic=%s]".formatted(name, topic);
    }
}
