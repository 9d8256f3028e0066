-- 0004: one-minute aggregates of the system metrics (min/mean/max per
-- field), kept for retention_days.
CREATE TABLE metrics_minutes (
	t_ns	INTEGER PRIMARY KEY,	-- minute start, ns since the epoch
	n	INTEGER NOT NULL,	-- samples in the minute
	data	TEXT NOT NULL		-- {"<field key>":{"min","mean","max"}}
);
