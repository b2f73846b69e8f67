package io.timestore.server.problems;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * 429 {@code rate_limited} or {@code quota_exceeded}: a rate limit or quota of the tenant or the
 * credential refused the request before it changed anything (docs/security.md, "Rate limits and
 * quotas"). The problem names the limit ({@code limit}), its value ({@code limit_value}) and, for
 * a rate, its burst ({@code limit_burst}); a rate limit's response carries {@code Retry-After}
 * with the time until its bucket holds enough again, in whole seconds, rounded up. A quota does
 * not refill with time: its refusal carries {@code Retry-After: 3600} ({@link #QUOTA_RETRY_AFTER}),
 * so that clients which honour it on a 429 (the InfluxDB clients, Telegraf) back off for an hour
 * instead of resending the refused batch at once; a retry succeeds sooner only if a platform
 * operator raises the quota or series are deleted.
 */
public final class LimitExceeded extends TimestoreException {
    /** The back-off a quota's refusal asks for: it does not refill, so retrying soon is pointless. */
    public static final Duration QUOTA_RETRY_AFTER = Duration.ofHours(1);
    private final String limit;
    private final long value;
    private final OptionalLong burst;
    private final Duration retryAfter;

    private LimitExceeded(ProblemType type, String detail, String limit, long value, OptionalLong burst,
                          Duration retryAfter) {
        super(type, detail);
        this.limit = Objects.requireNonNull(limit, "limit");
        this.value = value;
        this.burst = Objects.requireNonNull(burst, "burst");
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    /**
     * A rate limit's refusal.
     *
     * @param limit      which limit: {@code tenant_requests}, {@code credential_requests}, {@code tenant_points}
     * @param perSecond  its rate
     * @param burst      its bucket's capacity
     * @param unit       what it counts, for the detail: "requests" or "points"
     * @param retryAfter when the bucket holds enough again
     */
    public static LimitExceeded rate(String limit, long perSecond, long burst, String unit, Duration retryAfter) {
        return new LimitExceeded(ProblemType.RATE_LIMITED,
                "the %s limit of %d %s per second (burst %d) is exhausted; nothing was done, retry after the time in Retry-After"
                        .formatted(limit, perSecond, unit, burst),
                limit, perSecond, OptionalLong.of(burst), retryAfter);
    }

    /**
     * A quota's refusal.
     *
     * @param limit  which quota: {@code tenant_series}
     * @param max    its value
     * @param detail what was refused and why, naming the quota
     */
    public static LimitExceeded quota(String limit, long max, String detail) {
        return new LimitExceeded(ProblemType.QUOTA_EXCEEDED, detail, limit, max, OptionalLong.empty(), QUOTA_RETRY_AFTER);
    }

    /** Which limit refused. */
    public String limit() {
        return limit;
    }

    /** {@code Retry-After} in whole seconds, at least 1. */
    public long retryAfterSeconds() {
        long millis = Math.max(0, retryAfter.toMillis());
        return Math.max(1, (millis + 999) / 1000);
    }

    /** The problem's extension members: {@code limit}, {@code limit_value}, {@code limit_burst} (rates). */
    public Map<String, Object> extensions() {
        var members = new LinkedHashMap<String, Object>();
        members.put("limit", limit);
        members.put("limit_value", value);
        burst.ifPresent(b -> members.put("limit_burst", b));
        return members;
    }
}
