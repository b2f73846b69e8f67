package io.timestore.server.config;

import java.util.ArrayList;
import java.util.List;

/** The names operators can use, for documentation checks and help output. */
public final class SettingKeys {
    private SettingKeys() {}

    /** Every YAML key and every environment variable Timestore reads. */
    public static List<String> documented() {
        var names = new ArrayList<String>();
        for (var key : SettingKey.ALL) {
            names.add(key.key());
            key.env().ifPresent(names::add);
        }
        names.add("TIMESTORE_CONFIG");
        return names;
    }
}
