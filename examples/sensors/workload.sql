-- One transaction of the sensors workload; the local run repeats it at --rate per second.
-- Mostly new readings (some late by up to a minute, some without a value), with updates and
-- deletes of readings, sensors recalibrated, moved to another kind or switched on and off, and now
-- and then a site renamed or given a region.
INSERT INTO iot.readings (site_code, sensor_no, seq, read_at, reading, quality, payload, note)
SELECT s.site_code, s.sensor_no, nextval('iot.reading_seq'),
       now() - random() * CASE WHEN random() < 0.1 THEN interval '60 seconds' ELSE interval '2 seconds' END,
       CASE WHEN random() < 0.05 THEN NULL ELSE round((random() * 200 - 100)::numeric, 3)::float8 END,
       CASE WHEN random() < 0.1 THEN NULL ELSE (random() * 10)::int END,
       CASE WHEN random() < 0.2 THEN decode(md5(random()::text), 'hex') END,
       CASE WHEN random() < 0.1 THEN 'ünïcødé ✓ ' || (random() * 1000)::int END
FROM iot.sensors s
WHERE s.active
ORDER BY random()
LIMIT 3;

UPDATE iot.readings SET quality = coalesce(quality, 0) + 1, note = 'revised'
WHERE seq = (SELECT max(seq) - (random() * 20)::int FROM iot.readings);

DELETE FROM iot.readings
WHERE random() < 0.3 AND seq = (SELECT max(seq) - (random() * 50)::int FROM iot.readings);

UPDATE iot.sensors
SET calibration = CASE WHEN random() < 0.2 THEN NULL ELSE round((random() * 2)::numeric, 4) END,
    active = random() > 0.15
WHERE random() < 0.1
  AND (site_code, sensor_no) = (SELECT site_code, sensor_no FROM iot.sensors ORDER BY random() LIMIT 1);

UPDATE iot.sensors
SET kind = (ARRAY['temperature', 'humidity', 'pressure', 'salinity'])[1 + (random() * 3)::int]
WHERE random() < 0.03
  AND (site_code, sensor_no) = (SELECT site_code, sensor_no FROM iot.sensors ORDER BY random() LIMIT 1);

UPDATE iot.sites
SET region = CASE WHEN random() < 0.3 THEN NULL ELSE (ARRAY['north', 'south', 'alps'])[1 + (random() * 2)::int] END
WHERE random() < 0.02
  AND site_code = (SELECT site_code FROM iot.sites ORDER BY random() LIMIT 1);
