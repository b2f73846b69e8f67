package io.timestore.server.datasets;

/**
 * Which dataset of its id a transaction holds: its row as created ({@code created_at}, in
 * microseconds since the epoch) and as last written (the row version's {@code xmin}). A dataset
 * deleted and created again under the same id has another incarnation, and so has one whose row
 * was changed since (a PATCH), or restored from a dump: everything keyed by an incarnation belongs
 * to that row alone. Two incarnations of one id could only be equal if the second row were
 * created in the same microsecond as the first by a transaction with the same 32-bit id.
 */
public record DatasetIncarnation(long createdMicros, long rowXmin) {}
