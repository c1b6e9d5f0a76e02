-- The platform's own table, beside the analytics tables the job creates from each declared
-- analytic's result.
-- Per minute of write time: how long changes took from their commit in the source database to the
-- commit of the results that include them (count and nearest-rank percentiles, milliseconds).
CREATE TABLE IF NOT EXISTS analytics.pipeline_latency_minute (
    minute_start  timestamptz PRIMARY KEY,
    change_count  bigint      NOT NULL,
    p50_ms        bigint      NOT NULL,
    p95_ms        bigint      NOT NULL,
    p99_ms        bigint      NOT NULL,
    max_ms        bigint      NOT NULL
);
