"""The open data release (`python -m loaders publish`, queries/open_data.py): a Frictionless
Data Package that the `frictionless` library validates, whose figures are the public pages'
figures, in which no office that did not consent can be found (by code, name or by
subtraction: the attack of tests/test_disclosure_attack.py runs on its tables), versioned with a
changelog; and the home page's zip of it."""
# ruff: noqa: F811 (the fixtures con and withheld come from test_disclosure_attack)
from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import frictionless
import numpy as np
import pandas as pd
import pytest
from conftest import BUNDLED_AS_OF, FIXTURES, ROOT, load
from signin import MediaRecorder, open_page
from test_disclosure_attack import ROUNDS, SECTIONS, Attack, con, withheld  # noqa: F401 (con, withheld: fixtures)

from loaders.review import set_round_status
from queries import delivery, open_data, release, survey
from queries.filters import DeliveryFilter
from ui import exports

#: The keys `publish --json` prints (docs/command-line.md).
JSON_KEYS = {"outdir", "version", "previous_version", "changed", "first_release", "rounds", "periods", "resources",
             "added", "removed", "changed_tables", "rounds_added", "periods_added"}
DUCK_TYPES = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE",
              "datetime": "TIMESTAMP"}


@pytest.fixture(scope="module")
def package(con, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "public-data"
    open_data.write_release(con, out)
    return out


def _descriptor(folder: Path) -> dict:
    return json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))


def _resource(folder: Path, key: str) -> dict:
    return next(r for r in _descriptor(folder)["resources"] if r["name"] == key)


def read_table(folder: Path, key: str, path_key: str = "path") -> pd.DataFrame:
    """A table of the package read with the types its schema declares (CSV, or its Parquet copy)."""
    resource = _resource(folder, key)
    columns = {f["name"]: DUCK_TYPES[f["type"]] for f in resource["schema"]["fields"]}
    if path_key == "parquet":
        return duckdb.execute("SELECT * FROM read_parquet($p)", {"p": str(folder / resource["parquet"]["path"])}).df()
    return duckdb.execute("SELECT * FROM read_csv($p, header = true, columns = $c, auto_detect = false)",
                          {"p": str(folder / resource["path"]), "c": columns}).df()


def assert_same_figures(shown: pd.DataFrame, expected: pd.DataFrame, where: str) -> None:
    """Every column of `expected` in `shown`, row by row: numbers equal (missing where missing),
    everything else equal as text."""
    assert len(shown) == len(expected), f"{where}: {len(shown)} rows vs {len(expected)}"
    shown, expected = shown.reset_index(drop=True), expected.reset_index(drop=True)
    for column in expected.columns:
        a, b = shown[column], expected[column]
        if pd.api.types.is_bool_dtype(b) or pd.api.types.is_bool_dtype(a):
            assert list(a.astype("boolean")) == list(b.astype("boolean")), f"{where}: {column}"
        elif pd.api.types.is_numeric_dtype(b) and not pd.api.types.is_bool_dtype(b):
            left, right = a.astype("Float64").to_numpy(dtype=float, na_value=np.nan), \
                b.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            assert np.allclose(left, right, equal_nan=True), f"{where}: {column}"
        elif pd.api.types.is_datetime64_any_dtype(b):
            assert list(pd.to_datetime(a).dt.date) == list(pd.to_datetime(b).dt.date), f"{where}: {column}"
        else:
            def text(s):
                return ["" if v is None or v is pd.NA or (isinstance(v, float) and v != v) else str(v) for v in s]
            assert text(a) == text(b), f"{where}: {column}"


# ------------------------------------------------------------------ the package is valid


def test_frictionless_validates_the_package(package):
    report = frictionless.validate(str(package / "datapackage.json"))
    errors = [f"{task.name}: {[e.message for e in task.errors][:2]}" for task in report.tasks if not task.valid]
    assert report.valid, errors
    assert len(report.tasks) == len(open_data.TABLES)


def test_every_resource_has_a_described_schema_licence_and_the_illustrative_mark(package, con):
    descriptor = _descriptor(package)
    assert descriptor["version"] == "1.0.0"
    assert [lic["name"] for lic in descriptor["licenses"]] == ["CC-BY-4.0"]
    assert descriptor["ipdx"]["rounds"] == ["2025", "2026"]
    assert descriptor["ipdx"]["deliveries_as_of"] == BUNDLED_AS_OF
    for resource in descriptor["resources"]:
        fields = resource["schema"]["fields"]
        assert fields and all(f["description"] and f["type"] in DUCK_TYPES for f in fields), resource["name"]
        # Everything bundled is illustrative, and each resource says so where a reader looks.
        assert resource["illustrative"] and resource["description"].startswith("ILLUSTRATIVE DATA"), resource["name"]
    counts = _resource(package, "survey-option-counts")["schema"]["fields"]
    assert next(f for f in counts if f["name"] == "no_answer")["description"] == \
        "offices that left the question blank (`no_answer`)."
    for name in ("methodology.md", "disclosure.md", "CHANGELOG.md", "README.md"):
        assert (package / name).read_text(encoding="utf-8").strip(), name
    assert "complementary suppression" in (package / "disclosure.md").read_text(encoding="utf-8").lower()
    assert "CC BY 4.0" in (package / "README.md").read_text(encoding="utf-8")
    assert "illustrative" in (package / "README.md").read_text(encoding="utf-8")


