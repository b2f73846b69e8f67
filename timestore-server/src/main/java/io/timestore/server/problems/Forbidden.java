package io.timestore.server.problems;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The caller is known but may not do this; the problem names the role or scope that would allow it. */
public final class Forbidden extends TimestoreException {
    private final Optional<String> missingRole;
    private final Optional<String> missingScope;

    public Forbidden(String detail, Optional<String> missingRole, Optional<String> missingScope) {
        super(ProblemType.FORBIDDEN, detail);
        this.missingRole = missingRole;
        this.missingScope = missingScope;
    }

    /** The problem document's extension members this failure adds ({@code docs/errors.md}). */
    public Map<String, Object> extensions() {
        var extensions = new LinkedHashMap<String, Object>();
        missingRole.ifPresent(role -> extensions.put("missing_role", role));
        missingScope.ifPresent(scope -> extensions.put("missing_scope", scope));
        return extensions;
    }
}
