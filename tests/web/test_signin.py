"""The web page's sign-in over real HTTP: the form, the session cookie and what it allows (the pages and their API
calls, for the key's tenant only), cross-site requests, sign-out, expiry and revocation, and where a sign-in may send
the browser afterwards. Valid keys are not cached here (KEY_CACHE_SECONDS=0)."""

import hashlib
from urllib.parse import quote

import httpx
import pytest

from app.access.tokens import SESSION_COOKIE
from tests.support.api import ApiServer, add_tenant, create_key, revoke_key, wait_for_report
from tests.support.cases import every_day, p
from tests.support.reports import load_rows

POLLS = [p("a1", "active", "2024-03-14 10:00"), p("g1", "inactive", "2024-03-14 11:00")]


@pytest.fixture
async def served(db_settings, conn):
    """(server, {tenant: report id}, {name: key}) with one complete report per tenant."""
    await load_rows(conn, POLLS, [*every_day("a1", "09:00", "17:00")], {})
    settings = db_settings.model_copy(update={"key_cache_seconds": 0})
    add_tenant(settings, "acme", ["a1"])
    add_tenant(settings, "globex", ["g1"])
    keys = {"acme": create_key(settings, "acme-read", "read", "acme"),
            "globex": create_key(settings, "globex-read", "read", "globex")}
    with ApiServer(settings) as server:
        reports = {}
        for tenant in ("acme", "globex"):
            async with server.client(keys[tenant]) as api:
                reports[tenant] = (await api.post("/trigger_report")).json()["report_id"]
                assert (await wait_for_report(api, reports[tenant])).status_code == 200
        yield server, reports, keys


def browser(server: ApiServer) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server.url, timeout=30)


async def test_pages_send_a_browser_that_has_not_signed_in_to_the_form(served):
    server, reports, _ = served
    async with browser(server) as client:
        for path in ("/", f"/reports/{reports['acme']}/view?q=a", "/stores/a1/view"):
            response = await client.get(path)
            assert response.status_code == 303
            assert response.headers["location"] == f"/signin?next={quote(path, safe='/')}"
        form = await client.get("/signin?next=/stores/a1/view")
        assert form.status_code == 200 and 'name="next" value="/stores/a1/view"' in form.text
        assert 'type="password"' in form.text and 'method="post"' in form.text
        assert (await client.get("/reports")).status_code == 401  # the API too


async def test_sign_in_sets_a_strict_httponly_session_and_keeps_only_its_hash(served, conn):
    server, reports, keys = served
    async with browser(server) as client:
        refused = await client.post("/signin", data={"key": keys["acme"][:-1] + "X", "next": "/"})
        assert refused.status_code == 401 and "That key is not valid" in refused.text
        assert keys["acme"][:-1] not in refused.text and "set-cookie" not in refused.headers
        response = await client.post("/signin", data={"key": keys["acme"], "next": f"/reports/{reports['acme']}/view"})
        assert response.status_code == 303 and response.headers["location"] == f"/reports/{reports['acme']}/view"
        cookie = response.headers["set-cookie"]
        token = response.cookies[SESSION_COOKIE]
        assert token.startswith("sp_sess_") and len(token) == 52
        for attribute in ("HttpOnly", "SameSite=strict", "Path=/", "Max-Age=43200"):
            assert attribute in cookie
        assert "Secure" not in cookie  # plain HTTP here; set over HTTPS
        stored = await conn.fetchrow("select * from web_session")
        assert bytes(stored["token_hash"]) == hashlib.sha256(token.encode()).digest()
        assert stored["lookup_id"] == token[8:20]
        # The pages and the API calls of their script work with the cookie alone.
        assert (await client.get("/")).status_code == 200
        assert (await client.get(f"/reports/{reports['acme']}/view")).status_code == 200
        listed = (await client.get("/reports")).json()["items"]
        assert [r["id"] for r in listed] == [reports["acme"]]
        assert (await client.get(f"/get_report/{reports['acme']}")).status_code == 200


async def test_a_tenants_session_sees_its_tenant_only(served):
    server, reports, keys = served
    async with browser(server) as client:
        await client.post("/signin", data={"key": keys["acme"]})
        other = await client.get(f"/reports/{reports['globex']}/view")
        assert other.status_code == 404 and f"There is no report {reports['globex']}." in other.text
        assert (await client.get(f"/stores/g1/view?report={reports['globex']}")).status_code == 404
        assert "No complete report includes the store g1." in (await client.get("/stores/g1/view")).text
        assert (await client.get("/stores/a1/view")).headers["location"] == f"/stores/a1/view?report={reports['acme']}"
        assert (await client.get(f"/get_report/{reports['globex']}")).status_code == 404
        assert (await client.get("/stores/bad%00id/view")).status_code == 404


async def test_a_cookie_request_from_another_site_is_refused(served):
    server, reports, keys = served
    async with browser(server) as client:
        await client.post("/signin", data={"key": keys["acme"]})
        evil = {"Origin": "http://evil.example"}
        response = await client.post("/trigger_report", headers=evil)
        assert response.status_code == 403 and "cross-site request refused" in response.json()["detail"]
        assert (await client.post(f"/reports/{reports['acme']}/cancel", headers=evil)).status_code == 403
        assert (await client.get("/reports", headers=evil)).status_code == 200  # reading is not refused
        same = await client.post("/trigger_report", headers={"Origin": server.url})
        assert same.status_code == 202
        assert (await client.post("/signin", data={"key": keys["acme"]}, headers=evil)).status_code == 403
        assert (await client.post("/signout", headers=evil)).status_code == 403


async def test_sign_out_expiry_and_revocation_end_a_session(served, conn):
    server, _, keys = served
    async with browser(server) as client:
        await client.post("/signin", data={"key": keys["acme"]})
        token = client.cookies[SESSION_COOKIE]
        out = await client.post("/signout")
        assert out.status_code == 303 and out.headers["location"] == "/signin"
        assert f'{SESSION_COOKIE}=""' in out.headers["set-cookie"] and "Max-Age=0" in out.headers["set-cookie"]
        assert await conn.fetchval("select count(*) from web_session") == 0
        client.cookies.set(SESSION_COOKIE, token)  # replayed
        assert (await client.get("/reports")).status_code == 401
        assert (await client.get("/")).status_code == 303

    async with browser(server) as client:
        await client.post("/signin", data={"key": keys["acme"]})
        await conn.execute("update web_session set expires_at = now() - interval '1 second'")
        assert (await client.get("/")).status_code == 303
        ended = await client.get("/reports")
        assert ended.status_code == 401 and "sign in again at /signin" in ended.json()["detail"]

    async with browser(server) as client:
        await client.post("/signin", data={"key": keys["globex"]})
        assert (await client.get("/")).status_code == 200
        revoke_key(server.settings, "globex-read")
        assert (await client.get("/")).status_code == 303
        # The revoked key's session went with it; acme's expired one was deleted by the next sign-in.
        assert await conn.fetchval("select count(*) from web_session") == 0


@pytest.mark.parametrize(("target", "lands"), [
    ("/stores/a1/view?report=x", "/stores/a1/view?report=x"), ("//evil.example/", "/"), ("https://evil.example/", "/"),
    ("/\\evil.example", "/"), ("", "/"), ("reports", "/"),
])
async def test_a_sign_in_goes_back_to_a_page_of_this_site_only(served, target, lands):
    server, _, keys = served
    async with browser(server) as client:
        response = await client.post("/signin", data={"key": keys["acme"], "next": target})
        assert response.headers["location"] == lands