def test_each_parquet_file_holds_the_rows_of_its_csv(package):
    for table in open_data.TABLES:
        resource = _resource(package, table.key)
        parquet = package / resource["parquet"]["path"]
        assert open_data._digest(parquet.read_bytes()) == resource["parquet"]["hash"]
        csv_rows, parquet_rows = read_table(package, table.key), read_table(package, table.key, "parquet")
        assert len(csv_rows) == len(parquet_rows) == resource["rows"], table.key
        assert list(csv_rows.columns) == list(parquet_rows.columns)
        assert_same_figures(parquet_rows, csv_rows, table.key)


# ------------------------------------------------------------------ the package's figures are the pages'


def test_survey_tables_are_the_public_figures(package, con, withheld):
    counts = read_table(package, "survey-option-counts")
    answers = read_table(package, "survey-answers")
    for section in SECTIONS:
        expected = release.public_option_counts(con, section, withheld=withheld)
        assert_same_figures(counts[counts["section"] == section].drop(columns="section"), expected, section)
        for round_ in ROUNDS:
            matrix = release.public_option_matrix(con, section, round_, withheld=withheld)
            shown = answers[(answers["section"] == section) & (answers["round"] == round_)]
            assert_same_figures(shown.drop(columns="section"), matrix, f"{section} {round_} answers")
    assert counts["suppressed"].any() and (answers["state"] == "suppressed").any()
    assert_same_figures(read_table(package, "survey-published-vs-computed"),
                        release.public_published_vs_computed(con, withheld), "reconciliation")
    assert_same_figures(read_table(package, "survey-challenge-categories"),
                        release.public_category_counts(con, withheld=withheld), "categories")


def test_delivery_tables_are_the_delivery_pages_figures(package, con):
    as_of = BUNDLED_AS_OF
    assert_same_figures(read_table(package, "delivery-monthly-trend"),
                        delivery.monthly_on_time_trend(con, as_of=as_of), "monthly trend")
    assert_same_figures(read_table(package, "delivery-outcomes"), delivery.delivery_outcomes(con, as_of=as_of),
                        "outcomes")
    monthly = read_table(package, "delivery-schedules-monthly")
    march = monthly[monthly["month"] == pd.Timestamp("2026-03-01")].drop(columns="month")
    assert_same_figures(march, delivery.delivery_reliability_by_schedule(
        con, as_of=as_of, where=DeliveryFilter(since="2026-03-01", until="2026-03-31")), "schedules 2026-03")
    # Summed over the months, the per-month figures are the whole period's.
    by_provider = read_table(package, "delivery-providers-monthly").groupby("provider")[
        ["scheduled", "on_time", "late", "missed"]].sum().reset_index()
    whole = delivery.delivery_reliability_by_office(con, as_of=as_of)[["provider", "scheduled", "on_time", "late",
                                                                        "missed"]]
    assert_same_figures(by_provider, whole, "providers")


def test_the_standards_page_shows_the_package_figures(package, bundled_db, monkeypatch):
    at = open_page(bundled_db, "pages/2_Standards.py", monkeypatch)
    assert not at.exception
    tables = [d.value for d in at.dataframe if {"code", "offices", "base", "published"} <= set(d.value.columns)]
    assert tables, "the Standards page shows no counts table"
    shown = tables[0]
    counts = read_table(package, "survey-option-counts")
    expected = counts[(counts["round"] == "2026") & (counts["section"] == "standards")]
    assert list(shown["code"]) == list(expected["code"])
    assert_same_figures(shown, expected[["code", "offices", "base", "share", "no_answer"]], "Standards page")


# ------------------------------------------------------------------ nobody who did not consent can be found


