"""`python -m app tenant ...` and `key ...` as a person types them (app.cli.main on the test's database): the key
printed once, alone on the last line, only its hash stored, `key list` without secrets, revoke, remove."""

import asyncio
import hashlib
import re
import sys

import asyncpg
import pytest

from app import cli
from app.access.tokens import KEY_PREFIX

KEY = re.compile(r"^sp_live_[A-Za-z0-9]{44}$")


@pytest.fixture
def run(db_settings, monkeypatch, capsys):
    """run(*argv) -> (exit code, stdout, stderr) of `python -m app *argv` on the test's database."""
    monkeypatch.setattr(cli, "get_settings", lambda: db_settings)

    def invoke(*argv: str) -> tuple[int, str, str]:
        try:
            code = cli.main(list(argv))
        except SystemExit as exc:  # argparse's usage errors, and our own
            code = exc.code if isinstance(exc.code, int) else 2
            if isinstance(exc.code, str):
                print(exc.code, file=sys.stderr)
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def fetch(settings, sql: str, *args):
    async def go():
        conn = await asyncpg.connect(settings.dsn())
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()

    return asyncio.run(go())


def test_tenants_and_keys_end_to_end(run, db_settings, tmp_path):
    stores = tmp_path / "acme.txt"
    stores.write_text("store_id\n# the brand's own\ns2\n\ns3\ns2\n")
    assert run("tenant", "add", "acme", "--store", "s1", "--store", "s2")[1] == (
        "tenant acme created: 2 store(s) added, 2 in all\n")
    assert run("tenant", "add", "acme", "--stores-file", str(stores))[1] == (
        "tenant acme extended: 1 store(s) added, 3 in all\n")
    assert run("tenant", "add", "globex", "--store", "g1")[0] == 0

    code, out, _ = run("key", "create", "acme-reader", "--tenant", "acme", "--role", "read")
    assert code == 0
    *said, key = out.rstrip("\n").split("\n")
    assert KEY.match(key), out
    assert said == ["key acme-reader created: read for tenant acme. It is shown this once; only its hash is stored. "
                    "Send it as `Authorization: Bearer <key>`:"]
    stored = fetch(db_settings, "select * from api_key where name = 'acme-reader'")[0]
    assert bytes(stored["secret_hash"]) == hashlib.sha256(key.encode()).digest()
    assert key[len(KEY_PREFIX):][:12] == stored["lookup_id"]
    assert key not in str(dict(stored)) and key[-32:] not in str(dict(stored))

    code, out, _ = run("key", "create", "ops", "--admin")
    admin_key = out.rstrip("\n").split("\n")[-1]
    assert code == 0 and KEY.match(admin_key) and admin_key != key

    code, out, _ = run("key", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["key", "role", "tenant", "starts", "with", "created", "web", "sessions"]
    assert lines[1].split()[:4] == ["acme-reader", "read", "acme", f"sp_live_{stored['lookup_id']}…"]
    assert lines[2].split()[:3] == ["ops", "admin", "-"]
    assert key not in out and admin_key not in out and key[-32:] not in out

    code, out, _ = run("tenant", "list")
    assert [line.split()[:4] for line in out.splitlines()] == [
        ["tenant", "stores", "with", "polls"], ["acme", "3", "0", "1"], ["globex", "1", "0", "0"]]

    assert run("key", "revoke", "acme-reader")[1].startswith(
        f"key acme-reader revoked (sp_live_{stored['lookup_id']}…), with its 0 web session(s)")
    assert fetch(db_settings, "select name from api_key order by name") == [("ops",)]

    code, _, err = run("key", "revoke", "acme-reader")
    assert code == 1 and "there is no key 'acme-reader'" in err


def test_tenant_remove_keeps_its_reports_for_admins(run, db_settings):
    run("tenant", "add", "acme", "--store", "s1")
    run("key", "create", "acme-writer", "--tenant", "acme", "--role", "write")
    fetch(db_settings, "insert into report (as_of, tenant_id, api_key_id) select now(), tenant_id, id from api_key")
    code, out, _ = run("tenant", "remove", "acme")
    assert code == 0
    assert out == "tenant acme removed with its 1 store(s) and 1 key(s); its 1 report(s) stay, for admin keys only\n"
    assert fetch(db_settings, "select tenant_id, api_key_id from report") == [(None, None)]
    assert fetch(db_settings, "select count(*) from api_key")[0][0] == 0
    assert run("tenant", "remove", "acme")[0] == 1


@pytest.mark.parametrize(("argv", "message"), [
    (["key", "create", "x", "--tenant", "nope", "--role", "read"], "there is no tenant 'nope'"),
    (["key", "create", "x", "--admin", "--tenant", "acme"], "give either --admin, or --tenant T --role read|write"),
    (["key", "create", "x", "--tenant", "acme"], "needs both --tenant and --role"),
    (["key", "create", "bad name", "--admin"], "key name 'bad name' is not valid"),
    (["tenant", "add", "acme"], "no store ids given"),
    (["tenant", "add", "a/b", "--store", "s1"], "tenant name 'a/b' is not valid"),
    (["tenant", "add", "acme", "--store", " "], "is blank"),
])
def test_mistakes_are_refused_with_a_message(run, argv, message):
    run("tenant", "add", "acme", "--store", "s1")
    code, out, err = run(*argv)
    assert code != 0
    assert message in out + err


def test_a_key_name_is_taken_once(run):
    assert run("key", "create", "ops", "--admin")[0] == 0
    code, _, err = run("key", "create", "ops", "--admin")
    assert code == 1 and "a key named 'ops' exists" in err
