-- Alert rules belong to a tenant (issue 12 meets issue 14): tenant_id replaces the free-text owner of 009, so a
-- tenant's rules go with the tenant and a rule watches only stores its tenant may see. Null: an admin's rule, which
-- may watch every store. Before 011 no tenant existed, so every rule was an admin's; a rule naming another owner
-- could only have been written by hand, and is refused here rather than guessed at.
do $$
begin
    if exists (select from alert_rule r where r.owner <> 'admin'
                                          and not exists (select from tenant t where t.name = r.owner)) then
        raise exception 'alert_rule has rules whose owner is neither ''admin'' nor a tenant: give them an owner first';
    end if;
end
$$;

alter table alert_rule add column tenant_id bigint references tenant (id) on delete cascade;
update alert_rule r set tenant_id = t.id from tenant t where r.owner = t.name;
alter table alert_rule drop constraint alert_rule_owner_name_key;
alter table alert_rule drop column owner;
-- A rule's name is unique within its tenant (and among the admins' rules).
create unique index alert_rule_tenant_name_key on alert_rule (coalesce(tenant_id, 0), name);
create index alert_rule_tenant_idx on alert_rule (tenant_id);

-- GET /metrics counts the deliveries given up on at every scrape.
create index webhook_event_failed_idx on webhook_event (failed_at) where failed_at is not null;
