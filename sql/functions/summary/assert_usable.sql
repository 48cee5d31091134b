-- status_change_assert_usable_v1(now, until): true, or an error (SQLSTATE SP001) when the summary became stale
-- before `until` since the caller looked: a load committed in between. The caller summarizes again and retries.
create or replace function status_change_assert_usable_v1(p_now timestamptz, p_until timestamptz) returns boolean
language plpgsql stable as $$
begin
    if p_until is not null and status_change_stale_from_v1(p_now) < p_until then
        raise exception 'the status change summary is stale before % (a load committed meanwhile)', p_until
            using errcode = 'SP001';
    end if;
    return true;
end
$$;
