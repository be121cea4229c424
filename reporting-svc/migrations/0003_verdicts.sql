-- From inspection's feed: every verdict record a department got (for outcomes and year-end
-- counts) and the latest risk signal date; and what each trajectory department started with.
CREATE TABLE rm_verdicts (
  verdict TEXT PRIMARY KEY,
  department TEXT NOT NULL,
  value INTEGER NOT NULL,
  status INTEGER NOT NULL,
  effective_day TEXT NOT NULL,
  established_day TEXT NOT NULL
);
CREATE INDEX rm_verdicts_department ON rm_verdicts (department);
CREATE TABLE rm_risk_signals (
  department TEXT PRIMARY KEY,
  signal_day TEXT NOT NULL
);
ALTER TABLE rm_trajectory_departments ADD COLUMN start_verdict INTEGER NOT NULL DEFAULT 0;
