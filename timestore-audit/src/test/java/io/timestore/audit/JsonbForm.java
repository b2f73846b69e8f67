package io.timestore.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;

/**
 * An event's JSON in another form than its writer's, as jsonb prints it (events stored before audit
 * schema version 8): the members in another order, spaces after {@code :} and {@code ,}.
 */
final class JsonbForm {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonbForm() {}

    /** {@code event}'s members in reverse order, at every level, pretty-printed. */
    static String of(ObjectNode event) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(reversed(event));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    private static ObjectNode reversed(ObjectNode node) {
        var names = new ArrayList<String>();
        node.fieldNames().forEachRemaining(names::add);
        var copy = MAPPER.createObjectNode();
        for (int i = names.size() - 1; i >= 0; i--) {
            var value = node.get(names.get(i));
            copy.set(names.get(i), value instanceof ObjectNode object ? reversed(object) : value);
        }
        return copy;
    }
}
