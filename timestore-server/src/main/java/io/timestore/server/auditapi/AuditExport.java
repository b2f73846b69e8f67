package io.timestore.server.auditapi;

import io.timestore.audit.AuditEvent;
import io.timestore.security.TenantId;
import io.timestore.server.db.Transactions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * Streams a partition's events, newest first, as NDJSON or CSV, from a database cursor: memory
 * stays flat however many events match. Used by the export of the events route and by
 * {@code timestore audit export}.
 */
public final class AuditExport {
    private final Transactions transactions;
    private final StoredEvents rendering = new StoredEvents();
    private final AuditEventStore store = new AuditEventStore();

    public AuditExport(Transactions transactions) {
        this.transactions = transactions;
    }

    /** The output format. */
    public enum Format { NDJSON, CSV }

    /**
     * Writes every event of {@code partitions} in [{@code from}, {@code to}) to {@code out}.
     *
     * @param view applied to each event before writing (the support view), or empty for the full view
     * @return how many events were written
     */
    public long export(List<String> partitions, Optional<Instant> from, Optional<Instant> to, Format format,
                       Optional<UnaryOperator<AuditEvent>> view, Writer out) throws IOException {
        return export(partitions, new EventFilter(from, to, Map.of()), format, view, out);
    }

    long export(List<String> partitions, EventFilter filter, Format format, Optional<UnaryOperator<AuditEvent>> view,
                Writer out) throws IOException {
        if (format == Format.CSV) {
            out.write(CsvRows.HEADER);
        }
        var written = new AtomicLong();
        io.timestore.server.db.TenantWork<Void> work = connection -> {
            store.stream(connection, partitions, filter, Optional.empty(), 0, row -> {
                try {
                    if (format == Format.NDJSON) {
                        out.write(view.isPresent() ? rendering.viewed(row, view.get()).toString() : rendering.fullText(row));
                        out.write('\n');
                    } else {
                        out.write(CsvRows.row(view.isPresent() ? rendering.viewed(row, view.get()) : rendering.full(row)));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                written.incrementAndGet();
            });
            return null;
        };
        if (partitions.size() == 1 && !partitions.getFirst().equals(AuditEvent.PLATFORM_PARTITION)) {
            transactions.inTenant(new TenantId(partitions.getFirst()), work);
        } else {
            transactions.asPlatform(work);
        }
        out.flush();
        return written.get();
    }
}
