-- The analytics tables the job keeps by JDBC upsert. Each has an oracle: a query over the shop
-- schema that returns the same rows once the pipeline is quiescent (docs/analytics.md).
CREATE SCHEMA IF NOT EXISTS analytics;

-- Per order status: how many orders, and their amount.
CREATE TABLE IF NOT EXISTS analytics.status_totals (
    status       text           PRIMARY KEY,
    order_count  bigint         NOT NULL,
    amount       numeric(38, 2) NOT NULL
);

-- Per product category and event-time minute of the order: orders not cancelled, and revenue.
-- window_closed: the watermark has passed the minute's end plus the allowed lateness.
-- late_corrections: changes applied to this row after its window had closed.
CREATE TABLE IF NOT EXISTS analytics.category_revenue_minute (
    category          text           NOT NULL,
    minute_start      timestamptz    NOT NULL,
    order_count       bigint         NOT NULL,
    revenue           numeric(38, 2) NOT NULL,
    window_closed     boolean        NOT NULL,
    late_corrections  bigint         NOT NULL,
    PRIMARY KEY (category, minute_start)
);

-- Per customer: orders paid (PAID, SHIPPED or DELIVERED), and their amount.
CREATE TABLE IF NOT EXISTS analytics.customer_value (
    customer_id  bigint         PRIMARY KEY,
    paid_orders  bigint         NOT NULL,
    paid_amount  numeric(38, 2) NOT NULL
);

-- The newest capture-layer heartbeat that made it through the pipeline: freshness = now() - beat_at.
CREATE TABLE IF NOT EXISTS analytics.freshness (
    id       integer     PRIMARY KEY,
    beat_at  timestamptz NOT NULL
);

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

-- Readers (the dashboard, the CdcPipeline reconciler) log in as analytics_reader where it exists:
-- the chart's database creates it; it may read the analytics tables and nothing else.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'analytics_reader') THEN
        GRANT USAGE ON SCHEMA analytics TO analytics_reader;
        GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO analytics_reader;
    END IF;
END
$$;
