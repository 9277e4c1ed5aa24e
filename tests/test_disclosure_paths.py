"""Every survey figure a page shows comes through `queries.release`, which withholds the offices
hidden from the viewer and applies complementary suppression (docs/disclosure.md). A page or
ui module that called the row-level survey metrics directly would bypass it: none does."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Metrics over per-office answers: public views must take them from `queries.release`.
UNPROTECTED = {
    "survey": ["option_counts", "option_matrix", "option_changes", "option_change_summary",
               "challenge_category_counts", "published_vs_computed", "yes_no_counts", "answer_cells"],
    "queries": ["option_counts", "published_vs_computed", "yes_no_counts"],
    "consistency": ["contradictions", "contradiction_rules"],
    "peers": ["metric_values"],
}


def _sources():
    for path in [ROOT / "dashboard.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]:
        yield path, path.read_text(encoding="utf-8")


def test_no_page_or_ui_module_reads_answers_around_the_release():
    found = []
    for path, text in _sources():
        for module, names in UNPROTECTED.items():
            for name in names:
                for match in re.finditer(rf"\b{module}\.{name}\b", text):
                    line = text.count("\n", 0, match.start()) + 1
                    found.append(f"{path.relative_to(ROOT)}:{line}: {module}.{name}")
    assert found == []


def test_the_check_finds_a_direct_call():
    text = "counts = data.query(survey.option_counts, section='standards')"
    assert re.search(r"\bsurvey\.option_counts\b", text)
