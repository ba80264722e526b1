-- Every stage change of a model version, so promotions can be rolled back and audited.
CREATE TABLE model_stage_history (
  id         TEXT NOT NULL,
  version    INTEGER NOT NULL,
  from_stage TEXT NOT NULL,
  to_stage   TEXT NOT NULL,
  at         INTEGER NOT NULL
);
CREATE INDEX model_stage_history_id ON model_stage_history (id, at);
