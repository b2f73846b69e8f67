package io.timestore.server.http;

import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * Request ids: a client's {@code X-Request-ID} is kept when it is a safe token
 * ({@code ^[A-Za-z0-9._:-]{1,128}$}); otherwise a UUIDv7 (RFC 9562) is generated, so ids sort by
 * time in logs and audit storage. Thread-safe if the random generator is.
 */
public final class RequestIds {
    private static final Pattern ACCEPTED = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private final InstantSource clock;
    private final RandomGenerator random;

    public RequestIds(InstantSource clock, RandomGenerator random) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** The client's id if acceptable, else a fresh one. */
    public String accept(String header) {
        return Optional.ofNullable(header).filter(h -> ACCEPTED.matcher(h).matches()).orElseGet(this::next);
    }

    /** A UUIDv7: 48-bit Unix milliseconds, version 7, 74 random bits, RFC 4122 variant. */
    public String next() {
        long millis = clock.millis();
        long high = (millis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
        long low = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(high, low).toString();
    }
}
