package io.cdcplatform.pipeline;

import java.io.Serializable;
import java.time.Duration;

/**
 * An analytic's event-time window: the result column holding each group's window start, how long a
 * window lasts, and how long after its end changes are still expected. Once the watermark passes
 * start + size + allowed lateness, the group is marked {@code window_closed}; a change reaching it
 * afterwards is still applied, and each update of the result it causes is counted in {@code
 * late_updates} (one for a source insert or delete, two for a source update).
 */
public record Window(String column, Duration size, Duration allowedLateness)
    implements Serializable {}
