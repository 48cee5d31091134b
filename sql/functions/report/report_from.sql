-- Where a report's pieces start (rules 2 and 12). report_from_v1(now, days_from): the week's start [now - 7 d], or
-- with days from days_from, the earlier of it and 16 hours before days_from's UTC midnight (no zone's local midnight
-- of days_from is earlier: the largest offset tzdata has, a 19th-century local mean time, is under 15 h 15 min).
-- Plain SQL over hours_before_v1: inlined, and a constant when planned for constant arguments (chunk exclusion).
create or replace function report_from_v1(p_now timestamptz, p_days_from date) returns timestamptz
language sql immutable parallel safe as $$
    select least(hours_before_v1(p_now, 168), hours_before_v1(p_days_from::timestamp at time zone 'UTC', 16))
$$;