def test_no_undisclosed_office_is_named_in_the_package(package, con, withheld):
    hidden = release.hidden_by_round(withheld)
    assert hidden == {"2025": {"HN", "UY"}, "2026": {"UY", "AP"}}
    names = dict(con.execute("SELECT code, name FROM offices").fetchall())
    checked = 0
    for table in open_data.TABLES:
        if table.kind != "survey":
            continue
        frame = read_table(package, table.key)
        for round_, offices in hidden.items():
            if "round" in frame:
                rows = frame[frame["round"] == round_]
            elif "from_state" in frame:  # per office: an office hidden in a round is not a respondent of it
                rows = frame[((frame["from_round"] == round_) & (frame["from_state"] != "not_respondent"))
                             | ((frame["to_round"] == round_) & (frame["to_state"] != "not_respondent"))]
            elif "from_round" in frame:
                rows = frame[(frame["from_round"] == round_) | (frame["to_round"] == round_)]
            else:
                rows = frame
            if "office" in rows:
                assert not set(rows["office"]) & offices, f"{table.key} {round_}"
            text = " ".join(str(v) for v in rows.select_dtypes(exclude="number").to_numpy().ravel())
            for code in offices:
                assert names[code].split("(")[0].strip() not in text, f"{table.key}: {code}'s name"
            checked += len(rows)
    assert checked > 1000


@pytest.mark.parametrize("round_", ROUNDS)
def test_the_differencing_attack_on_the_package_determines_nothing(package, con, withheld, round_):
    attack = Attack(con, round_, withheld)
    answers = read_table(package, "survey-answers")
    for section in SECTIONS:
        attack.see_matrix(answers[(answers["round"] == round_) & (answers["section"] == section)], section)
    attack.see_counts(read_table(package, "survey-option-counts"), None, f"package {round_}")
    attack.see_published(read_table(package, "survey-published-vs-computed"))
    assert attack.known and attack.tick_sums  # the package told the attacker something
    assert attack.determined() == []


def test_the_attack_would_find_the_hidden_answers_without_suppression(package, con, withheld):
    """The attack can fail on package tables: with the suppressed cells shown (the row-level
    answers of the consenting offices), the totals give hidden answers away."""
    attack = Attack(con, "2025", withheld)
    for section in SECTIONS:
        attack.see_matrix(survey.option_matrix(con, section, "2025", withheld=withheld), section)
    attack.see_counts(read_table(package, "survey-option-counts"), None, "package totals")
    attack.see_published(read_table(package, "survey-published-vs-computed"))
    assert attack.determined()


# ------------------------------------------------------------------ versions and the changelog


def _publish(db: Path, out: Path, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "loaders", "publish", str(out), "--db", str(db), *flags], cwd=ROOT,
                          capture_output=True, text=True)


