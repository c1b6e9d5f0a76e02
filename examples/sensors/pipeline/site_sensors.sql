SELECT site_code,
       COUNT(*) AS sensors,
       SUM(CASE WHEN active THEN 1 ELSE 0 END) AS active,
       COUNT(calibration) AS calibrated,
       SUM(calibration) AS calibration_total
FROM iot.sensors
GROUP BY site_code
