"""'What would move this' (the standards twins of the office profile) on the bundled data, for the
public viewer: every row is read off the public office x standard matrix, which the differencing
attack (tests/test_disclosure_attack.py) already proves determines no hidden answer. So the
twins add nothing a viewer could not see there: no hidden office appears as an office or a twin,
and no suppressed cell is read."""
from __future__ import annotations

import pytest

from loaders import cursor, open_snapshot
from queries import release
from queries.disclosure import consent_by_office

ROUNDS = ("2025", "2026")


@pytest.fixture(scope="module")
def con(bundled_db):
    connection = open_snapshot(bundled_db)
    yield cursor(connection)
    connection.close()


@pytest.mark.parametrize("round_", ROUNDS)
def test_public_twins_are_read_off_the_public_matrix(con, round_):
    withheld = release.withheld_keys(consent_by_office(con))
    hidden = release.hidden_by_round(withheld).get(round_, frozenset())
    assert hidden, "the bundled data has offices without consent in every round"
    twins = release.public_standard_twins(con, round_, withheld=withheld)
    assert len(twins)
    assert not (set(twins["office"]) | set(twins["twin"])) & hidden
    matrix = release.public_option_matrix(con, "standards", round_, withheld=withheld)
    state = {(o, c): s for o, c, s in zip(matrix["office"], matrix["code"], matrix["state"])}
    offices = con.execute("SELECT code, kind, region FROM offices").df().set_index("code")
    expected = set()
    for (office, code), s in state.items():
        if s != "no":
            continue
        for (twin, other), t in state.items():
            if other == code and t == "yes" and twin != office and (
                    offices.loc[twin, "kind"] == offices.loc[office, "kind"]
                    or offices.loc[twin, "region"] == offices.loc[office, "region"]):
                expected.add((office, code, twin))
    assert set(zip(twins["office"], twins["code"], twins["twin"])) == expected
    # The secretariat's list is longer: the hidden offices and the suppressed cells do count there.
    everything = release.public_standard_twins(con, round_)
    assert set(everything["twin"]) & hidden or set(everything["office"]) & hidden
    assert len(everything) > len(twins)
