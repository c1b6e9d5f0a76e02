SELECT status, COUNT(*) AS order_count, SUM(amount) AS amount
FROM shop.orders
GROUP BY status
