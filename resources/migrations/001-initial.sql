-- Catalog of the lake: what is published, what ran, and app settings.
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- One row per published Parquet part file; a file is visible to readers only once its row exists.
CREATE TABLE bar_files (
  id         TEXT PRIMARY KEY,
  dataset    TEXT NOT NULL DEFAULT 'bars',
  timeframe  TEXT NOT NULL,
  symbol     TEXT NOT NULL,
  month      TEXT NOT NULL,
  path       TEXT NOT NULL UNIQUE,
  rows       INTEGER NOT NULL,
  bytes      INTEGER NOT NULL,
  first_ts   INTEGER NOT NULL,
  last_ts    INTEGER NOT NULL,
  source     TEXT NOT NULL,
  ingest_run TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX bar_files_series ON bar_files (timeframe, symbol, month);

CREATE TABLE ingest_runs (
  id          TEXT PRIMARY KEY,
  job_id      TEXT,
  source      TEXT NOT NULL,
  request     TEXT NOT NULL,
  started_at  INTEGER NOT NULL,
  ended_at    INTEGER,
  new_rows    INTEGER NOT NULL DEFAULT 0,
  dup_rows    INTEGER NOT NULL DEFAULT 0,
  status      TEXT NOT NULL
);

CREATE TABLE jobs (
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,
  request     TEXT NOT NULL,
  status      TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  started_at  INTEGER,
  ended_at    INTEGER,
  progress    TEXT,
  summary     TEXT,
  error       TEXT,
  result      TEXT,
  resumed_from TEXT
);
CREATE INDEX jobs_created ON jobs (created_at);
