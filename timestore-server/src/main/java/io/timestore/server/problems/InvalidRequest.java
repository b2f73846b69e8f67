package io.timestore.server.problems;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The request is malformed or breaks a validation rule (400 and the related 4xx codes). It may
 * carry the individual problems, each with a JSON pointer or a line number, which the problem
 * document lists under {@code errors} (the first 100).
 */
public final class InvalidRequest extends TimestoreException {
    /** One thing wrong with the input: where ({@code pointer} or {@code line}) and what. */
    public record FieldError(String pointer, Integer line, String detail) {
        public FieldError {
            Objects.requireNonNull(detail, "detail");
        }

        public static FieldError at(String pointer, String detail) {
            return new FieldError(pointer, null, detail);
        }

        public static FieldError onLine(int line, String detail) {
            return new FieldError(null, line, detail);
        }

        Map<String, Object> toJson() {
            var json = new java.util.LinkedHashMap<String, Object>();
            if (pointer != null) {
                json.put("pointer", pointer);
            }
            if (line != null) {
                json.put("line", line);
            }
            json.put("detail", detail);
            return json;
        }
    }

    private static final int MAX_ERRORS = 100;
    private final List<FieldError> errors;

    public InvalidRequest(String detail) {
        this(ProblemType.INVALID_REQUEST, detail, List.of());
    }

    public InvalidRequest(ProblemType type, String detail) {
        this(type, detail, List.of());
    }

    public InvalidRequest(String detail, List<FieldError> errors) {
        this(ProblemType.INVALID_REQUEST, detail, errors);
    }

    public InvalidRequest(ProblemType type, String detail, List<FieldError> errors) {
        super(type, detail);
        this.errors = List.copyOf(errors.size() > MAX_ERRORS ? errors.subList(0, MAX_ERRORS) : errors);
    }

    public List<FieldError> errors() {
        return errors;
    }

    /** The problem document's extension members this failure adds ({@code docs/errors.md}). */
    public Map<String, Object> extensions() {
        return errors.isEmpty() ? Map.of() : Map.of("errors", errors.stream().map(FieldError::toJson).toList());
    }
}
