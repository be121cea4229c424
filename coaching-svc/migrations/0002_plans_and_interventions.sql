-- Improvement plan goals; `record` holds the Goal message.
CREATE TABLE goals (
  trajectory_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  deadline TEXT NOT NULL,
  status INTEGER NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (trajectory_id, seq)
);
CREATE INDEX goals_deadline ON goals (deadline, status);

-- The intervention log; `record` holds the Intervention message, the columns what searches filter on.
CREATE TABLE interventions (
  id BIGINT PRIMARY KEY,
  trajectory_id TEXT NOT NULL,
  theme INTEGER NOT NULL,
  category INTEGER NOT NULL,
  outcome INTEGER NOT NULL,
  school_types TEXT NOT NULL,
  search_text TEXT NOT NULL,
  record TEXT NOT NULL,
  create_us BIGINT NOT NULL
);
CREATE INDEX interventions_trajectory ON interventions (trajectory_id);
