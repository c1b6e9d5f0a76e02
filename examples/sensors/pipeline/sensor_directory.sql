SELECT se.sensor_id, se.site_code, st.name AS site_name, st.region, st.opened, se.installed_at,
       se.metadata
FROM iot.sensors se
JOIN iot.sites st ON st.site_code = se.site_code
