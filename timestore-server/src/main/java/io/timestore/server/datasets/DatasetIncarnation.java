package io.timestore.server.datasets;

/**
 * Which dataset of its id a transaction holds: its row as created ({@code created_at}, in
 * microseconds since the epoch) and as last written (the row version's {@code xmin}), on which
 * database server (the time its postmaster started). A dataset deleted and created again under
 * the same id has another incarnation, and so has one whose row was changed since (a PATCH) or
 * written again by a restore from a dump, and one read from another server, or from the same one
 * restarted: a server restored from a physical backup or promoted from a standby may be behind the
 * one before it (a series that one committed may be missing there, and its id given again).
 * Everything keyed by an incarnation belongs to that row on that server alone. Two incarnations of
 * one id on one server could only be equal if the second row were created in the same microsecond
 * as the first by a transaction with the same 32-bit id.
 */
public record DatasetIncarnation(long createdMicros, long rowXmin, long serverStartMicros) {}
