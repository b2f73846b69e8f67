package io.timestore.server.ingest;

import io.timestore.server.ingest.SeriesCache.Series;
import io.timestore.server.points.FieldType;
import io.timestore.server.points.Tag;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The distinct series (measurement, tag set, field) of a write, in the order the write first
 * names them, and the series of each of its field values (points in order, each point's fields in
 * order). Not thread-safe: one per write.
 *
 * <p>Built in one pass over the batch's columns with about one identity lookup per point and none
 * per value: the points of one series that one parse produced share one {@link Series} (from
 * {@link SeriesCache}, which also holds the tag set's JSON, built once per cached key rather than
 * once per write), so a point finds its tag set by that object's identity, and a field by its
 * position (a series' lines usually list their fields in the same order), falling back to its
 * name. Only a new {@code Series} is looked up by content (measurement and tag JSON), so points
 * built elsewhere (JSON, tests) give the same slots (docs/data-plane.md, "Write path").
 *
 * <p>Each slot keeps the type of its first value; {@link #consistent()} says whether every value
 * of every (measurement, field) has that one type, which is exactly when {@link Batch#typeConflicts()}
 * is empty, so the exact (slower) conflict report only runs for a write that has some.
 */
final class SeriesSlots {
    /** A series of the write: its key (the tag set as the JSON {@link Tag#json} writes), its first value's type and the first point naming it. */
    record Slot(String measurement, String tags, String field, FieldType type, int firstPoint) {}

    /** A (measurement, field) of the write: the type of its first value and the first point naming it. */
    record FieldUse(String measurement, String field, FieldType type, int firstPoint) {}

    private record TagSetKey(String measurement, String tags) {}

    private record FieldKey(String measurement, String field) {}

    private final List<Slot> slots = new ArrayList<>();
    private final int[] slotOfValue;
    private int[] counts = new int[16];
    private FieldType[] types = new FieldType[16];
    private boolean consistent = true;

    private final IdentityHashMap<Series, TagSet> bySeries = new IdentityHashMap<>();
    private final Map<TagSetKey, TagSet> tagSets = new HashMap<>();
    private final Map<FieldKey, FieldType> fieldTypes = new HashMap<>();
    private final List<FieldUse> fields = new ArrayList<>();

    SeriesSlots(Batch batch) {
        slotOfValue = new int[batch.values()];
        for (int i = 0; i < batch.size(); i++) {
            TagSet tagSet = tagSet(batch.series(i));
            int first = batch.firstValue(i);
            for (int v = first; v < batch.valueEnd(i); v++) {
                String key = batch.key(v);
                FieldType type = batch.type(v);
                int slot = tagSet.find(v - first, key);
                if (slot < 0) {
                    slot = slot(tagSet, key, type, i);
                    tagSet.remember(v - first, key, slot);
                }
                if (types[slot] != type) {
                    consistent = false;
                }
                counts[slot]++;
                slotOfValue[v] = slot;
            }
        }
    }

    /** The distinct series, in the order the write first names them. */
    List<Slot> slots() {
        return slots;
    }

    /** The distinct (measurement, field) pairs, in the order the write first names them. */
    List<FieldUse> fields() {
        return fields;
    }

    /** How many values series {@code slot} has in the write (repeated times included). */
    int count(int slot) {
        return counts[slot];
    }

    /** The series of value {@code value}, counting every point's fields in order. */
    int slotOf(int value) {
        return slotOfValue[value];
    }

    /** How many field values the write has. */
    int values() {
        return slotOfValue.length;
    }

    /** Whether every field of every measurement has one type throughout the write. */
    boolean consistent() {
        return consistent;
    }

    private TagSet tagSet(Series series) {
        TagSet known = bySeries.get(series);
        if (known == null) {
            known = tagSets.computeIfAbsent(new TagSetKey(series.measurement(), series.tagsJson()),
                    key -> new TagSet(key.measurement(), key.tags()));
            bySeries.put(series, known);
        }
        return known;
    }

    private int slot(TagSet tagSet, String field, FieldType type, int point) {
        int slot = slots.size();
        slots.add(new Slot(tagSet.measurement, tagSet.json, field, type, point));
        if (slot == counts.length) {
            counts = Arrays.copyOf(counts, slot * 2);
            types = Arrays.copyOf(types, slot * 2);
        }
        types[slot] = type;
        FieldType before = fieldTypes.putIfAbsent(new FieldKey(tagSet.measurement, field), type);
        if (before == null) {
            fields.add(new FieldUse(tagSet.measurement, field, type, point));
        } else if (before != type) {
            consistent = false;
        }
        return slot;
    }

    /** One measurement and tag set: its JSON, and its fields' slots by position and by name. */
    private static final class TagSet {
        /** Up to this many fields a tag set's names are searched in order; beyond, through a map. */
        private static final int LINEAR = 8;

        final String measurement;
        final String json;
        private String[] fieldAt = new String[1];
        private int[] slotAt = new int[1];
        private String[] names = new String[1]; // every field of the tag set, first seen first
        private int[] nameSlots = new int[1];
        private int fields;
        private Map<String, Integer> byName; // once it has more than LINEAR fields

        TagSet(String measurement, String json) {
            this.measurement = measurement;
            this.json = json;
        }

        /** The slot of field {@code key} at {@code position} of a point, or -1 if this tag set has not had it yet. */
        int find(int position, String key) {
            if (position < fieldAt.length) {
                String at = fieldAt[position];
                if (at != null && (at == key || at.equals(key))) {
                    return slotAt[position];
                }
            }
            int slot = byName(key);
            if (slot >= 0) {
                at(position, key, slot);
            }
            return slot;
        }

        private int byName(String key) {
            if (byName != null) {
                return byName.getOrDefault(key, -1);
            }
            for (int k = 0; k < fields; k++) {
                if (names[k].equals(key)) {
                    return nameSlots[k];
                }
            }
            return -1;
        }

        /** Records that field {@code key}, first met at {@code position}, is series {@code slot}. */
        void remember(int position, String key, int slot) {
            if (fields == names.length) {
                names = Arrays.copyOf(names, fields * 2);
                nameSlots = Arrays.copyOf(nameSlots, fields * 2);
            }
            names[fields] = key;
            nameSlots[fields++] = slot;
            if (byName != null) {
                byName.put(key, slot);
            } else if (fields > LINEAR) {
                byName = new HashMap<>();
                for (int k = 0; k < fields; k++) {
                    byName.put(names[k], nameSlots[k]);
                }
            }
            at(position, key, slot);
        }

        private void at(int position, String key, int slot) {
            if (position >= fieldAt.length) {
                int length = Math.max(position + 1, fieldAt.length * 2);
                fieldAt = Arrays.copyOf(fieldAt, length);
                slotAt = Arrays.copyOf(slotAt, length);
            }
            fieldAt[position] = key;
            slotAt[position] = slot;
        }
    }
}
