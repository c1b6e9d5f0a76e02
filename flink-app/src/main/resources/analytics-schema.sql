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

-- What the pipeline knows it could not apply: a change the job could not decode (it is also in
-- the dead-letter topic), or a result an analytics table could not store (the group is left out of
-- the table). While a row is here the pipeline is not Ready (condition ResultsExact). A result's
-- row clears itself when a later result of its group is stored; a change's row stays until it is
-- acknowledged by deleting it, once the analytics have been rebuilt without the fault.
CREATE TABLE IF NOT EXISTS analytics.unapplied (
    subject     text        NOT NULL,
    item_id     text        NOT NULL,
    item        text        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('change-not-applied', 'result-not-stored')),
    reason      text        NOT NULL,
    recovery    text        NOT NULL,
    noticed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject, item_id)
);
COMMENT ON COLUMN analytics.unapplied.subject IS
    'the table that is wrong: an analytics table, or a captured table whose analytics miss a change';
COMMENT ON COLUMN analytics.unapplied.item_id IS 'md5 of item, which can be too long for an index';
COMMENT ON COLUMN analytics.unapplied.item IS
    'which one: a change as topic/partition@offset, or a group as its key (first 500 characters)';

-- The source state the analytics tables show: every source transaction up to and including this
-- one, in commit order, and nothing after it. The job writes it in the same database transaction
-- as the tables' results, so a reader who reads it in the same snapshot as the tables (one query,
-- or one REPEATABLE READ transaction) knows exactly which source state they show. No row yet: no
-- streamed transaction has been applied (only the initial snapshot, if anything).
CREATE TABLE IF NOT EXISTS analytics.source_position (
    pipeline      text        PRIMARY KEY,
    txid          bigint      NOT NULL,
    commit_lsn    pg_lsn      NOT NULL,
    committed_at  timestamptz NOT NULL,
    applied_at    timestamptz NOT NULL
);
COMMENT ON COLUMN analytics.source_position.txid IS
    'the PostgreSQL transaction id (32 bits, as logical decoding gives it) of the last transaction';
COMMENT ON COLUMN analytics.source_position.commit_lsn IS
    'its commit''s position in the WAL, as Debezium reports it';
COMMENT ON COLUMN analytics.source_position.applied_at IS
    'when the results reflecting it were committed (database clock)';
-- Continuous verification (docs/analytics.md): at a cut, the round it was made for and the first
-- source transaction held back after it; NULL at every other position.
ALTER TABLE analytics.source_position ADD COLUMN IF NOT EXISTS cut_round bigint;
ALTER TABLE analytics.source_position ADD COLUMN IF NOT EXISTS next_txid bigint;

-- Each continuous verification round that compared the tables with their oracles at a cut: the
-- source commit the tables and the oracles were both at, and what differed. Written by the
-- verifier (the launcher, or the reconciler on Kubernetes); the verdict reads the newest.
CREATE TABLE IF NOT EXISTS analytics.verification (
    pipeline        text        NOT NULL,
    round           bigint      NOT NULL,
    verified_at     timestamptz NOT NULL DEFAULT now(),
    outcome         text        NOT NULL
        CHECK (outcome IN ('equal', 'differing', 'inconclusive', 'missed')),
    snapshot_lsn    pg_lsn      NOT NULL,
    txid            bigint      NOT NULL,
    tables_compared integer     NOT NULL,
    tables_differing integer    NOT NULL,
    detail          text        NOT NULL,
    PRIMARY KEY (pipeline, round)
);
COMMENT ON COLUMN analytics.verification.outcome IS
    'equal or differing at a proven cut; inconclusive (cut not proven) and missed (no cut) compared nothing';
COMMENT ON COLUMN analytics.verification.snapshot_lsn IS
    'the WAL position of the source snapshot the oracles were evaluated in';
COMMENT ON COLUMN analytics.verification.txid IS
    'the last source transaction the tables reflected at the cut (0: no cut came)';
COMMENT ON COLUMN analytics.verification.detail IS
    'per differing table, how many rows differ and the first ones; why nothing was compared; empty when all were equal';

-- Which generation of the pipeline definition the analytics tables were laid out for: a digest of
-- what decides the results (docs/analytics.md, "Changing the definition"). A job of a new
-- generation computes every analytic afresh from the change topics and may replace a table whose
-- analytic's result changed shape; within one generation a table of another shape is refused.
CREATE TABLE IF NOT EXISTS analytics.pipeline_generation (
    pipeline    text        PRIMARY KEY,
    generation  text        NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now()
);
-- The captured tables of that generation, comma-separated: a later generation may drop tables but
-- not add one, whose rows from before its capture began are in no change topic.
ALTER TABLE analytics.pipeline_generation ADD COLUMN IF NOT EXISTS tables text;
-- The analytics tables that generation wrote: only those may a later generation replace.
ALTER TABLE analytics.pipeline_generation ADD COLUMN IF NOT EXISTS outputs text;
