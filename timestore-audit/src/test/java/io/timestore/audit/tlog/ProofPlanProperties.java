package io.timestore.audit.tlog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/**
 * For every tree size a {@code long} can hold, the nodes a proof or a compact range reads are complete
 * in that tree (so they are stored once the tree has that size), distinct, and at most two per level.
 */
class ProofPlanProperties {

    @Property(tries = 2000)
    void an_inclusion_proof_reads_only_complete_nodes_at_most_two_per_level(
            @ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long size, @ForAll @LongRange(min = 0, max = Long.MAX_VALUE - 1) long i) {
        long index = i % size;

        List<NodeId> ids = ProofPlan.inclusion(index, size).ids();

        assertCompleteAndFew(ids, size);
    }

    @Property(tries = 2000)
    void a_consistency_proof_reads_only_complete_nodes_at_most_two_per_level(
            @ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long size2, @ForAll @LongRange(min = 0, max = Long.MAX_VALUE - 1) long s) {
        long size1 = 1 + s % size2;

        List<NodeId> ids = ProofPlan.consistency(size1, size2).ids();

        assertCompleteAndFew(ids, size2);
    }

    @Property(tries = 2000)
    void the_compact_range_of_any_size_is_one_complete_node_per_one_bit(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long size) {
        List<NodeId> ids = CompactRange.ids(size);

        assertThat(ids).hasSize(Long.bitCount(size));
        long next = 0;
        for (NodeId id : ids) {
            assertThat(id.begin()).isEqualTo(next);
            next = id.end();
        }
        assertThat(next).isEqualTo(size);
    }

    private static void assertCompleteAndFew(List<NodeId> ids, long size) {
        int levels = 64 - Long.numberOfLeadingZeros(size - 1);
        assertThat(ids).allSatisfy(id -> assertThat(id.end()).isBetween(1L, size));
        assertThat(new HashSet<>(ids)).hasSize(ids.size());
        assertThat(ids.size()).isLessThanOrEqualTo(Math.max(2 * levels, 0));
    }
}
