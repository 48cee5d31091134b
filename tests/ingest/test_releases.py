"""Both public releases of the data load as they come: the first release's shape (`sample --first-release`) as a
zip and as a folder, reported exactly as the model says; gzipped files; a damaged file fails alone."""

import gzip
import zipfile
from pathlib import Path

import pytest

from app.ingest import ingest
from app.report.engine import newest_poll, run_report
from app.sample import generate_sample
from tests.support.model import compute_report
from tests.support.reports import create_report, read_sample, stored_rows


@pytest.fixture(scope="module")
def first_release(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("first-release")
    generate_sample(folder, stores=150, days=8, seed=4, first_release=True)
    return folder


async def report_matches_model(pool, model_input) -> int:
    polls, hours, zones, special = model_input
    async with pool.acquire() as conn:
        as_of = await newest_poll(conn)
        report = await create_report(conn, as_of)
    await run_report(pool, report, shards=2)
    async with pool.acquire() as conn:
        rows = await stored_rows(conn, report.id)
    expected = {s: f.rounded() for s, f in compute_report(polls, hours, zones, as_of, special=special).items()}
    assert rows == expected
    return len(rows)


def zipped(folder: Path, archive: Path, under: str = "") -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.iterdir()):
            z.write(path, f"{under}{path.name}")
    return archive


@pytest.mark.parametrize("shape", ["folder", "zip"])
async def test_the_first_release_loads_and_reports_like_the_model(db_settings, pool, first_release, tmp_path, shape):
    source = first_release if shape == "folder" else zipped(first_release, tmp_path / "data.zip", "store-monitoring/")
    result = await ingest(db_settings, source, progress=False, rejects=tmp_path / "rejects.csv")
    assert result.ok and result.rejected == 0, result.table()
    assert [(f.kind, f.name) for f in result.files] == [
        ("timezones", "bq-results-20230125-202210-1674678181880.csv"), ("hours", "Menu hours.csv"),
        ("status", "store status.csv")]
    assert all(f.loaded for f in result.files)
    assert await report_matches_model(pool, read_sample(first_release)) == 150


async def test_gzipped_files_load_like_plain_ones(db_settings, pool, tmp_path):
    plain = tmp_path / "plain"
    generate_sample(plain, stores=60, days=3, seed=9)
    packed = tmp_path / "packed"
    packed.mkdir()
    for path in plain.iterdir():
        (packed / f"{path.name}.gz").write_bytes(gzip.compress(path.read_bytes()))
    result = await ingest(db_settings, zipped(packed, tmp_path / "packed.zip", "a/b/"), progress=False,
                          rejects=tmp_path / "rejects.csv")
    assert result.ok and [f.name for f in result.files] == [
        "timezones.csv.gz", "menu_hours.csv.gz", "special_hours.csv.gz", "store_status.csv.gz"]
    await report_matches_model(pool, read_sample(plain))


async def test_a_damaged_file_fails_alone(db_settings, tmp_path):
    folder = tmp_path / "data"
    generate_sample(folder, stores=30, days=2, seed=3)
    (folder / "store_status.csv.gz").write_bytes(gzip.compress((folder / "store_status.csv").read_bytes())[:-200])
    (folder / "store_status.csv").unlink()
    result = await ingest(db_settings, folder, progress=False, rejects=tmp_path / "rejects.csv")
    status = result.file("status")
    assert status.error.startswith("could not be read (EOFError") and status.loaded == 0
    assert all(f.error is None and f.loaded for f in result.files if f is not status)
    assert "store_status.csv.gz" in result.table() and "FAILED: could not be read" in result.table()
