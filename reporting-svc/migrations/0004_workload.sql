-- Coach workload: session dates and the coaches' weekly capacity from intake's registry.
ALTER TABLE rm_sessions ADD COLUMN session_day TEXT NOT NULL DEFAULT '';
CREATE TABLE rm_coaches (
  coach TEXT PRIMARY KEY,
  weekly_half_steps BIGINT NOT NULL
);
