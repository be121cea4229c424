-- The read model: what the other services' feeds say, in the shape the reports need. Every row
-- is keyed by the source's own name, so applying an event twice writes the same row again.
CREATE TABLE rm_trajectories (
  id TEXT PRIMARY KEY,
  school_brin TEXT NOT NULL,
  board_number TEXT NOT NULL,
  start_category INTEGER NOT NULL,
  category INTEGER NOT NULL,
  state INTEGER NOT NULL,
  start_day TEXT NOT NULL,
  close_day TEXT NOT NULL,
  extensions INTEGER NOT NULL,
  reviews INTEGER NOT NULL,
  relapsed INTEGER NOT NULL,
  coach TEXT NOT NULL
);
CREATE TABLE rm_trajectory_departments (
  trajectory_id TEXT NOT NULL,
  department TEXT NOT NULL,
  school_type INTEGER NOT NULL,
  PRIMARY KEY (trajectory_id, department)
);
CREATE TABLE rm_sessions (
  name TEXT PRIMARY KEY,
  trajectory_id TEXT NOT NULL,
  half_steps BIGINT NOT NULL,
  state INTEGER NOT NULL,
  coach TEXT NOT NULL
);
CREATE TABLE rm_ledger (
  name TEXT PRIMARY KEY,
  trajectory_id TEXT NOT NULL,
  pot INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  half_steps BIGINT NOT NULL,
  cost_cents BIGINT NOT NULL
);
CREATE TABLE rm_evaluations (
  name TEXT PRIMARY KEY,
  trajectory_id TEXT NOT NULL,
  respondent INTEGER NOT NULL,
  overall INTEGER NOT NULL,
  results_achieved INTEGER NOT NULL,
  fit_with_request INTEGER NOT NULL,
  added_value INTEGER NOT NULL
);
CREATE TABLE rm_outreach (
  department TEXT PRIMARY KEY,
  contacted INTEGER NOT NULL,
  declined INTEGER NOT NULL,
  decline_reason TEXT NOT NULL,
  registration TEXT NOT NULL
);
