-- The publication names exactly the captured tables (never FOR ALL TABLES), so Flyway's history
-- table and any table added later stay out of the change stream until they are added here.
CREATE PUBLICATION ${publication}
    FOR TABLE customers, products, orders, heartbeat
    WITH (publish = 'insert, update, delete, truncate');
