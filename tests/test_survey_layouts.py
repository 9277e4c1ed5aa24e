"""Survey exports as each survey tool writes them load unchanged, with the layout recognised.

The exports are written here (tests/test_codebook_draft.py uses the same writers), each after the
tool's documented layout: header rows, metadata columns, answer conventions. Every export carries the
same six offices' answers: JP ticks every option, US answers nothing, EP answers "N/A" where the
tool lets a respondent (or the tool itself) say so, and one option label and one single-choice
label hold the tools' separators ("," and ";"). `expected_counts` computes, from these answers
alone, the figures a load must produce.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from conftest import rows

from loaders import LoadRejected, LoadRequest, load_file

OFFICE = "Office code"
SHARES = "Does your office share IP data?"
RIGHTS = "Which IP rights does your office exchange data on?"
REGION = "Which region is your office in?"
STAFF = "How many staff work on data exchange?"
COMMENTS = "Comments"
CONSENT = "Does your office consent to publication of its individual answers?"
MIXED = "bibliographic, abstract; or full-text data"  # holds both separators
RIGHTS_OPTIONS = ["patents", "trademarks", MIXED, "legal status"]
REGION_OPTIONS = ["Europe", "Asia, Pacific"]
NA = "N/A"

#: The answers, per office; a missing key is no answer (an empty cell); NA is a respondent's "N/A".
ANSWERS = {
    "JP": {SHARES: "yes", RIGHTS: RIGHTS_OPTIONS, REGION: "Asia, Pacific", STAFF: 12,
           COMMENTS: "Fine overall, thanks; we plan to add JSON exchange next year", CONSENT: "yes"},
    "KR": {SHARES: "no", RIGHTS: ["patents"], REGION: "Europe", STAFF: 3, CONSENT: "no"},
    "US": {},
    "EP": {SHARES: "yes", RIGHTS: NA, REGION: NA, CONSENT: "yes"},
    "BR": {SHARES: "yes", RIGHTS: [MIXED, "legal status"], REGION: "Europe", STAFF: 0, CONSENT: "yes"},
    "CA": {SHARES: "yes", RIGHTS: ["legal status"], REGION: "Europe", STAFF: 5, CONSENT: "yes"},
}
QUESTIONS = [SHARES, RIGHTS, REGION, STAFF, COMMENTS, CONSENT]
TYPES = {SHARES: "yes_no", RIGHTS: "multiple_choice", REGION: "single_choice", STAFF: "number",
         COMMENTS: "free_text", CONSENT: "yes_no"}
OPTIONS = {RIGHTS: RIGHTS_OPTIONS, REGION: REGION_OPTIONS}


def expected_counts(names: dict | None = None) -> dict:
    """(question, answer) -> offices, (question, 'no_answer') and (question, 'base') -> offices,
    (question, 'sum') for numbers, from ANSWERS. `names` renames questions and answers (a drafted
    codebook heads a question and labels an option as the export does: a code, a number)."""
    names = names or {}
    out: dict = {}

    def add(key):
        out[key] = out.get(key, 0) + 1

    for answers in ANSWERS.values():
        for q in QUESTIONS:
            qn = names.get(q, q)
            a = answers.get(q)
            if a is None or a == NA or a == "":
                add((qn, "no_answer"))
                continue
            add((qn, "base"))
            if TYPES[q] == "multiple_choice":
                for option in a:
                    add((qn, names.get((q, option), option)))
            elif TYPES[q] == "number":
                out[(qn, "sum")] = out.get((qn, "sum"), 0) + a
            elif TYPES[q] == "free_text":
                add((qn, "text"))
            else:
                add((qn, names.get((q, a), a)))
    return out


def loaded_counts(db: Path, rnd: str) -> dict:
    """The same figures, read from the loaded round (question text = its first header)."""
    out: dict = {}

    def add(key, n=1):
        out[key] = out.get(key, 0) + n

    answers = rows(db, "SELECT q.text, q.type, a.office, a.status, o.label, a.value_text, a.value_num "
                       "FROM survey_answers a JOIN survey_questions q USING (round, question_id) "
                       "LEFT JOIN survey_options o USING (round, question_id, option_code) WHERE a.round = $r",
                   {"r": rnd})
    seen: dict = {}
    for text, qtype, office, status, label, value_text, value_num in answers:
        seen.setdefault((text, office), set()).add(status)
        if status != "answered":
            continue
        if qtype == "multiple_choice":
            if value_text == "yes":
                add((text, label))
        elif qtype == "number":
            add((text, "sum"), value_num)
        elif qtype == "free_text":
            add((text, "text"))
        elif qtype == "single_choice":
            add((text, label))
        else:
            add((text, value_text))
    for (text, _office), statuses in seen.items():
        assert len(statuses) == 1, (text, statuses)  # a question is answered or not, never half
        add((text, "base" if statuses == {"answered"} else "no_answer"))
    return {k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in out.items()}


@dataclass
class Export:
    layout: str
    path: Path
    header_rows: int
    #: How a drafted codebook names questions and answers (see expected_counts).
    names: dict
    #: Codebook additions a hand-written codebook needs for this export: question -> [headers],
    #: (question, answer) -> [aliases].
    headers: dict
    aliases: dict


def _write(table: list[list], path: Path) -> Path:
    if path.suffix == ".xlsx":
        wb = openpyxl.Workbook()
        wb.active.title = "Sheet1"
        for row in table:
            wb.active.append([None if c == "" else c for c in row])
        wb.save(path)
    else:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(table)
    return path


def _numbered() -> dict:
    """Answer -> its number, as numeric exports write choices (1-based, in the question's order)."""
    out = {(SHARES, "yes"): "1", (SHARES, "no"): "2", (CONSENT, "yes"): "1", (CONSENT, "no"): "2"}
    for q, options in OPTIONS.items():
        out.update({(q, o): str(i) for i, o in enumerate(options, start=1)})
    return out


def _text(value) -> str:
    return "" if value is None else str(value)


def _yes_no(value, yes="Yes", no="No") -> str:
    return {"yes": yes, "no": no, NA: NA}.get(value, "")


QUALTRICS_META = [
    ("StartDate", "Start Date", {"ImportId": "startDate", "timeZone": "Europe/Zurich"}, "2025-01-27 09:00:00"),
    ("EndDate", "End Date", {"ImportId": "endDate", "timeZone": "Europe/Zurich"}, "2025-01-27 09:12:00"),
    ("Status", "Response Type", {"ImportId": "status"}, "IP Address"),
    ("IPAddress", "IP Address", {"ImportId": "ipAddress"}, "192.0.2.10"),
    ("Progress", "Progress", {"ImportId": "progress"}, "100"),
    ("Duration (in seconds)", "Duration (in seconds)", {"ImportId": "duration"}, "720"),
    ("Finished", "Finished", {"ImportId": "finished"}, "True"),
    ("RecordedDate", "Recorded Date", {"ImportId": "recordedDate", "timeZone": "Europe/Zurich"}, "2025-01-27 09:12:01"),
    ("ResponseId", "Response ID", {"ImportId": "_recordId"}, "R_1a2B3c4D5e6F7g8"),
    ("RecipientLastName", "Recipient Last Name", {"ImportId": "recipientLastName"}, ""),
    ("RecipientFirstName", "Recipient First Name", {"ImportId": "recipientFirstName"}, ""),
    ("RecipientEmail", "Recipient Email", {"ImportId": "recipientEmail"}, ""),
    ("ExternalReference", "External Data Reference", {"ImportId": "externalDataReference"}, ""),
    ("LocationLatitude", "Location Latitude", {"ImportId": "locationLatitude"}, "46.2044"),
    ("LocationLongitude", "Location Longitude", {"ImportId": "locationLongitude"}, "6.1432"),
    ("DistributionChannel", "Distribution Channel", {"ImportId": "distributionChannel"}, "anonymous"),
    ("UserLanguage", "User Language", {"ImportId": "userLanguage"}, "EN"),
]


def qualtrics(folder: Path, numeric: bool = False, ext: str = ".csv") -> Export:
    """Qualtrics' 'Download data table': row 1 the export tags, row 2 the question texts (a choice
    question with a text entry gets ' - Selected Choice'), row 3 the ImportIds as JSON; a
    multi-select answer in one column, choices joined with ','; 'choice text' or 'numeric values'."""
    numbers = _numbered()
    questions = [(OFFICE, "Q1", OFFICE, "QID1_TEXT"), (SHARES, "Q2", SHARES, "QID2"),
                 (RIGHTS, "Q3", RIGHTS + " - Selected Choice", "QID3"), (REGION, "Q4", REGION, "QID4"),
                 (STAFF, "Q5", STAFF, "QID5_TEXT"), (COMMENTS, "Q6", COMMENTS, "QID6_TEXT"),
                 (CONSENT, "Q7", CONSENT, "QID7")]
    table = [[m[0] for m in QUALTRICS_META] + [q[1] for q in questions],
             [m[1] for m in QUALTRICS_META] + [q[2] for q in questions],
             [json.dumps(m[2], separators=(",", ":")) for m in QUALTRICS_META] +
             [json.dumps({"ImportId": q[3]}, separators=(",", ":")) for q in questions]]
    for office, answers in ANSWERS.items():
        meta = [m[3] for m in QUALTRICS_META]
        if numeric:
            meta[2], meta[6] = "0", "1"
        row = meta + [office]
        for q in QUESTIONS:
            a = answers.get(q)
            if numeric and a == NA:
                a = None  # a numeric export has no text for a respondent's N/A
            if a is None:
                row.append("")
            elif a == NA:
                row.append(NA)
            elif TYPES[q] == "multiple_choice":
                row.append(",".join(numbers[(q, o)] if numeric else o for o in a))
            elif TYPES[q] in ("yes_no", "single_choice"):
                row.append(numbers[(q, a)] if numeric else (_yes_no(a) if TYPES[q] == "yes_no" else a))
            else:
                row.append(_text(a))
        table.append(row)
    names = {RIGHTS: RIGHTS}
    if numeric:
        names.update({k: v for k, v in numbers.items()})
    return Export("qualtrics", _write(table, folder / f"qualtrics{'-numeric' if numeric else ''}{ext}"), 3,
                  names, {}, numbers if numeric else {})


SURVEYMONKEY_META = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
                     "First Name", "Last Name", "Custom Data 1"]


