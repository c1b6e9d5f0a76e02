SELECT id, beat_at FROM iot.heartbeat
