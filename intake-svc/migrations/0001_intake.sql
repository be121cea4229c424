-- Registrations (aanmeldingen); `record` holds the Registration message (with the contact
-- person: personal data stays in this table and is never logged or published).
CREATE TABLE registrations (
  id TEXT PRIMARY KEY,
  school_brin TEXT NOT NULL,
  state INTEGER NOT NULL,
  coach TEXT NOT NULL,
  request_id TEXT NOT NULL,
  record TEXT NOT NULL,
  create_us BIGINT NOT NULL,
  update_us BIGINT NOT NULL
);
CREATE UNIQUE INDEX registrations_request ON registrations (request_id) WHERE request_id <> '';
CREATE INDEX registrations_state ON registrations (state, create_us);

-- Which registrations name a department (open ones block a second registration).
CREATE TABLE registration_departments (
  department TEXT NOT NULL,
  registration_id TEXT NOT NULL,
  PRIMARY KEY (department, registration_id)
);

CREATE TABLE coaches (
  id TEXT PRIMARY KEY,
  active INTEGER NOT NULL,
  record TEXT NOT NULL
);

-- What inspection-svc's feed says of each department (a read model of its feed).
CREATE TABLE known_departments (
  department TEXT PRIMARY KEY,
  brin TEXT NOT NULL,
  school_type INTEGER NOT NULL,
  board_number TEXT NOT NULL,
  region TEXT NOT NULL,
  verdict INTEGER NOT NULL,
  established INTEGER NOT NULL,
  verdict_date TEXT NOT NULL,
  risk_signal INTEGER NOT NULL,
  risk_date TEXT NOT NULL,
  supported_before INTEGER NOT NULL,
  possible_relapse INTEGER NOT NULL
);
CREATE INDEX known_departments_brin ON known_departments (brin);

-- Outreach contacts and declines per department.
CREATE TABLE outreach (
  department TEXT PRIMARY KEY,
  record TEXT NOT NULL
);
