-- Backtest runs: the summary (request, metrics) per run; trades and equity live in gold/backtests/<id>/.
CREATE TABLE backtests (
  id          TEXT PRIMARY KEY,
  created_at  INTEGER NOT NULL,
  strategy    TEXT NOT NULL,
  symbols     TEXT NOT NULL,
  timeframe   TEXT NOT NULL,
  model       TEXT,
  summary     TEXT NOT NULL
);
CREATE INDEX backtests_created ON backtests (created_at);