def surveymonkey(folder: Path, numeric: bool = False, ext: str = ".xlsx") -> Export:
    """SurveyMonkey's 'All responses data', expanded columns: row 1 each question over its first
    column (the cells to its right empty), row 2 'Response' / 'Open-Ended Response' / the option
    labels; a ticked option cell holds the option's text ('actual answer text') or its number
    ('numerical value')."""
    numbers = _numbered()
    top = list(SURVEYMONKEY_META) + [OFFICE, SHARES, RIGHTS, "", "", "", REGION, STAFF, COMMENTS, CONSENT]
    sub = [""] * len(SURVEYMONKEY_META) + ["Open-Ended Response", "Response", *RIGHTS_OPTIONS, "Response",
                                            "Open-Ended Response", "Open-Ended Response", "Response"]
    table = [top, sub]
    for n, (office, answers) in enumerate(ANSWERS.items()):
        row = [str(114298765432 + n), "431234567", "01/27/2025 09:00:00 AM", "01/27/2025 09:12:00 AM",
               "192.0.2.10", "", "", "", "", office]
        for q in QUESTIONS:
            a = answers.get(q)
            if numeric and a == NA:
                a = None
            if TYPES[q] == "multiple_choice":
                chosen = a if isinstance(a, list) else []
                row += [(numbers[(q, o)] if numeric else o) if o in chosen else "" for o in RIGHTS_OPTIONS]
            elif a is None:
                row.append("")
            elif a == NA:
                row.append(NA)
            elif TYPES[q] in ("yes_no", "single_choice"):
                row.append(numbers[(q, a)] if numeric else (_yes_no(a) if TYPES[q] == "yes_no" else a))
            else:
                row.append(a if isinstance(a, str) or ext == ".xlsx" else str(a))
        table.append(row)
    names = {k: v for k, v in numbers.items()} if numeric else {}
    if numeric:  # the option columns are headed by their labels, which the draft takes
        names.update({(RIGHTS, o): o for o in RIGHTS_OPTIONS})
    return Export("surveymonkey", _write(table, folder / f"surveymonkey{'-numeric' if numeric else ''}{ext}"), 2,
                  names, {}, {k: v for k, v in numbers.items() if k[0] != RIGHTS} if numeric else {})


