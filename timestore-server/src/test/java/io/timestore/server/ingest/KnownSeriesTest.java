package io.timestore.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.timestore.security.TenantId;
import io.timestore.server.datasets.DatasetIncarnation;
import io.timestore.server.ingest.SeriesSlots.FieldUse;
import io.timestore.server.ingest.SeriesSlots.Slot;
import io.timestore.server.points.FieldType;
import org.junit.jupiter.api.Test;

/** What a write remembers, for whom, and when (the store's side is tested over HTTP: MultiInstanceTest, AuditStepTest). */
class KnownSeriesTest {
    private static final TenantId ACME = new TenantId("acme");
    private static final DatasetIncarnation FIRST = new DatasetIncarnation(1_700_000_000_000_000L, 742, 1_699_000_000_000_000L);
    private static final Slot CPU = new Slot("cpu", "{\"host\": \"a\"}", "usage", FieldType.FLOAT, 0);
    private static final FieldUse USAGE = new FieldUse("cpu", "usage", FieldType.FLOAT, 0);

    private final KnownSeries known = new KnownSeries(100);

    @Test
    void what_a_write_found_is_known_to_later_writes_only_once_it_is_remembered() {
        var write = known.write(ACME, "cpu", FIRST);
        write.found(CPU, 7);
        write.found(USAGE, FieldType.FLOAT);

        assertThat(known.write(ACME, "cpu", FIRST).seriesId(CPU)).as("before the write committed").isNull();
        assertThat(known.write(ACME, "cpu", FIRST).fieldType(USAGE)).isNull();
        write.remember();

        var later = known.write(ACME, "cpu", FIRST);
        assertThat(later.seriesId(CPU)).isEqualTo(7L);
        assertThat(later.fieldType(USAGE)).isEqualTo(FieldType.FLOAT);
    }

    @Test
    void an_entry_serves_only_its_tenant_dataset_and_incarnation() {
        var write = known.write(ACME, "cpu", FIRST);
        write.found(CPU, 7);
        write.found(USAGE, FieldType.FLOAT);
        write.remember();

        for (var other : new KnownSeries.Write[] {
                known.write(new TenantId("globex"), "cpu", FIRST),
                known.write(ACME, "mem", FIRST),
                known.write(ACME, "cpu", new DatasetIncarnation(FIRST.createdMicros() + 1, FIRST.rowXmin(), FIRST.serverStartMicros())),
                known.write(ACME, "cpu", new DatasetIncarnation(FIRST.createdMicros(), FIRST.rowXmin() + 1, FIRST.serverStartMicros())),
                known.write(ACME, "cpu", new DatasetIncarnation(FIRST.createdMicros(), FIRST.rowXmin(), FIRST.serverStartMicros() + 1))}) {
            assertThat(other.seriesId(CPU)).isNull();
            assertThat(other.fieldType(USAGE)).isNull();
        }
    }

    @Test
    void series_and_fields_with_names_over_the_limit_are_never_remembered() {
        var longTags = "{\"host\": \"" + "h".repeat(KnownSeries.MAX_KEY_CHARS) + "\"}";
        var longSeries = new Slot("cpu", longTags, "usage", FieldType.FLOAT, 0);
        var longField = new FieldUse("cpu", "u".repeat(KnownSeries.MAX_KEY_CHARS), FieldType.FLOAT, 0);
        var write = known.write(ACME, "cpu", FIRST);
        write.found(longSeries, 8);
        write.found(longField, FieldType.FLOAT);
        write.remember();

        var later = known.write(ACME, "cpu", FIRST);
        assertThat(later.seriesId(longSeries)).isNull();
        assertThat(later.fieldType(longField)).isNull();
    }
}