def test_a_second_publish_after_a_new_load_bumps_the_version_and_lists_the_changes(fresh_bundled_db, tmp_path):
    out = tmp_path / "release"
    first = _publish(fresh_bundled_db, out, "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["version"] == "1.0.0"
    before = {r["name"]: r["rows"] for r in _descriptor(out)["resources"]}

    load(fresh_bundled_db, "deliveries", FIXTURES / "delivery" / "deliveries.csv")
    second = _publish(fresh_bundled_db, out, "--json")
    assert second.returncode == 0, second.stderr
    report = json.loads(second.stdout)
    assert report["previous_version"] == "1.0.0" and report["changed"] and not report["first_release"]
    assert report["version"] in ("1.0.1", "1.1.0")
    changed = {c["name"]: c for c in report["changed_tables"]}
    assert "delivery-outcomes" in changed and not report["removed"]
    after = {r["name"]: r["rows"] for r in _descriptor(out)["resources"]}
    for name, change in changed.items():
        assert change["rows_before"] == before[name] and change["rows"] == after[name]
    assert _descriptor(out)["version"] == report["version"]
    assert _descriptor(out)["ipdx"]["changes"]["changed_tables"] == report["changed_tables"]
    changelog = (out / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.index(f"## {report['version']} ") < changelog.index("## 1.0.0 ")
    outcomes = changed["delivery-outcomes"]
    assert (f"- table changed: delivery-outcomes ({outcomes['rows_before']} -> {outcomes['rows']} rows)"
            in changelog)

    third = _publish(fresh_bundled_db, out)
    assert third.returncode == 0, third.stderr
    assert third.stdout.startswith(f"nothing changed since version {report['version']}")
    assert _descriptor(out)["version"] == report["version"]
    assert (out / "CHANGELOG.md").read_text(encoding="utf-8") == changelog


def test_a_new_round_enters_the_release_when_it_is_published(fresh_bundled_db, tmp_path):
    """A round loaded from a file is a draft: not in the release, nor while in review (even shown
    provisionally on the pages); once published it is, as a minor release that lists it."""
    out = tmp_path / "release"
    assert _publish(fresh_bundled_db, out).returncode == 0
    survey_dir = FIXTURES / "survey"
    load(fresh_bundled_db, "survey", survey_dir / "survey-r1.csv", "2030", survey_dir / "codebook-r1.toml")
    for status, provisional in (("draft", False), ("review", True)):
        if status != "draft":
            set_round_status("2030", status, until="2030-12-31", show_provisional=provisional,
                             db_path=fresh_bundled_db)
        run = _publish(fresh_bundled_db, out, "--json")
        assert run.returncode == 0, run.stderr
        report = json.loads(run.stdout)
        assert "2030" not in report["rounds"] and report["rounds_added"] == [], status
        assert not report["added"] and report["version"].startswith("1.0."), status  # a patch at most
        assert "2030" not in set(read_table(out, "survey-option-counts")["round"]), status
    # (Loading the draft changes the order of the published rounds' options: the row-level matrix
    # lines options up over every loaded round's codebook, drafts included.)
    before = report["version"]
    set_round_status("2030", "published", db_path=fresh_bundled_db)
    run = _publish(fresh_bundled_db, out, "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["rounds"] == ["2025", "2026", "2030"] and report["rounds_added"] == ["2030"]
    assert report["previous_version"] == before and report["version"] == "1.1.0"
    rounds = read_table(out, "survey-rounds")
    assert list(rounds["round"]) == ["2025", "2026", "2030"]
    assert "- survey rounds added: 2030" in (out / "CHANGELOG.md").read_text(encoding="utf-8")


# ------------------------------------------------------------------ the command line


def test_publish_json_keys_and_exit_statuses(bundled_db, tmp_path):
    out = tmp_path / "release"
    run = _publish(bundled_db, out, "--json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert set(report) == JSON_KEYS
    assert report["first_release"] and report["version"] == "1.0.0"
    assert [r["name"] for r in report["resources"]] == [t.key for t in open_data.TABLES]
    assert all((out / r["path"]).is_file() and (out / r["parquet"]).is_file() for r in report["resources"])
    assert oct((out).stat().st_mode & 0o777) != oct(0o700)

    again = _publish(bundled_db, out, "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["changed"] is False

    not_a_package = tmp_path / "other"
    not_a_package.mkdir()
    (not_a_package / "notes.txt").write_text("mine", encoding="utf-8")
    refused = _publish(bundled_db, not_a_package)
    assert refused.returncode == 2 and "no datapackage.json" in refused.stderr
    assert (not_a_package / "notes.txt").read_text(encoding="utf-8") == "mine"

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "datapackage.json").write_text('{"name": "someone-else"}', encoding="utf-8")
    refused = _publish(bundled_db, foreign)
    assert refused.returncode == 2 and "was not written by" in refused.stderr

    (foreign / "datapackage.json").write_text('{"resources": [', encoding="utf-8")
    refused = _publish(bundled_db, foreign)
    assert refused.returncode == 2 and "not a readable JSON data package" in refused.stderr

    a_file = tmp_path / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    refused = _publish(bundled_db, a_file)
    assert refused.returncode == 2 and "not a folder" in refused.stderr
    assert not list(tmp_path.glob(".*.new-*")), "a refused publish left a staging folder"


# ------------------------------------------------------------------ the home page's download


def test_the_home_page_offers_the_package_as_one_zip(package, bundled_db, monkeypatch):
    media = MediaRecorder(monkeypatch)
    at = open_page(bundled_db, "dashboard.py", monkeypatch)
    assert not at.exception
    buttons = [b for b in at.get("download_button") if b.proto.label == "All public data (zip)"]
    assert len(buttons) == 1
    blob = media.bytes_of(buttons[0])
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        names = archive.namelist()
        folder = names[0].split("/")[0]
        assert folder == "ipdx-public-data-1.0.0"
        inside = {n.split("/", 1)[1] for n in names}
        assert inside == {p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file()}
        # The same tables as the published package (the descriptor differs only in its creation time).
        for table in open_data.TABLES:
            assert archive.read(f"{folder}/data/{table.key}.csv") == (package / "data" / f"{table.key}.csv").read_bytes()


def test_zip_bytes_is_reproducible_and_refuses_paths_that_leave_the_folder():
    files = {"b.csv": b"x\n", "data/a.csv": b"y\n"}
    assert exports.zip_bytes(files, "pkg") == exports.zip_bytes(dict(reversed(files.items())), "pkg")
    with zipfile.ZipFile(io.BytesIO(exports.zip_bytes(files, "pkg"))) as archive:
        assert archive.namelist() == ["pkg/b.csv", "pkg/data/a.csv"]
    for bad in ("../x.csv", "/etc/x", "data//x", "a\\b"):
        with pytest.raises(ValueError):
            exports.zip_bytes({bad: b""}, "pkg")
