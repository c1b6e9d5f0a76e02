-- Long product descriptions are stored out of line (TOAST). An update that does not touch them
-- makes PostgreSQL omit them from the new row image; the capture layer must still deliver the
-- real value, which the end-to-end tests check.
ALTER TABLE products ADD COLUMN description text;
