package io.timestore.security;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;

class TenantIdPropertiesTest {

    @Provide
    Arbitrary<String> wellFormed() {
        Arbitrary<Character> first = Arbitraries.chars().range('a', 'z').range('0', '9');
        Arbitrary<String> rest = Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').withChars('-')
                .ofMinLength(1).ofMaxLength(62);
        return first.flatMap(f -> rest.map(r -> f + r));
    }

    @Property
    void well_formed_ids_parse_and_round_trip(@ForAll("wellFormed") String id) {
        assertThat(TenantId.parse(id)).hasValueSatisfying(t -> assertThat(t.value()).isEqualTo(id));
        assertThat(new TenantId(id).toString()).isEqualTo(id);
    }

    @Property
    void ids_with_any_character_outside_the_alphabet_are_refused(
            @ForAll("wellFormed") String id, @ForAll char intruder, @ForAll int position) {
        if ((intruder >= 'a' && intruder <= 'z') || (intruder >= '0' && intruder <= '9') || intruder == '-') {
            intruder = 'A';
        }
        int at = Math.floorMod(position, id.length() + 1);
        String bad = id.substring(0, at) + intruder + id.substring(at);

        assertThat(TenantId.parse(bad)).isEmpty();
    }

    @Property
    void ids_longer_than_63_or_shorter_than_2_characters_are_refused(@ForAll @StringLength(min = 64, max = 200) String longer) {
        String lower = "a".repeat(longer.length());

        assertThat(TenantId.parse(lower)).isEmpty();
        assertThat(TenantId.parse("a")).isEmpty();
        assertThat(TenantId.parse("-acme")).isEmpty();
        assertThat(TenantId.parse(null)).isEmpty();
    }
}
