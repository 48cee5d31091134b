"""Who may see what, over real HTTP: every endpoint but the health probes needs a key (401 with WWW-Authenticate
otherwise), roles (403), two tenants that cannot see each other's reports (404 exactly as an unknown id), a tenant's
reports cover only its stores, a revoked key, and the limits (reports per key, identical triggers). No worker runs
here, so reports stay queued; valid keys are not cached (KEY_CACHE_SECONDS=0), so a revoked key fails at once."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from app.access.caller import Caller
from app.access.manager import AccessManager
from app.api.auth import CallerStores
from app.db.connect import create_pool
from app.db.models import ApiRole
from app.errors import StoreNotFound, StoresOutsideTenant
from tests.support.api import ApiServer, add_tenant, create_key, on_pool, revoke_key

NEWEST_POLL = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)
ACME = ["a1", "a2", "a3"]
GLOBEX = ["g1", "g2"]
NOT_FOUND = {"detail": "Report not found"}


async def _seed(settings) -> None:
    conn = await asyncpg.connect(settings.dsn())
    try:
        await conn.executemany("insert into store_status values ($1, 'active', $2)",
                               [(s, NEWEST_POLL - timedelta(hours=i)) for i, s in enumerate([*ACME, *GLOBEX, "x9"])])
    finally:
        await conn.close()


class Api:
    """The module's server and a client per key."""

    def __init__(self, server: ApiServer, keys: dict[str, str]):
        self.server, self.keys = server, keys

    def client(self, name: str | None) -> httpx.Client:
        return self.server.sync_client(None if name is None else self.keys[name])


@pytest.fixture(scope="module")
def api(pg_server):
    with pg_server.database("t_access") as settings:
        settings = settings.model_copy(update={"embedded_worker": False, "key_cache_seconds": 0})
        asyncio.run(_seed(settings))
        add_tenant(settings, "acme", ACME)
        add_tenant(settings, "globex", [*GLOBEX, "g-without-polls"])
        add_tenant(settings, "empty", ["e-without-polls"])
        keys = {name: create_key(settings, name, role, tenant) for name, role, tenant in [
            ("acme-read", "read", "acme"), ("acme-read-2", "read", "acme"), ("acme-write", "write", "acme"),
            ("globex-read", "read", "globex"), ("empty-read", "read", "empty"), ("ops", "admin", None),
        ]}
        with ApiServer(settings) as server:
            yield Api(server, keys)


def trigger(client: httpx.Client, **body) -> httpx.Response:
    return client.post("/trigger_report", json=body or None)


# --- authentication ---------------------------------------------------------------------------------------------

def test_every_endpoint_but_the_health_probes_needs_a_key(api):
    spec = api.client("ops").get("/openapi.json").json()
    operations = [(method.upper(), path) for path, item in spec["paths"].items() for method in item]
    assert len(operations) == 22
    with api.client(None) as anonymous:
        for method, path in operations:
            url = (path.replace("{report_id}", str(uuid.uuid4())).replace("{rule_id}", str(uuid.uuid4()))
                   .replace("{store_id}", "a1").replace("{date_local}", "2024-03-14"))
            response = anonymous.request(method, url)
            if path in ("/healthz", "/readyz"):
                assert response.status_code in (200, 503), path
                assert "security" not in spec["paths"][path][method.lower()]
                continue
            assert response.status_code == 401, (method, path, response.text)
            assert response.headers["www-authenticate"] == 'Bearer realm="storepulse"'
            assert "Authorization: Bearer" in response.json()["detail"]
            assert {"ApiKey": []} in spec["paths"][path][method.lower()]["security"]


