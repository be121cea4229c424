-- What the transparency statement needs: the trajectory as coaching published it, session dates,
-- and the ledger entries themselves.
ALTER TABLE rm_trajectories ADD COLUMN record TEXT NOT NULL DEFAULT '';
ALTER TABLE rm_sessions ADD COLUMN record TEXT NOT NULL DEFAULT '';
ALTER TABLE rm_ledger ADD COLUMN record TEXT NOT NULL DEFAULT '';
