package io.timestore.server.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/**
 * The keyset position inside a cursor: the sort key of the last item of a page, as typed fields in
 * the order the listing writes them. Each field is one type byte and its value — text
 * ({@code 0x01}, 4-byte big-endian length, UTF-8), 64-bit integer ({@code 0x02}, 8 bytes big
 * endian), instant ({@code 0x03}, epoch seconds as 8 bytes and nanoseconds as 4), UUID
 * ({@code 0x04}, 16 bytes). A listing reads back exactly the fields it wrote, in the same order.
 */
public final class CursorPosition {
    static final int TEXT = 1;
    static final int INT64 = 2;
    static final int INSTANT = 3;
    static final int UUID_FIELD = 4;
    private CursorPosition() {}

    /** Writes the fields of a position. Not thread-safe; used for one cursor. */
    public static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Writer() {}

        public Writer text(String value) {
            var bytes = value.getBytes(StandardCharsets.UTF_8);
            out.write(TEXT);
            out.writeBytes(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
            out.writeBytes(bytes);
            return this;
        }

        public Writer int64(long value) {
            out.write(INT64);
            out.writeBytes(ByteBuffer.allocate(Long.BYTES).putLong(value).array());
            return this;
        }

        public Writer instant(Instant value) {
            out.write(INSTANT);
            out.writeBytes(ByteBuffer.allocate(Long.BYTES + Integer.BYTES)
                    .putLong(value.getEpochSecond()).putInt(value.getNano()).array());
            return this;
        }

        public Writer uuid(UUID value) {
            out.write(UUID_FIELD);
            out.writeBytes(ByteBuffer.allocate(16)
                    .putLong(value.getMostSignificantBits()).putLong(value.getLeastSignificantBits()).array());
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    /**
     * Reads the fields of a position. Every method throws {@link Malformed} when the next field is
     * missing or of another type: only a cursor made by another version of a listing can do that,
     * since a cursor's bytes are authenticated before they are read.
     */
    public static final class Reader {
        private final ByteBuffer in;

        Reader(ByteBuffer in) {
            this.in = in;
        }

        public String text() {
            expect(TEXT, Integer.BYTES);
            int length = in.getInt();
            if (length < 0) {
                throw new Malformed("a text field has a negative length");
            }
            require(length);
            var bytes = new byte[length];
            in.get(bytes);
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                throw new Malformed("a text field is not UTF-8");
            }
        }

        public long int64() {
            expect(INT64, Long.BYTES);
            return in.getLong();
        }

        public Instant instant() {
            expect(INSTANT, Long.BYTES + Integer.BYTES);
            long seconds = in.getLong();
            int nanos = in.getInt();
            try {
                return Instant.ofEpochSecond(seconds, nanos);
            } catch (java.time.DateTimeException e) {
                throw new Malformed("an instant field is out of range");
            }
        }

        public UUID uuid() {
            expect(UUID_FIELD, 16);
            return new UUID(in.getLong(), in.getLong());
        }

        /** Throws unless every field was read. */
        void finish() {
            if (in.hasRemaining()) {
                throw new Malformed(in.remaining() + " bytes follow the last field");
            }
        }

        private void expect(int type, int bytes) {
            require(1);
            int found = Byte.toUnsignedInt(in.get());
            if (found != type) {
                throw new Malformed("field type " + found + " where " + type + " was expected");
            }
            require(bytes);
        }

        private void require(int bytes) {
            if (in.remaining() < bytes) {
                throw new Malformed("the position ends inside a field");
            }
        }
    }

    /** The position's bytes do not hold the fields the listing reads. */
    static final class Malformed extends RuntimeException {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }
}
