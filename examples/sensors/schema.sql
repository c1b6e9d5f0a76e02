-- The sensors example: sites run sensors that send readings. Applied by the local run as the
-- database's schema owner, before source setup; on your own database this is your schema.
-- It uses what the shop does not: composite primary keys, a table without a primary key, nullable
-- columns, and most of the types the platform carries.
CREATE SCHEMA iot;

CREATE TABLE iot.sites (
    site_code  character(4)          PRIMARY KEY,
    name       character varying(80) NOT NULL,
    region     text,                          -- nullable: some sites have none
    opened     date                  NOT NULL
);

CREATE TABLE iot.sensors (
    site_code    character(4)  NOT NULL REFERENCES iot.sites,
    sensor_no    smallint      NOT NULL,
    sensor_id    uuid          NOT NULL UNIQUE,
    kind         text          NOT NULL,
    calibration  numeric(10,4),               -- nullable
    active       boolean       NOT NULL DEFAULT true,
    installed_at timestamp     NOT NULL,      -- wall time, no zone
    metadata     jsonb,
    PRIMARY KEY (site_code, sensor_no)
);

-- No primary key: the pipeline definition declares (site_code, sensor_no, seq) as its key.
CREATE TABLE iot.readings (
    site_code  character(4)     NOT NULL,
    sensor_no  smallint         NOT NULL,
    seq        bigint           NOT NULL,
    read_at    timestamptz      NOT NULL,
    reading    double precision,              -- nullable: a failed read
    quality    integer,
    payload        bytea,
    note       text
);
CREATE SEQUENCE iot.reading_seq;
CREATE INDEX readings_seq_idx ON iot.readings (seq);

INSERT INTO iot.sites VALUES
    ('OSL1', 'Oslo harbour', 'north', DATE '2019-03-01'),
    ('LIS2', 'Lisboa — Alfama', 'south', DATE '2021-07-15'),
    ('ZRH3', 'Zürich Nord', NULL, DATE '1999-12-31');

INSERT INTO iot.sensors VALUES
    ('OSL1', 1, '0b9a1c1e-8f3e-4c3e-9d1a-2b3c4d5e6f70', 'temperature', 1.0250, true,
     TIMESTAMP '2019-03-02 08:00:00', '{"vendor": "Aanderaa", "depth_m": 2.5}'),
    ('OSL1', 2, '1c2b3a4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', 'salinity', NULL, true,
     TIMESTAMP '2019-03-02 08:30:00.123456', NULL),
    ('LIS2', 1, '2d3c4b5a-6f7e-4b8c-9d0e-1f2a3b4c5d6e', 'temperature', 0.9975, true,
     TIMESTAMP '2021-07-16 09:15:00', '{"vendor": "Vaisala", "tags": ["roof", "é"]}'),
    ('LIS2', 2, '3e4d5c6b-7a8f-4c9d-0e1f-2a3b4c5d6e7f', 'humidity', 1.0000, false,
     TIMESTAMP '2021-07-16 09:20:00', '{}'),
    ('ZRH3', 1, '4f5e6d7c-8b9a-4d0e-1f2a-3b4c5d6e7f80', 'pressure', -0.0001, true,
     TIMESTAMP '1969-07-20 20:17:40', '{"note": "oldest"}'),
    ('ZRH3', 7, '5a6f7e8d-9cab-4e1f-2a3b-4c5d6e7f8091', 'humidity', NULL, true,
     TIMESTAMP '2100-01-01 00:00:00.000001', NULL);
