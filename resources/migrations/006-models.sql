-- Model registry: one row per trained or imported model version; artifacts live in models/<id>/<version>/.
CREATE TABLE models (
  id          TEXT NOT NULL,
  version     INTEGER NOT NULL,
  kind        TEXT NOT NULL,
  objective   TEXT NOT NULL,
  symbols     TEXT NOT NULL,
  timeframe   TEXT,
  feature_set TEXT,
  spec_hash   TEXT,
  label       TEXT,
  features    TEXT NOT NULL,
  train_from  INTEGER,
  train_to    INTEGER,
  params      TEXT NOT NULL,
  metrics     TEXT NOT NULL,
  sha256      TEXT NOT NULL,
  stage       TEXT NOT NULL DEFAULT 'candidate',
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (id, version)
);