def limesurvey(folder: Path, codes: bool) -> Export:
    """LimeSurvey's 'Export results': headings 'Question code' with responses 'Answer codes'
    (Q02[SQ001]; Y or empty; list answers A1, A2; yes/no Y, N), or headings 'Full question text'
    with 'Full answers' (Question [option]; Yes / No / N/A)."""
    option_codes = {o: f"SQ00{i}" for i, o in enumerate(RIGHTS_OPTIONS, start=1)}
    region_codes = {"Europe": "A1", "Asia, Pacific": "A2"}
    if codes:
        head = ["id", "submitdate", "lastpage", "startlanguage", "seed", "Q00", "Q01",
                *(f"Q02[{c}]" for c in option_codes.values()), "Q03", "Q04", "Q05", "Q06"]
    else:
        head = ["Response ID", "Date submitted", "Last page", "Start language", "Seed", OFFICE, SHARES,
                *(f"{RIGHTS} [{o}]" for o in RIGHTS_OPTIONS), REGION, STAFF, COMMENTS, CONSENT]
    table = [head]
    for n, (office, answers) in enumerate(ANSWERS.items(), start=1):
        unanswered = not answers
        row = [str(n), "" if unanswered else "2025-01-27 09:12:00", "1" if unanswered else "3", "en",
               str(1000 + n), office]
        for q in QUESTIONS:
            a = answers.get(q)
            if codes and a == NA:
                a = None  # answer codes have no N/A: the cell is empty
            if not codes and a is None and TYPES[q] in ("yes_no", "single_choice", "multiple_choice"):
                a = NA  # full answers: a closed question left unanswered reads N/A
            if TYPES[q] == "multiple_choice":
                if codes:
                    row += ["Y" if isinstance(a, list) and o in a else "" for o in RIGHTS_OPTIONS]
                else:
                    row += [NA if a == NA else ("Yes" if o in a else "No") for o in RIGHTS_OPTIONS]
            elif a is None:
                row.append("")
            elif TYPES[q] == "yes_no":
                row.append(_yes_no(a, "Y", "N") if codes else _yes_no(a))
            elif TYPES[q] == "single_choice":
                row.append(NA if a == NA else (region_codes[a] if codes else a))
            else:
                row.append(_text(a))
        table.append(row)
    if not codes:
        return Export("limesurvey", _write(table, folder / "limesurvey-full.csv"), 1, {}, {}, {})
    qcodes = {SHARES: "Q01", RIGHTS: "Q02", REGION: "Q03", STAFF: "Q04", COMMENTS: "Q05", CONSENT: "Q06"}
    names = {**qcodes, **{(RIGHTS, o): c for o, c in option_codes.items()},
             **{(REGION, r): c for r, c in region_codes.items()}}
    aliases = {**{(RIGHTS, o): c for o, c in option_codes.items()},
               **{(REGION, r): c for r, c in region_codes.items()}}
    return Export("limesurvey", _write(table, folder / "limesurvey-codes.csv"), 1, names,
                  {q: [c] for q, c in qcodes.items()} | {"office": ["Q00"]}, aliases)


