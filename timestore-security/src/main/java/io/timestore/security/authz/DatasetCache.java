package io.timestore.security.authz;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.timestore.security.TenantId;

/**
 * Compiled dataset requirements by (tenant, dataset), holding the latest revision seen; a request
 * carrying another revision recompiles and replaces the entry. A Caffeine cache bounded by
 * {@code maxEntries} (W-TinyLFU eviction; a miss only costs one compilation, a few microseconds),
 * maintained on the calling thread. Thread-safe, lock-free on hits.
 */
final class DatasetCache {
    private record Key(TenantId tenant, String dataset) {}

    private final Cache<Key, CompiledDataset> entries;

    DatasetCache(int maxEntries) {
        this.entries = Caffeine.newBuilder().maximumSize(maxEntries).executor(Runnable::run).build();
    }

    CompiledDataset get(Resource.Dataset dataset) {
        var key = new Key(dataset.tenant(), dataset.id());
        CompiledDataset cached = entries.getIfPresent(key);
        if (cached != null && cached.revision == dataset.revision()) {
            return cached;
        }
        CompiledDataset compiled = CompiledDataset.compile(dataset);
        // Two requests with different revisions may race; the loser recompiles next time. Correct
        // either way: an entry is used only for the exact revision it was compiled from.
        entries.put(key, compiled);
        return compiled;
    }

    int size() {
        entries.cleanUp();
        return Math.toIntExact(entries.estimatedSize());
    }
}
