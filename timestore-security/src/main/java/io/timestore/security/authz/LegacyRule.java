package io.timestore.security.authz;

/**
 * A legacy-mode rule that admitted a request which strict mode would refuse. The {@link #label()}
 * is the {@code rule} label of {@code timestore_legacy_requests_total{route,rule}}.
 */
public enum LegacyRule {
    /** A caller holding the configured global query scope read a dataset on a query route. */
    GLOBAL_QUERY_SCOPE("global_query_scope"),
    /** An unauthenticated request naming its tenant in {@code X-Tenant-ID} ingested points. */
    UNAUTHENTICATED_INGEST("unauthenticated_ingest");

    private final String label;

    LegacyRule(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