def _joined(layout: str, file: str, meta: list[str], meta_values, joiner: str, trailing: str,
            folder: Path) -> Export:
    table = [meta + [OFFICE, *QUESTIONS]]
    for n, (office, answers) in enumerate(ANSWERS.items()):
        row = list(meta_values(n)) + [office]
        for q in QUESTIONS:
            a = answers.get(q)
            if a is None:
                row.append("")
            elif a == NA:
                row.append(NA)
            elif TYPES[q] == "multiple_choice":
                row.append(joiner.join(a) + trailing)
            elif TYPES[q] == "yes_no":
                row.append(_yes_no(a))
            else:
                row.append(a if file.endswith(".xlsx") or isinstance(a, str) else str(a))
        table.append(row)
    return Export(layout, _write(table, folder / file), 1, {}, {}, {})


def msforms(folder: Path) -> Export:
    """Microsoft Forms' 'Open in Excel': ID, Start time, Completion time, Email, Name, Last modified
    time, then one column per question; a multi-select answer joined with ';', with a trailing ';'."""
    return _joined("msforms", "msforms.xlsx",
                   ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time"],
                   lambda n: [n + 1, "1/27/25 9:00:00", "1/27/25 9:12:00", "anonymous", "", ""], ";", ";", folder)


def googleforms(folder: Path) -> Export:
    """Google Forms' 'Download responses (.csv)': Timestamp (and Email Address when collected), then
    one column per question; checkbox answers joined with ', '."""
    return _joined("googleforms", "googleforms.csv", ["Timestamp", "Email Address"],
                   lambda n: [f"2025/01/27 9:{10 + n}:00 AM GMT+1", f"focal.point{n}@example.org"], ", ", "", folder)


