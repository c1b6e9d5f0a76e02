SELECT se.kind,
       COUNT(*) AS readings,
       MAX(r.read_at) AS last_read_at,
       MIN(se.installed_at) AS first_installed
FROM iot.readings r
JOIN iot.sensors se ON se.site_code = r.site_code AND se.sensor_no = r.sensor_no
GROUP BY se.kind
