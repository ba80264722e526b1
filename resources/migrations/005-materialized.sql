-- Resampled series written on request; used while the bronze files they came from are unchanged.
CREATE TABLE materialized (
  symbol         TEXT NOT NULL,
  timeframe      TEXT NOT NULL,
  path           TEXT NOT NULL,
  rows           INTEGER NOT NULL,
  source_version TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  PRIMARY KEY (symbol, timeframe)
);
