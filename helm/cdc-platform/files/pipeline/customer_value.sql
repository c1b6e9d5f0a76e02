SELECT c.id AS customer_id, COUNT(*) AS paid_orders, SUM(o.amount) AS paid_amount
FROM shop.orders o
JOIN shop.customers c ON o.customer_id = c.id
WHERE o.status IN ('PAID', 'SHIPPED', 'DELIVERED')
GROUP BY c.id
