-- The job's session time zone is UTC, so the cast to TIMESTAMP yields the UTC wall time.
-- A regular join: when a product moves to another category, or an order to another product, the
-- join retracts the old pairing and the revenue moves with it.
SELECT p.category,
       FLOOR(CAST(o.created_at AS TIMESTAMP(3)) TO MINUTE) AS minute_start,
       COUNT(*) AS order_count,
       SUM(o.amount) AS revenue
FROM shop.orders o
JOIN shop.products p ON o.product_id = p.id
WHERE o.status <> 'CANCELLED'
GROUP BY p.category, FLOOR(CAST(o.created_at AS TIMESTAMP(3)) TO MINUTE)
