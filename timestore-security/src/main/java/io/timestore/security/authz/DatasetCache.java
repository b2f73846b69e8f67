package io.timestore.security.authz;

import io.timestore.security.TenantId;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Compiled dataset requirements by (tenant, dataset), holding the latest revision seen; a request
 * carrying another revision recompiles and replaces the entry. Bounded: when full, an arbitrary
 * entry is evicted (a miss only costs one compilation, a few microseconds). Thread-safe, lock-free
 * on hits.
 */
final class DatasetCache {
    private record Key(TenantId tenant, String dataset) {}

    private final ConcurrentHashMap<Key, CompiledDataset> entries = new ConcurrentHashMap<>();
    private final int maxEntries;

    DatasetCache(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    CompiledDataset get(Resource.Dataset dataset) {
        var key = new Key(dataset.tenant(), dataset.id());
        CompiledDataset cached = entries.get(key);
        if (cached != null && cached.revision == dataset.revision()) {
            return cached;
        }
        CompiledDataset compiled = CompiledDataset.compile(dataset);
        if (cached == null && entries.size() >= maxEntries) {
            evictOne();
        }
        // Two requests with different revisions may race; the loser recompiles next time. Correct
        // either way: an entry is used only for the exact revision it was compiled from.
        entries.put(key, compiled);
        return compiled;
    }

    int size() {
        return entries.size();
    }

    private void evictOne() {
        Iterator<Key> keys = entries.keySet().iterator();
        if (keys.hasNext()) {
            entries.remove(keys.next());
        }
    }
}
