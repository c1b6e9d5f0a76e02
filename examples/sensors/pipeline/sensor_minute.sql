SELECT site_code, sensor_no,
       FLOOR(CAST(read_at AS TIMESTAMP(3)) TO MINUTE) AS minute_start,
       COUNT(*) AS readings,
       COUNT(reading) AS valued,
       MAX(reading) AS max_reading,
       SUM(CAST(quality AS BIGINT)) AS quality_sum
FROM iot.readings
GROUP BY site_code, sensor_no, FLOOR(CAST(read_at AS TIMESTAMP(3)) TO MINUTE)
