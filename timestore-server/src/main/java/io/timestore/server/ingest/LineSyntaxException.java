package io.timestore.server.ingest;

/**
 * Why one line is invalid. Thrown inside the parser and caught per line, so it carries no stack
 * trace: a body full of bad lines costs a message each, not a stack walk each.
 */
final class LineSyntaxException extends RuntimeException {
    LineSyntaxException(String message) {
        super(message, null, false, false);
    }
}