@pytest.mark.parametrize("header", [
    "Bearer sp_live_" + "A" * 44,  # well formed, unknown
    "Bearer sp_live_short",
    "Bearer somebody-elses-token",
    "Basic dXNlcjpwYXNz",
    "Bearer",
])
def test_a_key_that_is_not_valid_is_401_and_says_so_without_echoing_it(api, header):
    with api.client(None) as client:
        response = client.get("/reports", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="storepulse", error="invalid_token"'
    if " " in header:
        assert header.split(" ", 1)[1] not in response.text


def test_a_revoked_key_is_refused_and_its_reports_stay_with_the_tenant(api):
    settings = api.server.settings
    key = create_key(settings, "acme-temporary", "read", "acme")
    with api.server.sync_client(key) as client:
        report_id = trigger(client, store_ids=["a3"], as_of="2024-03-14T08:00:00Z").json()["report_id"]
        assert client.get(f"/reports/{report_id}").status_code == 200
        revoke_key(settings, "acme-temporary")
        response = client.get(f"/reports/{report_id}")
        assert response.status_code == 401 and "invalid_token" in response.headers["www-authenticate"]
    with api.client("acme-read-2") as colleague:
        report = colleague.get(f"/reports/{report_id}").json()
    assert report["api_key_id"] is None and report["tenant_id"] is not None


# --- roles ------------------------------------------------------------------------------------------------------

def test_roles(api):
    with api.client("acme-read") as reader, api.client("acme-write") as writer, api.client("ops") as admin:
        report_id = trigger(reader, store_ids=["a1"], as_of="2024-03-14T09:00:00Z").json()["report_id"]
        assert reader.post(f"/reports/{report_id}/cancel").status_code == 200  # read may cancel its tenant's
        refused = reader.delete(f"/reports/{report_id}")
        assert refused.status_code == 403
        assert refused.json() == {"detail": "this needs a write key or better; this key's role is read"}
        assert writer.delete(f"/reports/{report_id}").status_code == 204
        for client, role in ((reader, "read"), (writer, "write")):
            metrics = client.get("/metrics")
            assert (metrics.status_code, metrics.json()) == (
                403, {"detail": f"this needs an admin key; this key's role is {role}"})
        assert admin.get("/metrics").status_code == 200


# --- tenants ----------------------------------------------------------------------------------------------------

def test_two_tenants_cannot_see_each_others_reports(api):
    with api.client("acme-read") as acme, api.client("globex-read") as globex, api.client("ops") as admin:
        acme_id = trigger(acme, as_of="2024-03-14T10:00:00Z").json()["report_id"]
        globex_id = trigger(globex, as_of="2024-03-14T10:00:00Z").json()["report_id"]
        assert acme_id != globex_id  # same request, different tenants: two reports
        for own, other_id in ((acme, globex_id), (globex, acme_id)):
            for method, path in (("GET", f"/reports/{other_id}"), ("GET", f"/get_report/{other_id}"),
                                 ("GET", f"/get_report?report_id={other_id}"),
                                 ("POST", f"/reports/{other_id}/cancel"), ("DELETE", f"/reports/{other_id}")):
                hidden = own.request(method, path)
                unknown = own.request(method, path.replace(other_id, str(uuid.uuid4())))
                if method == "DELETE":  # a read key may not delete at all: 403 before looking
                    assert hidden.status_code == unknown.status_code == 403
                    continue
                assert (hidden.status_code, hidden.json()) == (unknown.status_code, unknown.json()) == (404, NOT_FOUND)
            listed = {r["id"] for r in own.get("/reports", params={"limit": 500}).json()["items"]}
            assert other_id not in listed
        listed = {r["id"] for r in admin.get("/reports", params={"limit": 500}).json()["items"]}
        assert {acme_id, globex_id} <= listed
        assert admin.get(f"/reports/{acme_id}").status_code == 200
        # What was kept with each: the tenant, and the key's stores only.
        acme_report = acme.get(f"/reports/{acme_id}").json()
        assert acme_report["parameters"] == {"store_ids": ACME}
        assert globex.get(f"/reports/{globex_id}").json()["parameters"] == {"store_ids": GLOBEX}
        assert acme_report["tenant_id"] != globex.get(f"/reports/{globex_id}").json()["tenant_id"]


def test_a_tenant_key_reports_only_its_stores(api):
    with api.client("acme-read") as acme:
        outside = trigger(acme, store_ids=["a1", "g1", "x9", "nowhere"])
        assert outside.status_code == 422
        assert outside.json()["detail"] == "store ids outside tenant acme: 'g1', 'x9', 'nowhere'"
        one = acme.post("/trigger_report/g2")
        assert (one.status_code, one.json()["detail"]) == (422, "store ids outside tenant acme: 'g2'")
        inside = trigger(acme, store_ids=["a2", "a1"], as_of="2024-03-14T07:00:00Z")
        assert inside.status_code == 202
    with api.client("empty-read") as empty:
        response = trigger(empty)
        assert response.status_code == 422
        assert response.json()["detail"] == ("none of the 1 stores of tenant empty has polls yet: the report would be "
                                             "empty")


async def test_the_store_restriction_helper_keeps_tenants_apart(api):
    """CallerStores is what every route taking store ids uses (POST /polls rejects rows with `outside`, the store
    PUTs use `require`): one tenant's key can never reach another tenant's stores."""
    pool = await create_pool(api.server.settings, min_size=1, max_size=2)
    try:
        access = AccessManager(pool)
        tenants = {t.name: t for t in await access.tenants()}
        assert set(tenants) >= {"acme", "globex"}
        acme_id, globex_id = await access.tenant_id("acme"), await access.tenant_id("globex")
        acme = CallerStores(Caller(1, "acme-write", ApiRole.write, acme_id, "acme"), access)
        globex = CallerStores(Caller(2, "globex-write", ApiRole.write, globex_id, "globex"), access)
        admin = CallerStores(Caller(3, "ops", ApiRole.admin, None, None), access)
        rows = ["a1", "g1", "a2", "g2", "x9", "", "bad\x00id"]
        assert await acme.outside(rows) == {"g1", "g2", "x9", "", "bad\x00id"}
        assert await globex.outside(rows) == {"a1", "a2", "x9", "", "bad\x00id"}
        assert await admin.outside(rows) == {"", "bad\x00id"}  # any store, but only usable text
        await acme.require("a1")
        await globex.require("g-without-polls")  # a store of the tenant without polls yet is still its store
        for stores, other in ((acme, "g1"), (globex, "a1")):
            with pytest.raises(StoreNotFound):
                await stores.require(other)
        with pytest.raises(StoresOutsideTenant, match="outside tenant globex: 'a1', 'a2'"):
            await globex.check(["g1", "a1", "a2"])
        await admin.check(["g1", "a1"])
    finally:
        await pool.close()


def test_tenants_post_polls_and_edit_hours_of_their_own_stores_only(api):
    body = ("store_id,status,timestamp_utc\n"
            "a1,inactive,2024-03-14 12:30:00 UTC\n"
            "g1,inactive,2024-03-14 12:30:00 UTC\n"
            "a2,active,2024-03-14 12:30:00 UTC\n"
            "a2,actif,2024-03-14 12:40:00 UTC\n")
    csv = {"content-type": "text/csv"}
    with api.client("acme-read") as reader, api.client("acme-write") as writer, \
            api.client("globex-read") as globex_reader:
        assert reader.post("/polls", content=body, headers=csv).status_code == 403
        before = _rejected_counts(api)
        posted = writer.post("/polls", content=body, headers=csv)
        assert posted.status_code == 200, posted.text
        assert posted.json() == {"received": 4, "stored": 2, "duplicates": 0, "rejected": [
            {"row": 2, "reason": "store 'g1' is not one of this key's stores"},
            {"row": 4, "reason": "status must be active or inactive, got 'actif'"}]}
        after = _rejected_counts(api)
        assert (after["outside_tenant"] - before["outside_tenant"], after["invalid"] - before["invalid"]) == (1, 1)
        only_others = writer.post("/polls", headers=csv,
                                  content="store_id,status,timestamp_utc\ng2,active,2024-03-14 12:30:00 UTC\n")
        assert only_others.status_code == 422 and only_others.json()["stored"] == 0
        hours = [{"day_of_week": 0, "start_time_local": "09:00", "end_time_local": "17:00"}]
        assert writer.put("/stores/a3/hours", json=hours).status_code == 200
        assert reader.put("/stores/a3/hours", json=hours).status_code == 403
        for path in ("/stores/g1/hours", "/stores/nowhere/hours"):  # another tenant's store: as one that is not
            refused = writer.put(path, json=hours)
            assert (refused.status_code, refused.json()) == (404, {"detail": "Store not found"})
        assert writer.put("/stores/g1/timezone", json={"timezone_str": "UTC"}).status_code == 404
        assert writer.put("/stores/g1/special_hours/2024-03-15", json=[]).status_code == 404
        assert writer.delete("/stores/g1/special_hours/2024-03-15").status_code == 404
        # Another tenant's report's CSVs are hidden exactly as an unknown report's.
        report_id = trigger(globex_reader, as_of="2024-03-14T11:00:00Z").json()["report_id"]
        for path in (f"/reports/{report_id}/days", f"/reports/{report_id}/outages"):
            hidden = reader.get(path)
            unknown = reader.get(path.replace(report_id, str(uuid.uuid4())))
            assert (hidden.status_code, hidden.json()) == (unknown.status_code, unknown.json()) == (404, NOT_FOUND)
            assert globex_reader.get(path).status_code == 409  # its own: queued, not complete
    stored = on_pool(api.server.settings, lambda pool: pool.fetch(
        "select store_id from store_status where timestamp_utc = '2024-03-14 12:30:00+00' order by 1"))
    assert [r["store_id"] for r in stored] == ["a1", "a2"]


def _rejected_counts(api) -> dict[str, float]:
    with api.client("ops") as admin:
        text = admin.get("/metrics").text
    return {reason: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
            for reason in ("outside_tenant", "invalid")
            if line.startswith(f'storepulse_poll_rows_rejected_total{{reason="{reason}"}}')}


# --- limits -----------------------------------------------------------------------------------------------------

def test_reports_per_key_limit_and_identical_triggers(api):
    settings = api.server.settings
    limit = settings.reports_per_key
    key = create_key(settings, "limited", "read", "acme")
    with api.server.sync_client(key) as client, api.client("acme-read-2") as colleague:
        ids = [trigger(client, store_ids=["a1"], as_of=f"2024-03-14T11:0{i}:00Z").json()["report_id"]
               for i in range(limit)]
        assert len(set(ids)) == limit
        refused = trigger(client, store_ids=["a1"], as_of="2024-03-14T11:09:00Z")
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "5"
        body = refused.json()
        assert body["limit"] == "reports_per_key" and body["max_active"] == limit == 4
        assert body["detail"].startswith(f"this key has {limit} reports queued or running, the most it may have")
        assert "REPORTS_PER_KEY" in body["detail"]
        # Identical to one still queued (stores in another order too): its id, even at the limit.
        again = trigger(client, store_ids=["a1"], as_of="2024-03-14T11:00:00Z")
        assert (again.status_code, again.json()) == (202, {"report_id": ids[0], "existing": True})
        # Another key of the same tenant: its own limit, and the tenant's identical report.
        same = trigger(colleague, store_ids=["a1"], as_of="2024-03-14T11:01:00+00:00")
        assert same.json() == {"report_id": ids[1], "existing": True}
        # A finished report frees a place.
        assert client.post(f"/reports/{ids[2]}/cancel").status_code == 200
        freed = trigger(client, store_ids=["a1"], as_of="2024-03-14T11:09:00Z")
        assert freed.status_code == 202 and freed.json()["existing"] is False
        # The cancelled report is not "identical" any more: the same request queues a new one.
        redone = trigger(client, store_ids=["a1"], as_of="2024-03-14T11:02:00Z")
        assert redone.status_code == 429


def test_identical_means_same_tenant_as_of_and_stores_in_any_order(api):
    with api.client("ops") as admin:
        first = trigger(admin, store_ids=["x9", "a1", "g1"], as_of="2024-03-14T11:30:00Z").json()
        assert first["existing"] is False
        assert trigger(admin, store_ids=["g1", "x9", "a1", "a1"], as_of="2024-03-14T12:30:00+01:00").json() == {
            **first, "existing": True}
        assert trigger(admin, store_ids=["g1", "x9"], as_of="2024-03-14T11:30:00Z").json()["report_id"] != (
            first["report_id"])
        every = trigger(admin, as_of="2024-03-14T11:30:00Z").json()
        assert every["report_id"] != first["report_id"]
        assert trigger(admin, as_of="2024-03-14T11:30:00Z").json() == {**every, "existing": True}
