SELECT site_code, sensor_no, seq, read_at, note, payload
FROM iot.readings
WHERE note IS NOT NULL
