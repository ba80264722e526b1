-- Vendor backfills record which ranges they fetched in full, so a re-run asks only for what is missing.
CREATE TABLE backfill_coverage (
  source     TEXT NOT NULL,
  dataset    TEXT NOT NULL,
  symbol     TEXT NOT NULL,
  timeframe  TEXT NOT NULL,
  month      TEXT NOT NULL,
  from_ts    INTEGER NOT NULL,
  to_ts      INTEGER NOT NULL,
  fetched_at INTEGER NOT NULL,
  PRIMARY KEY (source, dataset, symbol, timeframe, month)
);
