-- A report's days (rule 12) come from its business intervals instead of every local midnight: business_intervals_v2
-- (sql/functions/hours) cuts the intervals that run past a local midnight and gives each part its local date, and
-- status_pieces_v3 (sql/functions/status) dates each piece in hours from them, without a midnight event per store
-- and date (only a store without hour rows still has those) and without the outage runs' window (report_figures_v2
-- finds an outage's pieces by their touching ends instead). Their callers read the new versions; the old ones go.
drop function if exists status_pieces_v2(timestamptz, timestamptz, text, text, text[], timestamptz, boolean, boolean);
drop function if exists business_intervals_v1(timestamptz, timestamptz, text, text, text[]);
