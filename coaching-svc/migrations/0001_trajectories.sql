-- Trajectories: `record` holds the Trajectory message (base64 protobuf); the other columns are
-- what queries filter and order on.
CREATE TABLE trajectories (
  id TEXT PRIMARY KEY,
  match_id TEXT NOT NULL,
  school_brin TEXT NOT NULL,
  state INTEGER NOT NULL,
  category INTEGER NOT NULL,
  coach TEXT NOT NULL,
  aftercare_due TEXT NOT NULL,
  record TEXT NOT NULL,
  open_us BIGINT NOT NULL,
  update_us BIGINT NOT NULL
);
CREATE UNIQUE INDEX trajectories_match ON trajectories (match_id);
CREATE INDEX trajectories_coach ON trajectories (coach, state);
CREATE INDEX trajectories_school ON trajectories (school_brin);
CREATE INDEX trajectories_open ON trajectories (open_us);

-- Which trajectories a department is in (verdict changes arrive per department).
CREATE TABLE trajectory_departments (
  department TEXT NOT NULL,
  trajectory_id TEXT NOT NULL,
  PRIMARY KEY (department, trajectory_id)
);

-- The entitlement ledger: append-only.
CREATE TABLE ledger_entries (
  trajectory_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  kind INTEGER NOT NULL,
  pot INTEGER NOT NULL,
  half_steps BIGINT NOT NULL,
  cost_cents BIGINT NOT NULL,
  session_id TEXT NOT NULL,
  record TEXT NOT NULL,
  create_us BIGINT NOT NULL,
  PRIMARY KEY (trajectory_id, seq)
);

CREATE TABLE sessions (
  trajectory_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  request_id TEXT NOT NULL,
  session_date TEXT NOT NULL,
  state INTEGER NOT NULL,
  record TEXT NOT NULL,
  create_us BIGINT NOT NULL,
  PRIMARY KEY (trajectory_id, seq)
);
CREATE UNIQUE INDEX sessions_request ON sessions (trajectory_id, request_id) WHERE request_id <> '';

CREATE TABLE evaluations (
  trajectory_id TEXT NOT NULL,
  respondent INTEGER NOT NULL,
  record TEXT NOT NULL,
  create_us BIGINT NOT NULL,
  PRIMARY KEY (trajectory_id, respondent)
);

-- Idempotent requests (extensions): a request id seen before returns what it returned then.
CREATE TABLE handled_requests (
  request_id TEXT PRIMARY KEY,
  resource TEXT NOT NULL,
  create_us BIGINT NOT NULL
);
