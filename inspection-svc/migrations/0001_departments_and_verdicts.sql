-- Boards (bevoegd gezag) as the board file publishes them; only boards with secondary education.
CREATE TABLE boards (
  number TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  verdict_text TEXT NOT NULL,
  sectors TEXT NOT NULL,
  update_us BIGINT NOT NULL
);

-- Departments (afdelingen): id = BRIN-location-type, e.g. 00AH-00-havo.
CREATE TABLE departments (
  id TEXT PRIMARY KEY,
  brin TEXT NOT NULL,
  location TEXT NOT NULL,
  school_type INTEGER NOT NULL,
  track TEXT NOT NULL,
  board_number TEXT NOT NULL,
  board_name TEXT NOT NULL,
  display_name TEXT NOT NULL,
  region TEXT NOT NULL,
  next_verdict_seq BIGINT NOT NULL,
  current_verdict_seq BIGINT NOT NULL,
  current_verdict INTEGER NOT NULL,
  risk_signal INTEGER NOT NULL,
  closed INTEGER NOT NULL,
  close_us BIGINT NOT NULL,
  close_reason TEXT NOT NULL,
  create_us BIGINT NOT NULL,
  update_us BIGINT NOT NULL
);
CREATE INDEX departments_brin ON departments (brin);
CREATE INDEX departments_board ON departments (board_number);
CREATE INDEX departments_current ON departments (current_verdict);

-- The verdict history: one row per record, never deleted; `record` holds the whole Verdict
-- message (base64 protobuf), the other columns what queries filter and order on.
CREATE TABLE verdicts (
  department_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  value INTEGER NOT NULL,
  status INTEGER NOT NULL,
  investigation_number TEXT NOT NULL,
  effective_date TEXT NOT NULL,
  source INTEGER NOT NULL,
  source_record_id TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  record TEXT NOT NULL,
  create_us BIGINT NOT NULL,
  PRIMARY KEY (department_id, seq)
);
CREATE INDEX verdicts_source_record ON verdicts (source, source_record_id);

CREATE TABLE risk_signals (
  id TEXT PRIMARY KEY,
  department_id TEXT NOT NULL,
  kind INTEGER NOT NULL,
  signal_date TEXT NOT NULL,
  source_record_id TEXT NOT NULL,
  record TEXT NOT NULL,
  create_us BIGINT NOT NULL
);
CREATE INDEX risk_signals_department ON risk_signals (department_id, signal_date);
CREATE INDEX risk_signals_source_record ON risk_signals (source_record_id);

-- Every sync run (file import), successful or not; `record` holds the ImportRun message.
CREATE TABLE import_runs (
  id TEXT PRIMARY KEY,
  start_us BIGINT NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX import_runs_start ON import_runs (start_us);

-- Idempotent creates: a request id seen before returns what it returned then.
CREATE TABLE create_requests (
  request_id TEXT PRIMARY KEY,
  resource TEXT NOT NULL,
  create_us BIGINT NOT NULL
);
