"""Survey exports, read through the round's codebook.

The codebook (TOML) declares every question: id, the header text(s) the export uses, type
(yes_no, single_choice, multiple_choice, number, free_text) and, for choice questions, the
options with canonical codes and labels. A new questionnaire needs a new codebook, no code.

Multiple choice arrives in either style: one column with the chosen options separated by
`;` or `,`, or one column per option headed `Question text [Option]` holding a tick
(Yes/1/x/TRUE/checked) or nothing. Options are matched by code, label or alias, ignoring
case; labels may themselves contain separators, so cells are matched greedily against the
known option texts, not split blindly.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .kinds import Prepared
from .problems import LoadRejected, Problem, ProblemList
from .readers import MAX_CELL_CHARS, normalise_header, stage_file

QUESTION_TYPES = ("yes_no", "single_choice", "multiple_choice", "number", "free_text")
TICKED = {"yes", "y", "1", "x", "true", "checked", "✓", "✔"}
NOT_TICKED = {"no", "n", "0", "false", "unchecked"}
SEPARATORS = ";,"
OPTION_HEADER_RE = re.compile(r"^(?P<question>.*?)\s*\[(?P<option>[^\[\]]*)\]\s*$")


@dataclass
class Option:
    code: str
    label: str
    category: str | None = None
    aliases: list[str] = field(default_factory=list)
    #: The label in other languages, from `label_<language> = "..."` keys (display only: answers are
    #: matched by code, label and aliases, never by a translation; nothing of it is stored).
    translations: dict[str, str] = field(default_factory=dict)

    def texts(self) -> list[str]:
        return [t for t in {self.code, self.label, *self.aliases} if t]


@dataclass
class Question:
    id: str
    headers: list[str]
    type: str
    section: str | None = None
    direction: str | None = None
    options: list[Option] = field(default_factory=list)

    def option_by_text(self) -> dict[str, Option]:
        return {normalise_header(t): o for o in self.options for t in o.texts()}


@dataclass
class Codebook:
    title: str
    fielded_from: str | None
    fielded_to: str | None
    office_columns: list[str]
    ignore_columns: list[str]
    questions: list[Question]

    @classmethod
    def from_file(cls, path: Path, display: str | None = None) -> "Codebook":
        display = display or Path(path).name
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise LoadRejected([Problem(display, None, None, None, f"a valid TOML codebook ({err})")])
        problems = ProblemList()
        survey = data.get("survey", {})
        office_columns = survey.get("office_column") or []
        if isinstance(office_columns, str):
            office_columns = [office_columns]
        if not office_columns:
            problems.add(display, None, "survey.office_column", None, "the header(s) of the office code column")
        questions, seen = [], set()
        for i, q in enumerate(data.get("questions", []), start=1):
            qid = str(q.get("id", "")).strip()
            where = f"questions[{i}]" + (f" ({qid})" if qid else "")
            if not qid:
                problems.add(display, None, where, None, "an id")
            elif qid in seen:
                problems.add(display, None, where, qid, "a unique question id")
            seen.add(qid)
            headers = q.get("headers") or ([q["header"]] if q.get("header") else [])
            if not headers:
                problems.add(display, None, where, None, "headers = [\"the export's column header\"]")
            qtype = q.get("type")
            if qtype not in QUESTION_TYPES:
                problems.add(display, None, where, str(qtype), "type one of " + ", ".join(QUESTION_TYPES))
            options = []
            codes = set()
            for o in q.get("options", []):
                code = str(o.get("code", "")).strip()
                if not code or code in codes:
                    problems.add(display, None, where, code, "options with unique, non-empty codes")
                codes.add(code)
                options.append(Option(code, str(o.get("label", code)), o.get("category"),
                                      [str(a) for a in o.get("aliases", [])],
                                      {k[len("label_"):]: str(v) for k, v in o.items()
                                       if k.startswith("label_") and str(v).strip()}))
            if qtype in ("single_choice", "multiple_choice") and not options:
                problems.add(display, None, where, None, "options for a choice question")
            questions.append(Question(qid, [str(h) for h in headers], str(qtype), q.get("section"),
                                      q.get("direction"), options))
        if not questions:
            problems.add(display, None, "questions", None, "at least one [[questions]] table")
        problems.raise_if_any()
        return cls(str(survey.get("title", "")), survey.get("fielded_from"), survey.get("fielded_to"),
                   [str(c) for c in office_columns], [str(c) for c in survey.get("ignore_columns", [])],
                   questions)


def parse_multiple_choice(cell: str, question: Question) -> tuple[list[str], list[str]]:
    """Return (option codes, unknown fragments) for a one-column multiple-choice cell."""
    texts = sorted(((normalise_header(t), o.code) for o in question.options for t in o.texts()),
                   key=lambda pair: len(pair[0]), reverse=True)
    rest = normalise_header(cell)
    chosen: list[str] = []
    unknown: list[str] = []
    while True:
        rest = rest.lstrip(SEPARATORS + " ")
        if not rest:
            break
        for text, code in texts:
            if rest.startswith(text) and (len(rest) == len(text) or rest[len(text)] in SEPARATORS + " "):
                tail = rest[len(text):].lstrip(" ")
                if not tail or tail[0] in SEPARATORS:
                    if code not in chosen:
                        chosen.append(code)
                    rest = tail
                    break
        else:
            cut = min([i for i in (rest.find(";"), rest.find(",")) if i >= 0], default=len(rest))
            unknown.append(rest[:cut].strip())
            rest = rest[cut:]
    return chosen, unknown


class SurveyHandler:
    def validate(self, scratch, request) -> Prepared:
        codebook_name = Path(request.codebook).name
        codebook = Codebook.from_file(Path(request.codebook), codebook_name)
        staged = stage_file(scratch, str(request.path), request.display, "staging")
        display = request.display
        problems = ProblemList()
        headers = staged.columns
        by_norm = {normalise_header(h): h for h in headers}
        used: set[str] = set()

        office_header = next((by_norm[normalise_header(c)] for c in codebook.office_columns
                              if normalise_header(c) in by_norm), None)
        if office_header is None:
            problems.add(display, 1, codebook.office_columns[0], None,
                         "a column with the office's ST.3 code, headed " +
                         " or ".join(repr(c) for c in codebook.office_columns))
        else:
            used.add(office_header)

        # question -> ("single", header) or ("per_option", {option_code: header})
        layout: dict[str, tuple[str, object]] = {}
        option_columns: dict[str, list[tuple[str, str]]] = {}
        for h in headers:
            m = OPTION_HEADER_RE.match(h.replace("\ufeff", ""))
            if m:
                option_columns.setdefault(normalise_header(m["question"]), []).append((m["option"], h))
        for q in codebook.questions:
            names = [normalise_header(t) for t in q.headers]
            single = next((by_norm[n] for n in names if n in by_norm), None)
            if single is not None:
                layout[q.id] = ("single", single)
                used.add(single)
                continue
            per_option = [pair for n in names for pair in option_columns.get(n, [])]
            if q.type == "multiple_choice" and per_option:
                lookup = q.option_by_text()
                mapping: dict[str, str] = {}
                for option_text, header in per_option:
                    option = lookup.get(normalise_header(option_text))
                    if option is None:
                        problems.add(display, 1, header, option_text,
                                     f"an option of question '{q.id}': " +
                                     ", ".join(o.label for o in q.options))
                    else:
                        mapping[option.code] = header
                    used.add(header)
                for o in q.options:
                    if o.code not in mapping:
                        problems.add(display, 1, f"{q.headers[0]} [{o.label}]", None,
                                     f"a column for option '{o.label}' of question '{q.id}' "
                                     "(one column per option in this layout)")
                layout[q.id] = ("per_option", mapping)
                continue
            problems.add(display, 1, q.headers[0], None,
                         f"a column for question '{q.id}' headed " + " or ".join(repr(t) for t in q.headers))
        ignored = {normalise_header(c) for c in codebook.ignore_columns}
        for h in headers:
            if h not in used and normalise_header(h) not in ignored:
                problems.add(display, 1, h, h, "only columns that the codebook declares "
                             f"({codebook_name}); add it to ignore_columns if it should be skipped")
        problems.raise_if_any()

        offices = {r[0] for r in scratch.execute("SELECT code FROM nxt.offices").fetchall()}
        names = [office_header] + sorted({h for kind, v in layout.values()
                                          for h in ([v] if kind == "single" else v.values())})
        col_index = {h: i for i, h in enumerate(names)}
        select = ", ".join('"' + n.replace('"', '""') + '"' for n in names)
        rows = scratch.execute(f"SELECT _row, {select} FROM staging ORDER BY _row").fetchall()

        answers: list[tuple] = []
        respondents: list[tuple] = []
        seen_offices: dict[str, int] = {}
        for record in rows:
            row_no = record[0]
            cells = {h: (record[1 + col_index[h]] or "").strip() for h in names}
            for h, v in cells.items():
                if len(v) > MAX_CELL_CHARS:
                    problems.add(display, row_no, h, v[:60] + "...", f"a value of at most {MAX_CELL_CHARS} characters")
            office = cells[office_header]
            if not office:
                problems.add(display, row_no, office_header, "", "the office's ST.3 code (required)")
                continue
            if office not in offices:
                expected = ("an upper-case WIPO ST.3 office code (e.g. 'JP', not 'jp')" if office.upper() in offices
                            else "a known WIPO ST.3 office code (listed in data/reference/offices.csv)")
                problems.add(display, row_no, office_header, office, expected)
                continue
            if office in seen_offices:
                problems.add(display, row_no, office_header, office,
                             f"one row per office; row {seen_offices[office]} is the same office")
                continue
            seen_offices[office] = row_no
            respondents.append((office, row_no))
            for q in codebook.questions:
                kind, where = layout[q.id]
                answers.extend(self._answers(q, kind, where, cells, office, row_no, display, problems))
        problems.raise_if_any()

        scratch.execute("CREATE OR REPLACE TEMP TABLE clean_answers (office VARCHAR, question_id VARCHAR, "
                        "option_code VARCHAR, status VARCHAR, value_text VARCHAR, value_num DOUBLE)")
        if answers:
            scratch.executemany("INSERT INTO clean_answers VALUES (?, ?, ?, ?, ?, ?)", answers)
        scratch.execute("CREATE OR REPLACE TEMP TABLE clean_respondents (office VARCHAR, source_row INTEGER)")
        scratch.executemany("INSERT INTO clean_respondents VALUES (?, ?)", respondents)
        self.codebook = codebook
        return Prepared("clean_answers", len(respondents))

    @staticmethod
    def _answers(q: Question, kind, where, cells, office, row_no, display, problems):
        out = []
        if kind == "per_option":
            values = {code: cells[h].casefold() for code, h in where.items()}
            if all(v == "" for v in values.values()):
                return [(office, q.id, o.code, "no_answer", None, None) for o in q.options]
            for o in q.options:
                v = values[o.code]
                if v in TICKED:
                    out.append((office, q.id, o.code, "answered", "yes", None))
                elif v == "" or v in NOT_TICKED:
                    out.append((office, q.id, o.code, "answered", "no", None))
                else:
                    problems.add(display, row_no, where[o.code], cells[where[o.code]],
                                 "a tick (Yes, 1, x, TRUE, checked) or an empty cell")
            return out
        cell = cells[where]
        if q.type == "multiple_choice":
            if not cell:
                return [(office, q.id, o.code, "no_answer", None, None) for o in q.options]
            chosen, unknown = parse_multiple_choice(cell, q)
            for fragment in unknown:
                problems.add(display, row_no, where, fragment,
                             f"options of question '{q.id}' separated by ';' or ',': " +
                             "; ".join(o.label for o in q.options))
            return [(office, q.id, o.code, "answered", "yes" if o.code in chosen else "no", None)
                    for o in q.options]
        if not cell:
            return [(office, q.id, None, "no_answer", None, None)]
        if q.type == "yes_no":
            v = cell.casefold()
            if v in TICKED:
                return [(office, q.id, None, "answered", "yes", None)]
            if v in NOT_TICKED:
                return [(office, q.id, None, "answered", "no", None)]
            problems.add(display, row_no, where, cell, "Yes or No (or an empty cell for no answer)")
            return []
        if q.type == "single_choice":
            option = q.option_by_text().get(normalise_header(cell))
            if option is None:
                problems.add(display, row_no, where, cell,
                             "one of " + ", ".join(o.label for o in q.options))
                return []
            return [(office, q.id, option.code, "answered", option.code, None)]
        if q.type == "number":
            try:
                number = float(cell.replace(" ", ""))
            except ValueError:
                problems.add(display, row_no, where, cell, "a number")
                return []
            return [(office, q.id, None, "answered", None, number)]
        return [(office, q.id, None, "answered", cell, None)]

    def apply(self, scratch, request, prepared: Prepared, seq: int) -> dict:
        rnd = request.round
        cb = self.codebook
        before = scratch.execute(
            "SELECT office, list(question_id || '|' || coalesce(option_code, '') || '|' || status || '|' || "
            "coalesce(value_text, '') || '|' || coalesce(CAST(value_num AS VARCHAR), '') ORDER BY question_id, option_code) "
            "FROM nxt.survey_answers WHERE round = $r GROUP BY office", {"r": rnd}).fetchall()
        after = scratch.execute(
            "SELECT office, list(question_id || '|' || coalesce(option_code, '') || '|' || status || '|' || "
            "coalesce(value_text, '') || '|' || coalesce(CAST(value_num AS VARCHAR), '') ORDER BY question_id, option_code) "
            "FROM clean_answers GROUP BY office").fetchall()
        old, new = dict(before), dict(after)
        counts = {"rows": len(new), "new": sum(1 for o in new if o not in old),
                  "corrected": sum(1 for o in new if o in old and old[o] != new[o]),
                  "unchanged": sum(1 for o in new if o in old and old[o] == new[o]),
                  "notes": []}
        dropped = sorted(set(old) - set(new))
        if dropped:
            counts["notes"].append("offices no longer in this round (the new file replaces the round): "
                                   + ", ".join(dropped))
        for table in ("survey_answers", "survey_respondents", "survey_options", "survey_questions", "survey_rounds"):
            scratch.execute(f"DELETE FROM nxt.{table} WHERE round = $r", {"r": rnd})
        scratch.execute("INSERT INTO nxt.survey_rounds VALUES ($r, $t, $f, $to, $cb, $seq, $b)",
                        {"r": rnd, "t": cb.title, "f": cb.fielded_from, "to": cb.fielded_to,
                         "cb": None, "seq": seq, "b": request.bundled})
        scratch.executemany("INSERT INTO nxt.survey_questions VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [(rnd, q.id, i, q.type, q.headers[0], q.section, q.direction)
                             for i, q in enumerate(cb.questions)])
        options = [(rnd, q.id, o.code, j, o.label, o.category)
                   for q in cb.questions for j, o in enumerate(q.options)]
        if options:
            scratch.executemany("INSERT INTO nxt.survey_options VALUES (?, ?, ?, ?, ?, ?)", options)
        scratch.execute("INSERT INTO nxt.survey_respondents SELECT $r, office, source_row FROM clean_respondents",
                        {"r": rnd})
        scratch.execute("INSERT INTO nxt.survey_answers SELECT $r, office, question_id, option_code, status, "
                        "value_text, value_num FROM clean_answers", {"r": rnd})
        return counts
