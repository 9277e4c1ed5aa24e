"""Reference tables as the pages show them: the ST.3 office list and the offices' names in the
interface's languages."""
from __future__ import annotations

import pandas as pd


def office_list(con) -> pd.DataFrame:
    """The ST.3 office list: code, name, kind (national, regional, international) and region,
    one row per office, by code."""
    return con.execute("SELECT code, name, kind, region FROM offices ORDER BY code").df()


def office_names(con) -> dict[str, str]:
    """ST.3 code -> the office's English name, for every office of the list."""
    return dict(con.execute("SELECT code, name FROM offices").fetchall())


def office_name_translations(con) -> dict[str, dict[str, str]]:
    """ST.3 code -> {language -> the office's name in it}, for the offices and languages that
    data/reference/office-names.csv names (the regional and international offices)."""
    out: dict[str, dict[str, str]] = {}
    for code, lang, name in con.execute(
            "SELECT code, lang, name FROM office_name_translations ORDER BY code, lang").fetchall():
        out.setdefault(code, {})[lang] = name
    return out
