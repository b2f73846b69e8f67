package io.timestore.server.ingest;

import io.timestore.server.problems.InvalidRequest;
import io.timestore.server.problems.ProblemType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * A request body within its limits: at most {@code maxBody} bytes as sent and, when gzipped, at
 * most {@code maxDecompressed} bytes inflated. Inflation stops one byte past the limit, so a
 * gzip bomb costs at most that much memory and time.
 */
final class BoundedBody {
    private BoundedBody() {}

    static byte[] decode(byte[] raw, String contentEncoding, long maxBody, long maxDecompressed) {
        if (raw.length > maxBody) {
            throw tooLarge("the body has %d bytes; at most %d are accepted".formatted(raw.length, maxBody));
        }
        var encoding = contentEncoding == null ? "identity" : contentEncoding.strip().toLowerCase(Locale.ROOT);
        return switch (encoding) {
            case "", "identity" -> raw;
            case "gzip", "x-gzip" -> gunzip(raw, maxDecompressed);
            default -> throw new InvalidRequest(ProblemType.UNSUPPORTED_MEDIA_TYPE,
                    "Content-Encoding %s is not supported; send gzip or identity".formatted(contentEncoding));
        };
    }

    private static byte[] gunzip(byte[] raw, long maxDecompressed) {
        try (var in = new GZIPInputStream(new ByteArrayInputStream(raw), 8192)) {
            var out = new ByteArrayOutputStream((int) Math.min(maxDecompressed, Math.max(8192L, raw.length * 4L)));
            var buffer = new byte[8192];
            long total = 0;
            int read;
            while ((read = in.read(buffer)) > 0) {
                total += read;
                if (total > maxDecompressed) {
                    throw tooLarge("the body inflates to more than %d bytes, the limit".formatted(maxDecompressed));
                }
                out.write(buffer, 0, read);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new InvalidRequest("the body is not valid gzip (Content-Encoding: gzip)");
        }
    }

    private static InvalidRequest tooLarge(String detail) {
        return new InvalidRequest(ProblemType.PAYLOAD_TOO_LARGE, detail);
    }
}
