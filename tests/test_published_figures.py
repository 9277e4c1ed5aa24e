"""The bundled 2025 answers reproduce every aggregate published in CWS/13/14: one test per row."""
import csv

import pytest
from conftest import ROOT

from loaders import open_snapshot
from queries import published_vs_computed

PUBLISHED = list(csv.DictReader(open(ROOT / "data" / "reference" / "cws13-14-published-figures.csv",
                                     encoding="utf-8")))


def test_the_project_copy_of_the_published_figures_is_the_reference_file():
    shared = ROOT.parent / "shared" / "reference" / "cws13-14-published-figures.csv"
    if not shared.exists():
        pytest.skip("shared/reference is not beside this checkout")
    assert shared.read_bytes() == (ROOT / "data" / "reference" / "cws13-14-published-figures.csv").read_bytes()


@pytest.fixture(scope="module")
def reconciliation(bundled_db):
    con = open_snapshot(bundled_db)
    frame = published_vs_computed(con)
    con.close()
    return {(r.section, r.direction if isinstance(r.direction, str) else "", r.code): r
            for r in frame.itertuples()}


@pytest.mark.parametrize("row", PUBLISHED, ids=lambda r: f"{r['section']}-{r['direction'] or 'all'}-{r['code']}")
def test_published_aggregate_is_reproduced(row, reconciliation):
    computed = reconciliation[(row["section"], row["direction"], row["code"])]
    assert computed.computed == int(row["offices"]), row["item"]
    assert computed.computed_base == int(row["base"])
    assert computed.matches


def test_every_published_row_is_reconciled(reconciliation):
    assert len(reconciliation) == len(PUBLISHED) == 63
