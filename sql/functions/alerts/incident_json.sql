-- alert_incident_json_v1(...): an incident as webhook payloads and the API show it.
create or replace function alert_incident_json_v1(p_id uuid, p_rule_id uuid, p_store_id text, p_down_since timestamptz,
                                                  p_opened_at timestamptz, p_resolved_at timestamptz,
                                                  p_business_minutes numeric)
returns jsonb
language sql stable as $$
    select jsonb_build_object(
        'id', p_id, 'rule_id', p_rule_id, 'rule', (select name from alert_rule where id = p_rule_id),
        'store_id', p_store_id, 'down_since', p_down_since, 'opened_at', p_opened_at,
        'resolved_at', p_resolved_at, 'business_minutes', round(p_business_minutes, 2))
$$;
