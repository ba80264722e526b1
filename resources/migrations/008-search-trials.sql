-- Hyperparameter-search trials, stored as each one ends, so a search resumes after a crash.
CREATE TABLE search_trials (
  search_id   TEXT NOT NULL,
  trial       INTEGER NOT NULL,
  params      TEXT NOT NULL,
  fold_scores TEXT NOT NULL,
  score       REAL NOT NULL,
  state       TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (search_id, trial)
);