def eusurvey(folder: Path) -> Export:
    """EUSurvey's results export (XLSX): the contribution's metadata columns, then one column per
    question; multiple-choice answers joined with ';'."""
    return _joined("eusurvey", "eusurvey.xlsx",
                   ["Contribution ID", "User name", "Invitation number", "Creation date", "Last update", "Languages"],
                   lambda n: [f"3f2a9c1e-0000-4000-8000-00000000000{n}", "", "", "2025-01-27 09:00:00",
                              "2025-01-27 09:12:00", "EN"], ";", "", folder)


def plain(folder: Path) -> Export:
    """The project's own layout (docs/input-formats.md): one header row; multiple choice joined with '; '. Its
    rules are unchanged, so "N/A" is written as the empty cell it must be."""
    export = _joined("plain", "plain.csv", [], lambda n: [], "; ", "", folder)
    text = export.path.read_text(encoding="utf-8").replace(",N/A", ",")
    export.path.write_text(text, encoding="utf-8")
    return export


#: Every export the tests write: (test id, writer(folder) -> Export).
EXPORTS = {
    "qualtrics-text-csv": lambda f: qualtrics(f),
    "qualtrics-numeric-xlsx": lambda f: qualtrics(f, numeric=True, ext=".xlsx"),
    "surveymonkey-text-xlsx": lambda f: surveymonkey(f),
    "surveymonkey-numeric-csv": lambda f: surveymonkey(f, numeric=True, ext=".csv"),
    "limesurvey-codes-csv": lambda f: limesurvey(f, codes=True),
    "limesurvey-full-csv": lambda f: limesurvey(f, codes=False),
    "msforms-xlsx": msforms,
    "googleforms-csv": googleforms,
    "eusurvey-xlsx": eusurvey,
    "plain-csv": plain,
}


def codebook(export: Export, path: Path) -> Path:
    """The hand-written codebook of these answers, with what `export` needs (code headings as
    headers, numeric values as aliases)."""
    def strings(texts):
        return "[" + ", ".join(json.dumps(t) for t in texts) + "]"

    ids = {SHARES: "shares_data", RIGHTS: "ip_rights", REGION: "region", STAFF: "staff", COMMENTS: "comments",
           CONSENT: "consent_publish"}
    lines = ["[survey]", 'title = "Layouts test"',
             f"office_column = {strings([OFFICE, *export.headers.get('office', [])])}"]
    for q in QUESTIONS:
        lines += ["", "[[questions]]", f'id = "{ids[q]}"', f"headers = {strings([q, *export.headers.get(q, [])])}",
                  f'type = "{TYPES[q]}"']
        if q == CONSENT:
            lines.append('section = "consent"')
        options = [("yes", "Yes"), ("no", "No")] if TYPES[q] == "yes_no" else \
            [(o.split(",")[0].split()[0].lower(), o) for o in OPTIONS.get(q, [])]
        for code, label in options:
            alias = export.aliases.get((q, code if TYPES[q] == "yes_no" else label))
            if TYPES[q] == "yes_no" and alias is None:
                continue
            lines += ["", "[[questions.options]]", f'code = "{code}"', f"label = {json.dumps(label)}"]
            if alias is not None:
                lines.append(f"aliases = {strings([alias])}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def load_export(db: Path, export: Export, book: Path, rnd: str = "2025", layout: str | None = None,
                dry_run: bool = False):
    return load_file(LoadRequest("survey", export.path, export.path.name, rnd, book,
                                 options={"layout": layout} if layout else {}), db, dry_run=dry_run)


