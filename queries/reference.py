"""Reference tables as the pages show them: the ST.3 office list."""
from __future__ import annotations

import pandas as pd


def office_list(con) -> pd.DataFrame:
    """The ST.3 office list: code, name, kind (national, regional, international) and region,
    one row per office, by code."""
    return con.execute("SELECT code, name, kind, region FROM offices ORDER BY code").df()


def office_names(con) -> dict[str, str]:
    """ST.3 code -> the office's English name, for every office of the list."""
    return dict(con.execute("SELECT code, name FROM offices").fetchall())
