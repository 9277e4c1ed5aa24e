"""'What would move this' (the standards twins of the office profile) on the bundled data, for the
public viewer: every row is read off the public office x standard matrix, which the differencing
attack (tests/test_disclosure_attack.py) already proves determines no hidden answer. So the
twins add nothing a viewer could not see there: no hidden office appears as an office or a twin,
and no suppressed cell is read."""
# ruff: noqa: F811 (the fixtures con and withheld come from test_disclosure_attack)
from __future__ import annotations

import pytest
from test_disclosure_attack import ROUNDS, con, withheld  # noqa: F401 (con, withheld: fixtures)

from queries import release


@pytest.mark.parametrize("round_", ROUNDS)
def test_public_twins_are_read_off_the_public_matrix(con, withheld, round_):
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