def test_the_answers_cover_what_the_layout_tests_need():
    counts = expected_counts()
    assert all(counts[(RIGHTS, o)] >= 1 for o in RIGHTS_OPTIONS)  # every option ticked by someone
    assert counts[(RIGHTS, MIXED)] == 2 and counts[(REGION, "Asia, Pacific")] == 1
    assert (counts[(RIGHTS, "base")], counts[(RIGHTS, "no_answer")]) == (4, 2)  # US blank, EP N/A
    assert (counts[(SHARES, "yes")], counts[(SHARES, "no")], counts[(SHARES, "no_answer")]) == (4, 1, 1)
    assert counts[(STAFF, "sum")] == 20 and counts[(COMMENTS, "text")] == 1


@pytest.mark.parametrize("name", list(EXPORTS))
def test_each_layout_is_recognised_and_loads_unchanged(empty_db, tmp_path, name):
    export = EXPORTS[name](tmp_path)
    book = codebook(export, tmp_path / "codebook.toml")
    result = load_export(empty_db, export, book)
    assert (result.status, result.rows, result.new_rows) == ("loaded", len(ANSWERS), len(ANSWERS))
    assert any(f"(layout '{export.layout}', detected)" in note for note in result.notes)
    assert loaded_counts(empty_db, "2025") == expected_counts()
    # Rows are named as in the file: the first response follows the layout's header rows.
    assert rows(empty_db, "SELECT office, source_row FROM survey_respondents ORDER BY source_row")[0] == \
        ("JP", export.header_rows + 1)
    # The tool's metadata columns are read by nobody: no answer holds a response id, date or IP address.
    assert rows(empty_db, "SELECT count(*) FROM survey_answers WHERE value_text LIKE '%192.0.2.%' "
                          "OR value_text LIKE 'R\\_%' ESCAPE '\\' OR value_text LIKE '2025%'") == [(0,)]


@pytest.mark.parametrize("name", ["qualtrics-text-csv", "surveymonkey-text-xlsx", "limesurvey-full-csv",
                                  "googleforms-csv", "plain-csv"])
def test_a_forced_layout_reads_the_same_and_is_stored_with_the_load(empty_db, tmp_path, name):
    export = EXPORTS[name](tmp_path)
    book = codebook(export, tmp_path / "codebook.toml")
    result = load_export(empty_db, export, book, layout=export.layout)
    assert any(f"(layout '{export.layout}', as asked)" in note for note in result.notes)
    assert loaded_counts(empty_db, "2025") == expected_counts()
    assert rows(empty_db, "SELECT options FROM load_options") == [(json.dumps({"layout": export.layout}),)]


def test_a_wrong_forced_layout_is_a_rejection_naming_the_columns(empty_db, tmp_path):
    export = qualtrics(tmp_path)
    book = codebook(export, tmp_path / "codebook.toml")
    with pytest.raises(LoadRejected) as err:
        load_export(empty_db, export, book, layout="plain")
    # Read as plain, Qualtrics' metadata is undeclared and its rows 2 and 3 are no offices.
    columns = {p.column for p in err.value.problems}
    assert {"StartDate", "ResponseId"} <= columns
    with pytest.raises(ValueError, match="unknown survey layout 'qualtricks'"):
        load_export(empty_db, export, book, layout="qualtricks")


@pytest.mark.parametrize("name", ["qualtrics-text-csv", "surveymonkey-text-xlsx", "limesurvey-full-csv",
                                  "msforms-xlsx"])
def test_a_header_that_matches_no_question_is_still_refused(empty_db, tmp_path, name):
    export = EXPORTS[name](tmp_path)
    book = codebook(export, tmp_path / "codebook.toml")
    text = book.read_text(encoding="utf-8")
    start = text.index('[[questions]]\nid = "region"')
    end = text.index('[[questions]]\nid = "staff"')
    book.write_text(text[:start] + text[end:], encoding="utf-8")  # the codebook forgets the region question
    with pytest.raises(LoadRejected) as err:
        load_export(empty_db, export, book)
    problem = err.value.problems[0]
    assert problem.row == 1 and "only columns that the codebook declares" in problem.expected
    assert problem.column in (REGION, "Q4")
    assert f"layout '{export.layout}'" in err.value.summary


