package io.timestore.server.ingest;

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
 * per value: the points of one series that one parse produced share their tag list and measurement
 * ({@link SeriesCache}), so a point finds its tag set by the list's identity, and a field by its
 * position (a series' lines usually list their fields in the same order), falling back to a map by
 * name. Only a new series is looked up by content (its key, with the tag set's JSON computed once
 * per tag set), so points built elsewhere (JSON, tests) give the same slots, only slower. Before
 * this, the write built and hashed two or three key records per value (docs/data-plane.md,
 * "Write path").
 *
 * <p>Each slot keeps the type of its first value; {@link #consistent()} says whether every value
 * of every (measurement, field) has that one type, which is exactly when {@link Batch#typeConflicts()}
 * is empty, so the exact (slower) conflict report only runs for a write that has some.
 */
final class SeriesSlots {
    /** A series of the write: its key (the tag set as the JSON {@link Tag#json} writes), its first value's type and the first point naming it. */
    record Slot(String measurement, String tags, String field, FieldType type, int firstPoint) {}

    private record SeriesKey(String measurement, String tags, String field) {}

    private record TagSetKey(String measurement, List<Tag> tags) {}

    private record FieldKey(String measurement, String field) {}

    /** At most this many measurements are chained to one tag list (the empty one is every untagged measurement's). */
    private static final int MAX_LINKS = 8;

    private final List<Slot> slots = new ArrayList<>();
    private final int[] slotOfValue;
    private int[] counts = new int[16];
    private FieldType[] types = new FieldType[16];
    private boolean consistent = true;

    private final IdentityHashMap<List<Tag>, Link> byTagList = new IdentityHashMap<>();
    private final Map<TagSetKey, TagSet> tagSets = new HashMap<>();
    private final Map<SeriesKey, Integer> byKey = new HashMap<>();
    private final Map<FieldKey, FieldType> fieldTypes = new HashMap<>();

    SeriesSlots(Batch batch) {
        slotOfValue = new int[batch.values()];
        for (int i = 0; i < batch.size(); i++) {
            TagSet tagSet = tagSet(batch.measurement(i), batch.tags(i));
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

    private TagSet tagSet(String measurement, List<Tag> tags) {
        Link first = byTagList.get(tags);
        int depth = 0;
        for (Link link = first; link != null; link = link.next, depth++) {
            if (link.measurement == measurement || link.measurement.equals(measurement)) {
                return link.tagSet;
            }
        }
        TagSet found = tagSets.computeIfAbsent(new TagSetKey(measurement, tags), key -> new TagSet(measurement, Tag.json(tags)));
        if (depth < MAX_LINKS) { // beyond, (many measurements without tags) the map by content serves
            byTagList.put(tags, new Link(measurement, found, first));
        }
        return found;
    }

    private int slot(TagSet tagSet, String field, FieldType type, int point) {
        var key = new SeriesKey(tagSet.measurement, tagSet.json, field);
        Integer known = byKey.get(key);
        if (known != null) {
            return known; // the same tag set, reached through another list
        }
        int slot = slots.size();
        slots.add(new Slot(tagSet.measurement, tagSet.json, field, type, point));
        byKey.put(key, slot);
        if (slot == counts.length) {
            counts = Arrays.copyOf(counts, slot * 2);
            types = Arrays.copyOf(types, slot * 2);
        }
        types[slot] = type;
        FieldType before = fieldTypes.putIfAbsent(new FieldKey(tagSet.measurement, field), type);
        if (before != null && before != type) {
            consistent = false;
        }
        return slot;
    }

    /** The tag sets reached through one tag list, one per measurement (an empty tag list is shared by every measurement). */
    private record Link(String measurement, TagSet tagSet, Link next) {}

    /** One measurement and tag set: its JSON, and its fields' slots by position and by name. */
    private static final class TagSet {
        final String measurement;
        final String json;
        private String[] fieldAt = new String[8];
        private int[] slotAt = new int[8];
        private final Map<String, Integer> byName = new HashMap<>();

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
            Integer slot = byName.get(key);
            if (slot == null) {
                return -1;
            }
            at(position, key, slot);
            return slot;
        }

        /** Records that field {@code key}, first met at {@code position}, is series {@code slot}. */
        void remember(int position, String key, int slot) {
            byName.put(key, slot);
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
