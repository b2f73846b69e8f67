package io.timestore.server.ingest;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.timestore.security.TenantId;
import io.timestore.server.datasets.DatasetIncarnation;
import io.timestore.server.ingest.SeriesSlots.FieldUse;
import io.timestore.server.ingest.SeriesSlots.Slot;
import io.timestore.server.points.FieldType;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The series ids and field types that writes on this instance found stored, by tenant and dataset
 * incarnation, so that a write of series seen before skips the store's probes by key (the keys'
 * JSON and digests and an index probe per series, then the field types): those probes took about
 * a quarter of PostgreSQL's CPU per ingested point (docs/data-plane.md, "Write path").
 *
 * <p>Why an entry cannot be stale: a committed series row or field type is never changed or
 * deleted but with its dataset (ON DELETE CASCADE; no statement updates or deletes them), and an
 * entry is keyed by the dataset's {@link DatasetIncarnation}, which the write reads in its own
 * transaction under the dataset's key-share lock ({@code DatasetService.held}): a dataset deleted
 * and created again under its id, on this instance or another, or restored from a dump, has
 * another incarnation and none of the old entries; so has every dataset once the database server
 * restarted or another took its place (a standby promoted, a physical backup restored), which may
 * lack series the one before had committed. What a write found or stored is remembered
 * only once that write has committed ({@link Write#remember}), so a series whose creation rolled
 * back never gets in. Keyed by tenant as well. Thread-safe; bounded by {@code maximumSize} series
 * and as many field types (Caffeine's size-based eviction; an evicted entry is probed again), and
 * names longer than {@value #MAX_KEY_CHARS} characters together are never remembered (as
 * {@link SeriesCache} does not keep long keys), so that a writer cannot pin large keys in memory.
 */
final class KnownSeries {
    private record SeriesKey(TenantId tenant, String dataset, DatasetIncarnation incarnation, String measurement, String tags,
                             String field) {}

    private record FieldKey(TenantId tenant, String dataset, DatasetIncarnation incarnation, String measurement, String field) {}

    /** Series and fields whose names are longer than this, together, are probed on every write. */
    static final int MAX_KEY_CHARS = 1024;

    private final Cache<SeriesKey, Long> series;
    private final Cache<FieldKey, FieldType> fields;

    /** Remembers at most {@code maximumSize} series and as many field types. */
    KnownSeries(int maximumSize) {
        if (maximumSize < 1) {
            throw new IllegalArgumentException("maximumSize must be positive, got " + maximumSize);
        }
        this.series = Caffeine.newBuilder().maximumSize(maximumSize).build();
        this.fields = Caffeine.newBuilder().maximumSize(maximumSize).build();
    }

    /** What one write transaction, holding {@code incarnation} of {@code dataset}, knows and learns. */
    Write write(TenantId tenant, String dataset, DatasetIncarnation incarnation) {
        return new Write(tenant, dataset, incarnation);
    }

    /** One write transaction's view: lookups, and what it found in the store, kept until it commits. Not thread-safe. */
    final class Write {
        private final TenantId tenant;
        private final String dataset;
        private final DatasetIncarnation incarnation;
        private final Map<SeriesKey, Long> foundSeries = new HashMap<>();
        private final Map<FieldKey, FieldType> foundFields = new HashMap<>();

        private Write(TenantId tenant, String dataset, DatasetIncarnation incarnation) {
            this.tenant = Objects.requireNonNull(tenant, "tenant");
            this.dataset = Objects.requireNonNull(dataset, "dataset");
            this.incarnation = Objects.requireNonNull(incarnation, "incarnation");
        }

        /** The stored id of {@code slot}'s series (its measurement, tags and field), or null when not known. */
        Long seriesId(Slot slot) {
            return remembered(slot) ? series.getIfPresent(key(slot)) : null;
        }

        /** The stored type of {@code field}, or null when not known. */
        FieldType fieldType(FieldUse field) {
            return remembered(field) ? fields.getIfPresent(key(field)) : null;
        }

        /** {@code slot}'s series is stored as {@code id}, as this transaction reads it. */
        void found(Slot slot, long id) {
            if (remembered(slot)) {
                foundSeries.put(key(slot), id);
            }
        }

        /** {@code field} is stored with {@code type}, as this transaction reads it. */
        void found(FieldUse field, FieldType type) {
            if (remembered(field)) {
                foundFields.put(key(field), type);
            }
        }

        /** Remembers what this write found: call it only after its transaction committed. */
        void remember() {
            series.putAll(foundSeries);
            fields.putAll(foundFields);
        }

        private static boolean remembered(Slot slot) {
            return (long) slot.measurement().length() + slot.tags().length() + slot.field().length() <= MAX_KEY_CHARS;
        }

        private static boolean remembered(FieldUse field) {
            return (long) field.measurement().length() + field.field().length() <= MAX_KEY_CHARS;
        }

        private SeriesKey key(Slot slot) {
            return new SeriesKey(tenant, dataset, incarnation, slot.measurement(), slot.tags(), slot.field());
        }

        private FieldKey key(FieldUse field) {
            return new FieldKey(tenant, dataset, incarnation, field.measurement(), field.field());
        }
    }
}
