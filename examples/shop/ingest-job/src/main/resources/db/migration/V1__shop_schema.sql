-- The shop: customers place orders for products. Every table here is captured by CDC, so each
-- carries REPLICA IDENTITY FULL: updates and deletes then ship the complete before-image, which
-- the analytics need to retract a row's old contribution exactly.

CREATE TABLE customers (
    id          bigint      PRIMARY KEY,
    name        text        NOT NULL,
    email       text        NOT NULL,
    country     char(2)     NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE products (
    id          bigint        PRIMARY KEY,
    name        text          NOT NULL,
    category    text          NOT NULL,
    price       numeric(12,2) NOT NULL CHECK (price > 0),
    updated_at  timestamptz   NOT NULL DEFAULT now()
);

-- created_at is the event time (when the customer placed the order, as the order's source
-- system saw it); it can lie well before the commit that records it. updated_at is the time of
-- the transaction that last changed the row.
CREATE TABLE orders (
    id          bigint        PRIMARY KEY,
    customer_id bigint        NOT NULL REFERENCES customers (id),
    product_id  bigint        NOT NULL REFERENCES products (id),
    quantity    integer       NOT NULL CHECK (quantity > 0),
    amount      numeric(12,2) NOT NULL CHECK (amount >= 0),
    status      text          NOT NULL
                CHECK (status IN ('PENDING', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
    created_at  timestamptz   NOT NULL,
    updated_at  timestamptz   NOT NULL DEFAULT now()
);

CREATE INDEX orders_customer_id_idx ON orders (customer_id);
CREATE INDEX orders_product_id_idx ON orders (product_id);

-- One row that the capture layer rewrites periodically (Debezium's heartbeat action query), so
-- that a quiet database still produces changes: offsets advance, the WAL a slot retains stays
-- bounded, and downstream watermarks and freshness keep moving.
CREATE TABLE heartbeat (
    id       integer     PRIMARY KEY CHECK (id = 1),
    beat_at  timestamptz NOT NULL
);
INSERT INTO heartbeat (id, beat_at) VALUES (1, now());

ALTER TABLE customers REPLICA IDENTITY FULL;
ALTER TABLE products REPLICA IDENTITY FULL;
ALTER TABLE orders REPLICA IDENTITY FULL;
ALTER TABLE heartbeat REPLICA IDENTITY FULL;