def test_tool_answer_conventions_are_checked(empty_db, tmp_path):
    """In an option column, the option's own text ticks, No unticks, N/A is no answer; another
    option's text is refused, naming the row, the column and what a tick may be."""
    export = limesurvey(tmp_path, codes=False)
    book = codebook(export, tmp_path / "codebook.toml")
    text = export.path.read_text(encoding="utf-8").splitlines()
    text[2] = text[2].replace("Yes,No,No,No", "patents,No,No,trademarks")  # KR's row
    export.path.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(LoadRejected) as err:
        load_export(empty_db, export, book)
    [problem] = err.value.problems
    assert (problem.row, problem.column, problem.value) == (3, f"{RIGHTS} [legal status]", "trademarks")
    assert "the option's text 'legal status'" in problem.expected


def test_qualtrics_header_texts_and_ids_both_name_a_column(empty_db, tmp_path):
    export = qualtrics(tmp_path)
    book = codebook(export, tmp_path / "codebook.toml")
    text = book.read_text(encoding="utf-8")
    # Codebook headers as Qualtrics row 1 has them (the export tags), with row 2's suffix, or the text.
    text = text.replace(json.dumps([SHARES]), json.dumps(["Q2"])).replace(
        json.dumps([RIGHTS]), json.dumps([RIGHTS + " - Selected Choice"]))
    book.write_text(text, encoding="utf-8")
    load_export(empty_db, export, book)
    assert loaded_counts(empty_db, "2025") == expected_counts({SHARES: "Q2", RIGHTS: RIGHTS + " - Selected Choice"})


def test_a_layout_load_is_replayed_the_same_by_a_rebuild(empty_db, tmp_path):
    from loaders import build
    export = surveymonkey(tmp_path, numeric=True, ext=".csv")
    book = codebook(export, tmp_path / "codebook.toml")
    load_export(empty_db, export, book, layout="surveymonkey")
    before = loaded_counts(empty_db, "2025")
    build(empty_db, include_bundled=False)
    assert loaded_counts(empty_db, "2025") == before == expected_counts()


def test_cli_load_survey_takes_layout_and_reports_it(empty_db, tmp_path):
    import subprocess
    import sys

    from conftest import ROOT
    export = googleforms(tmp_path)
    book = codebook(export, tmp_path / "codebook.toml")
    base = [sys.executable, "-m", "loaders", "load", "survey", str(export.path), "--round", "2025",
            "--codebook", str(book), "--db", str(empty_db), "--dry-run"]
    ok = subprocess.run(base + ["--layout", "googleforms"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "note: read as a Google Forms export (layout 'googleforms', as asked)" in ok.stdout
    bad = subprocess.run(base + ["--layout", "typeform"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "invalid choice: 'typeform'" in bad.stderr
    rejected = subprocess.run(base + ["--layout", "qualtrics"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert rejected.returncode == 1 and "rejected:" in rejected.stderr


def test_qualtrics_multi_select_split_into_columns_reads_the_same(empty_db, tmp_path):
    """With 'Split multi-value fields into columns', each choice is a column headed in row 2
    'Question text - Choice' (the choice may itself hold ' - '), holding the choice's text or empty."""
    export = qualtrics(tmp_path)
    table = list(csv.reader(export.path.open(encoding="utf-8")))
    at = table[0].index("Q3")
    split = []
    for n, row in enumerate(table):
        if n == 0:
            cells = [f"Q3_{i}" for i in range(1, 5)]
        elif n == 1:
            cells = [f"{RIGHTS} - {o}" for o in RIGHTS_OPTIONS]
        elif n == 2:
            cells = [json.dumps({"ImportId": f"QID3_{i}"}) for i in range(1, 5)]
        else:
            chosen = row[at]
            cells = [o if chosen != NA and o in chosen else "" for o in RIGHTS_OPTIONS]
        split.append(row[:at] + cells + row[at + 1:])
    _write(split, export.path)
    book = codebook(export, tmp_path / "codebook.toml")
    load_export(empty_db, export, book)
    # EP's N/A and US's blank are both all-empty option columns: no answer, as before.
    assert loaded_counts(empty_db, "2025") == expected_counts()
