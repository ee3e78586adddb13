-- The demo's sample data: a small shop.
CREATE TABLE products (
  id          serial PRIMARY KEY,
  name        text NOT NULL,
  category    text NOT NULL,
  price       numeric(10,2) NOT NULL,
  stock       integer NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE customers (
  id          serial PRIMARY KEY,
  name        text NOT NULL,
  email       text UNIQUE NOT NULL,
  country     text NOT NULL
);
CREATE TABLE orders (
  id          serial PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES customers(id),
  product_id  integer NOT NULL REFERENCES products(id),
  quantity    integer NOT NULL CHECK (quantity > 0),
  ordered_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO products (name, category, price, stock)
SELECT 'Product ' || g,
       (ARRAY['books','garden','kitchen','toys','tools'])[1 + g % 5],
       round((5 + (g * 37) % 200)::numeric + 0.99, 2),
       (g * 13) % 100
FROM generate_series(1, 1000) g;
INSERT INTO customers (name, email, country)
SELECT 'Customer ' || g, 'customer' || g || '@example.com',
       (ARRAY['DE','FR','US','JP','BR','IN'])[1 + g % 6]
FROM generate_series(1, 200) g;
INSERT INTO orders (customer_id, product_id, quantity, ordered_at)
SELECT 1 + (g * 7) % 200, 1 + (g * 11) % 1000, 1 + g % 4, now() - (g || ' minutes')::interval
FROM generate_series(1, 5000) g;
CREATE VIEW order_totals AS
SELECT o.id, c.name AS customer, p.name AS product, o.quantity, o.quantity * p.price AS total
FROM orders o JOIN customers c ON c.id = o.customer_id JOIN products p ON p.id = o.product_id;
ANALYZE;
