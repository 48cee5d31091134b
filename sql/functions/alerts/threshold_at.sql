-- alert_threshold_at_v1(business, minutes): the instant at which the business time of a down spell (a multirange
-- in time order) reached `minutes`; null when it has not yet.
create or replace function alert_threshold_at_v1(p_business tstzmultirange, p_minutes numeric) returns timestamptz
language sql immutable as $$
    select lower(r) + (p_minutes * 60 - (total - length)) * interval '1 second'
    from (select r, extract(epoch from upper(r) - lower(r)) as length,
                 sum(extract(epoch from upper(r) - lower(r))) over (order by lower(r)) as total
          from unnest(p_business) r) spans
    where total >= p_minutes * 60
    order by lower(r)
    limit 1
$$;
