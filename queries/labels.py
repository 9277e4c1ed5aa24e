"""Answer options' labels in the interface's other languages, as the round's codebook gives them
(`label_fr = "..."` keys), stored by the survey loader in `codebook_labels` at load time."""
from __future__ import annotations


def codebook_option_labels(con, round: str, section: str) -> dict[tuple[str, str], dict[str, str]]:
    """(direction, option code) -> {language: label} for the options of `section` in the codebook
    the round was loaded with; direction '' for a question without one. Empty when the codebook
    translates none of them."""
    rows = con.execute("SELECT direction, code, lang, label FROM codebook_labels "
                       "WHERE round = $round AND section = $section ORDER BY direction, code, lang",
                       {"round": str(round), "section": section}).fetchall()
    out: dict[tuple[str, str], dict[str, str]] = {}
    for direction, code, lang, label in rows:
        out.setdefault((direction, code), {})[lang] = label
    return out
