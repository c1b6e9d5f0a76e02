SELECT id, beat_at FROM shop.heartbeat
