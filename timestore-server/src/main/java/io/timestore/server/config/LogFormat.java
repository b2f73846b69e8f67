package io.timestore.server.config;

/** How log lines are written: one JSON object per line for machines, or plain text for people. */
public enum LogFormat {
    JSON, TEXT
}
