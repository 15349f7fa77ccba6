-- The last partition maintenance pass per partitioned table (sync's keeper or
-- `litebridge partitions --maintain`), shown by `litebridge partitions` and `status`.
CREATE SCHEMA IF NOT EXISTS litebridge;
CREATE TABLE IF NOT EXISTS litebridge.partition_maintenance (
  schema_name text NOT NULL,
  table_name  text NOT NULL,
  ran_at      timestamptz NOT NULL,
  created     integer NOT NULL, -- partitions created (and attached) by the pass
  moved       bigint NOT NULL,  -- rows moved out of DEFAULT into them
  detached    integer NOT NULL, -- partitions detached by retention
  error       text,             -- what stopped the pass, NULL when it completed
  PRIMARY KEY (schema_name, table_name)
);
