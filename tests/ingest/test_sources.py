"""Finding the input files without a database: by header first, by name when the header cannot tell; .csv or
.csv.gz, in a folder, a zip (any subfolder) or alone; both public releases' names; two files of one kind refused."""

import gzip
import zipfile
from pathlib import Path

import pytest

from app.errors import IngestError
from app.ingest.sources import BY_NAME, Source, find_sources, read_header
from app.sample import generate_sample

POLLS = "store_id,status,timestamp_utc\ns1,active,2024-03-14 10:00:00 UTC\n"
HOURS = "store_id,dayOfWeek,start_time_local,end_time_local\ns1,0,09:00:00,17:00:00\n"
FIRST_RELEASE_HOURS = "store_id,day,start_time_local,end_time_local\n1,0,09:00:00,17:00:00\n"
ZONES = "store_id,timezone_str\ns1,Europe/Paris\n"
SPECIAL = "store_id,date_local,start_time_local,end_time_local\ns1,2024-03-10,,\n"


def folder_with(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    folder = tmp_path / "data"
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return folder


def kinds(found) -> dict[str, str]:
    return {kind: source.member or str(Path(source.path).name) for kind, source in found.files.items()}


def test_files_are_recognised_by_their_header_whatever_their_name(tmp_path):
    folder = folder_with(tmp_path, {"a.csv": POLLS, "b.csv": HOURS, "sub/c.csv": ZONES, "d.CSV": SPECIAL,
                                    "notes.csv": "a,b\n1,2\n", "readme.txt": "hello"})
    found = find_sources(folder, {})
    assert kinds(found) == {"status": "a.csv", "hours": "b.csv", "timezones": "c.csv", "special_hours": "d.CSV"}
    assert found.ignored == [f"{folder / 'notes.csv'}: its header has the columns of no input file"]


def test_the_first_releases_names_and_day_header(tmp_path):
    summary = generate_sample(tmp_path / "first", stores=20, days=2, first_release=True)
    found = find_sources(tmp_path / "first", {})
    assert {k: s.path for k, s in found.files.items()} == {
        "status": summary.paths["store_status"], "hours": summary.paths["menu_hours"],
        "timezones": summary.paths["timezones"]}
    header = read_header(summary.paths["menu_hours"], BY_NAME["hours"])
    assert header.positions == {"store_id": 1, "day_of_week": 2, "start_time_local": 3, "end_time_local": 4}


def test_gzipped_files_and_a_zip_with_subfolders(tmp_path):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("2023/01/store status.csv.gz", gzip.compress(POLLS.encode()))
        z.writestr("2023/01/Menu_hours.csv", FIRST_RELEASE_HOURS)
        z.writestr("__MACOSX/2023/01/._Menu_hours.csv", b"\x00\x05\x16\x07 resource fork")
        z.writestr(".hidden/timezones.csv", ZONES)
        z.writestr("2023/zones/bq-results-20230125-202210-1674678181880.csv", ZONES)
    found = find_sources(archive, {})
    assert kinds(found) == {"status": "2023/01/store status.csv.gz", "hours": "2023/01/Menu_hours.csv",
                            "timezones": "2023/zones/bq-results-20230125-202210-1674678181880.csv"}
    polls = found.files["status"]
    assert polls.name == "store status.csv.gz" and str(polls) == f"{archive}:2023/01/store status.csv.gz"
    (tmp_path / "scratch").mkdir()
    plain = polls.local_file(tmp_path / "scratch")
    assert plain.name == "store status.csv" and plain.read_text() == POLLS


def test_a_single_gzipped_file_given_alone(tmp_path):
    path = tmp_path / "export.csv.gz"
    path.write_bytes(gzip.compress(ZONES.encode()))
    assert kinds(find_sources(path, {})) == {"timezones": "export.csv.gz"}


def test_two_files_of_one_kind_are_an_error_naming_both(tmp_path):
    folder = folder_with(tmp_path, {"menu_hours.csv": HOURS, "old/Menu hours.csv": FIRST_RELEASE_HOURS,
                                    "store_status.csv": POLLS})
    with pytest.raises(IngestError, match=r"two hours files, .*menu_hours\.csv and .*old/Menu hours\.csv; keep one, "
                                          r"or name the one to load with --hours"):
        find_sources(folder, {})
    # Naming one with its flag settles it.
    found = find_sources(folder, {"hours": folder / "menu_hours.csv"})
    assert kinds(found) == {"hours": "menu_hours.csv", "status": "store_status.csv"}


def test_a_header_that_fits_two_kinds_is_decided_by_the_name(tmp_path):
    both = "store_id,day,date,start_time_local,end_time_local\ns1,0,2024-03-10,09:00:00,17:00:00\n"
    folder = folder_with(tmp_path, {"special_hours.csv": both})
    assert kinds(find_sources(folder, {})) == {"special_hours": "special_hours.csv"}
    folder = folder_with(tmp_path / "other", {"export.csv": both})
    with pytest.raises(IngestError, match="fits a hours and a special_hours file; name it menu_hours.csv or "
                                          "special_hours.csv, or give it with --hours or --special-hours"):
        find_sources(folder, {})


def test_a_known_name_with_a_wrong_header_is_still_that_kind(tmp_path):
    """So that its load fails naming the missing columns, rather than the file being passed over."""
    folder = folder_with(tmp_path, {"store_status.csv": "store_id,state,when\n"})
    assert kinds(find_sources(folder, {})) == {"status": "store_status.csv"}


def test_unreadable_files_and_archives(tmp_path):
    folder = folder_with(tmp_path, {"store_status.csv.gz": b"not gzip at all", "x.csv.gz": b"\x1f\x8b broken"})
    found = find_sources(folder, {})
    assert kinds(found) == {"status": "store_status.csv.gz"}  # by its name: its load fails with the reason
    assert len(found.ignored) == 1 and "x.csv.gz: could not be read" in found.ignored[0]
    (tmp_path / "scratch").mkdir()
    with pytest.raises(IngestError, match=r"store_status.csv.gz: could not be read \(BadGzipFile"):
        found.files["status"].local_file(tmp_path / "scratch")
    with pytest.raises(IngestError, match="not a folder, a zip file, or a .csv or .csv.gz file"):
        find_sources(folder_with(tmp_path / "t", {"a.txt": "x"}) / "a.txt", {})
    fake_zip = tmp_path / "fake.zip"
    fake_zip.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty archive: no input file in it
    with pytest.raises(IngestError, match="none of the input files found"):
        find_sources(fake_zip, {})


def test_header_line_limits(tmp_path):
    path = tmp_path / "store_status.csv"
    path.write_bytes(b"x" * 70_000 + b"\n")
    with pytest.raises(IngestError, match="header line longer than 65536 bytes"):
        read_header(path, BY_NAME["status"])
    path.write_bytes(b"\xef\xbb\xbfStore_ID ,status,\x00timestamp_utc\r\ns1,active,x\n")
    assert read_header(path, BY_NAME["status"]).positions == {"store_id": 1, "status": 2, "timestamp_utc": 3}


def test_source_names(tmp_path):
    assert Source(tmp_path / "a.csv.gz").gzipped and not Source(tmp_path / "a.csv").gzipped
    assert Source(tmp_path / "z.zip", "x/y/store_status.csv").name == "store_status.csv"
