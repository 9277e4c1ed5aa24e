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

import datetime
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .checks import date_bounds, date_range_text
from .kinds import Prepared, sheet_summary
from .layouts import NO_ANSWER_TEXTS, choose, plain_column
from .problems import LoadRejected, Problem, ProblemList
from .readers import MAX_CELL_CHARS, normalise_header, stage_file
from .sink import insert_rows

QUESTION_TYPES = ("yes_no", "single_choice", "multiple_choice", "number", "free_text")
TICKED = {"yes", "y", "1", "x", "true", "checked", "✓", "✔"}
NOT_TICKED = {"no", "n", "0", "false", "unchecked"}
SEPARATORS = ";,"
#: The option codes a yes/no question may declare (their label and aliases are the export's texts).
YES_NO_CODES = ("yes", "no")


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
    def from_file(cls, path: Path, display: str | None = None) -> Codebook:
        display = display or Path(path).name
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as err:
            raise LoadRejected([Problem(display, None, None, None, f"a valid TOML codebook ({err})")]) from err
        problems = ProblemList()
        check = _KeyChecker(display, problems)
        check.known_keys(data, "", TOP_KEYS)
        survey = check.table(data, "survey", "")
        check.known_keys(survey, "survey.", SURVEY_KEYS)
        office_columns = [c for c in check.texts(survey, "office_column", "survey.office_column") if c.strip()]
        if not office_columns:
            problems.add(display, None, "survey.office_column", None, "the header(s) of the office code column")
        title = check.text(survey, "title", "survey.title") or ""
        fielded = {key: check.date(survey, key, f"survey.{key}") for key in ("fielded_from", "fielded_to")}
        if fielded["fielded_from"] and fielded["fielded_to"] and fielded["fielded_to"] < fielded["fielded_from"]:
            problems.add(display, None, "survey.fielded_to", fielded["fielded_to"].isoformat(),
                         "a date on or after survey.fielded_from")
        ignore_columns = check.texts(survey, "ignore_columns", "survey.ignore_columns")
        questions, seen = [], set()
        question_tables = check.tables(data, "questions", "questions", "questions")
        for i, q in enumerate(question_tables or [], start=1):
            raw_id = q.get("id", "")
            qid = raw_id.strip() if isinstance(raw_id, str) else ""
            where = f"questions[{i}]" + (f" ({qid})" if qid else "")
            check.known_keys(q, f"{where}.", QUESTION_KEYS)
            if not isinstance(raw_id, str):
                problems.add(display, None, f"{where}.id", repr(raw_id), "an id (a text)")
            elif not qid:
                problems.add(display, None, f"{where}.id", None, "an id")
            elif qid in seen:
                problems.add(display, None, f"{where}.id", qid, "a unique question id")
            seen.add(qid)
            before = problems.total
            headers = [h for h in check.texts(q, "headers", f"{where}.headers") if h.strip()]
            header = check.text(q, "header", f"{where}.header")
            if not headers and header and header.strip():
                headers = [header]
            if not headers and problems.total == before:  # absent, or only empty texts
                problems.add(display, None, f"{where}.headers", None, "headers = [\"the export's column header\"]")
            qtype = q.get("type")
            if qtype not in QUESTION_TYPES:
                problems.add(display, None, f"{where}.type", _shown(qtype) if qtype is not None else None,
                             "type one of " + ", ".join(QUESTION_TYPES))
            section = check.text(q, "section", f"{where}.section")
            direction = check.text(q, "direction", f"{where}.direction")
            options = []
            codes = set()
            option_tables = check.tables(q, "options", f"{where}.options", "questions.options")
            for j, o in enumerate(option_tables or [], start=1):
                owhere = f"{where}.options[{j}]"
                check.known_keys(o, f"{owhere}.", OPTION_KEYS, prefixes=("label_",))
                code = (check.text(o, "code", f"{owhere}.code") or "").strip()
                if not code or code in codes:
                    problems.add(display, None, f"{owhere}.code", code, "options with unique, non-empty codes")
                codes.add(code)
                label = check.text(o, "label", f"{owhere}.label")
                translations = {k[len("label_"):]: v for k in o if k.startswith("label_")
                                if (v := check.text(o, k, f"{owhere}.{k}")) and v.strip()}
                options.append(Option(code, label if label is not None else code,
                                      check.text(o, "category", f"{owhere}.category"),
                                      check.texts(o, "aliases", f"{owhere}.aliases"), translations))
            if qtype == "yes_no":
                for j, o in enumerate(options, start=1):
                    if o.code not in YES_NO_CODES:
                        problems.add(display, None, f"{where}.options[{j}].code", o.code,
                                     "yes or no: the options of a yes/no question say which texts of the "
                                     "export mean yes and no (e.g. aliases = [\"1\"] for a numeric export)")
            if qtype in ("single_choice", "multiple_choice") and not options and option_tables is not None:
                problems.add(display, None, f"{where}.options", None, "options for a choice question")
            questions.append(Question(qid, headers, str(qtype), section, direction, options))
        if not questions and question_tables is not None:
            problems.add(display, None, "questions", None, "at least one [[questions]] table")
        problems.raise_if_any()
        return cls(title, *(d.isoformat() if d else None for d in fielded.values()),
                   office_columns, ignore_columns, questions)


TOP_KEYS = ("survey", "questions")
SURVEY_KEYS = ("title", "office_column", "fielded_from", "fielded_to", "ignore_columns")
QUESTION_KEYS = ("id", "headers", "header", "type", "section", "direction", "options")
OPTION_KEYS = ("code", "label", "category", "aliases")


class _KeyChecker:
    """Reads codebook keys by type: a key of the wrong type is a problem naming the key (its
    path, e.g. 'questions[3] (ip_rights).options') and the type expected, never a traceback."""

    def __init__(self, display: str, problems: ProblemList):
        self.display, self.problems = display, problems

    def _wrong(self, where: str, value, expected: str) -> None:
        self.problems.add(self.display, None, where, _shown(value), expected)

    def known_keys(self, table: dict, prefix: str, known: tuple[str, ...], prefixes: tuple[str, ...] = ()) -> None:
        for key in table:
            if key not in known and not key.startswith(prefixes):
                self.problems.add(self.display, None, f"{prefix}{key}", None,
                                  "only known keys (" + ", ".join(known + tuple(p + "<language>" for p in prefixes))
                                  + "); an unknown key is refused rather than ignored (a misspelt key)")

    def table(self, data: dict, key: str, prefix: str) -> dict:
        value = data.get(key, {})
        if isinstance(value, dict):
            return value
        self._wrong(prefix + key, value, f"a [{key}] table")
        return {}

    def tables(self, data: dict, key: str, where: str, header: str) -> list[dict] | None:
        """The array of tables `key` ([[header]] in TOML), or None (reported) when it is another type."""
        value = data.get(key, [])
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            return value
        self._wrong(where, value, f"a list of [[{header}]] tables")
        return None

    def text(self, data: dict, key: str, where: str) -> str | None:
        value = data.get(key)
        if value is None or isinstance(value, str):
            return value
        self._wrong(where, value, "a text in quotes")
        return None

    def texts(self, data: dict, key: str, where: str) -> list[str]:
        """A text or a list of texts (a single text stands for a list of one where that reads
        naturally: office_column)."""
        value = data.get(key)
        if value is None:
            return []
        if isinstance(value, str) and key == "office_column":
            return [value]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        self._wrong(where, value, "a list of texts in quotes, e.g. [\"...\"]" +
                    (" (or one text)" if key == "office_column" else ""))
        return []

    def date(self, data: dict, key: str, where: str):
        value = data.get(key)
        if value is None:
            return None
        parsed = None
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            parsed = value
        elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            try:
                parsed = datetime.date.fromisoformat(value.strip())
            except ValueError:
                parsed = None
        if parsed is None:
            self._wrong(where, value, "a date as YYYY-MM-DD (ISO 8601, e.g. 2026-03-31)")
            return None
        low, high = date_bounds()
        if not low <= parsed <= high:
            self._wrong(where, value, date_range_text(low, high) +
                        " (the bounds are set by IPDX_DATE_MIN and IPDX_DATE_MAX)")
            return None
        return parsed


def _shown(value) -> str:
    return value if isinstance(value, str) else repr(value)


def _is_own_text(value: str, option: Option, column) -> bool:
    """Whether an option column's cell (case-folded) is the option's own text, as survey tools
    write a ticked option: its code, label or alias, the option text of the column's header, or
    the column's number among the question's option columns (SurveyMonkey's numeric export)."""
    own = {normalise_header(t) for t in option.texts()}
    own |= {normalise_header(o) for _, o in column.option_of}
    if column.position:
        own.add(str(column.position))
    return normalise_header(value) in own


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


def codebook_label_rows(round_name: str, codebook: Codebook) -> list[tuple]:
    """The codebook's option labels in other languages, as rows of `codebook_labels`: (round,
    section, direction or '', option code, language, label). Where two questions of a section
    and direction share an option code, the later question's labels are the ones kept."""
    by_option: dict[tuple[str, str, str], dict[str, str]] = {}
    for question in codebook.questions:
        if question.section is None:
            continue
        for option in question.options:
            if option.translations:
                by_option[(question.section, question.direction or "", option.code)] = option.translations
    return [(round_name, section, direction, code, lang, label)
            for (section, direction, code), translations in by_option.items() for lang, label in translations.items()]


@dataclass
class PreparedSurvey(Prepared):
    """A validated survey file (its answers in the temp tables clean_answers and
    clean_respondents) with the codebook that read it and how its layout was read."""
    codebook: Codebook | None = None
    reading_note: str = ""


def _columns(scratch, table: str) -> list[str]:
    """The columns of the snapshot's `table`, in order (rows are given in that order)."""
    return [r[0] for r in scratch.execute("SELECT column_name FROM information_schema.columns WHERE "
                                          "table_catalog = 'nxt' AND table_name = $t ORDER BY ordinal_position",
                                          {"t": table}).fetchall()]


#: The typed answer and respondent rows of a survey file, staged before they are applied.
ANSWER_COLUMNS = [("office", "VARCHAR"), ("question_id", "VARCHAR"), ("option_code", "VARCHAR"),
                  ("status", "VARCHAR"), ("value_text", "VARCHAR"), ("value_num", "DOUBLE")]
RESPONDENT_COLUMNS = [("office", "VARCHAR"), ("source_row", "INTEGER")]


class SurveyHandler:
    def validate(self, scratch, request) -> PreparedSurvey:
        codebook_name = Path(request.codebook).name
        codebook = Codebook.from_file(Path(request.codebook), codebook_name)
        options = request.options or {}
        reading = choose(str(request.path), request.display, options.get("sheet"), options.get("layout"))
        tool = reading.layout.tool_conventions
        staged = stage_file(scratch, str(request.path), request.display, "staging", sheet=options.get("sheet"),
                            header=[c.header for c in reading.columns] if reading.columns else None,
                            header_rows=reading.layout.header_rows)
        summary = ", ".join(filter(None, [sheet_summary(staged),
                                          "" if reading.layout.name == "plain" else reading.note()]))
        display = request.display
        problems = ProblemList()
        columns = reading.columns or [plain_column(h) for h in staged.columns]
        by_header = {c.header: c for c in columns}
        by_norm: dict[str, str] = {}
        for c in columns:
            for name in c.names:
                by_norm.setdefault(normalise_header(name), c.header)
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
        for q in codebook.questions:  # whole-question columns first: they are no option's column
            single = next((by_norm[n] for n in (normalise_header(t) for t in q.headers) if n in by_norm), None)
            if single is not None and single not in used:
                layout[q.id] = ("single", single)
                used.add(single)
        option_columns: dict[str, list[tuple[str, str]]] = {}
        for c in columns:
            if c.header not in used:
                for question, option in c.option_of:
                    option_columns.setdefault(normalise_header(question), []).append((option, c.header))
        for q in codebook.questions:
            if q.id in layout:
                continue
            names = [normalise_header(t) for t in q.headers]
            per_option = [pair for n in names for pair in option_columns.get(n, []) if pair[1] not in used]
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
        for c in columns:
            h = c.header
            if h not in used and not c.metadata and not ignored & {normalise_header(n) for n in c.names}:
                problems.add(display, 1, h, h, "only columns that the codebook declares "
                             f"({codebook_name}); add it to ignore_columns if it should be skipped")
        problems.raise_if_any(summary)

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
            if tool:  # the tools' "no answer" is an empty cell
                cells = {h: "" if v.casefold() in NO_ANSWER_TEXTS else v for h, v in cells.items()}
            for q in codebook.questions:
                kind, where = layout[q.id]
                answers.extend(self._answers(q, kind, where, cells, office, row_no, display, problems,
                                             by_header if tool else None))
        problems.raise_if_any(summary)

        for table, columns, values in (("clean_answers", ANSWER_COLUMNS, answers),
                                       ("clean_respondents", RESPONDENT_COLUMNS, respondents)):
            scratch.execute(f"CREATE OR REPLACE TEMP TABLE {table} ({', '.join(f'{c} {t}' for c, t in columns)})")
            insert_rows(scratch, table, [c for c, _ in columns], values)
        return PreparedSurvey("clean_answers", len(respondents), staged.sheet, codebook, reading.note())

    @staticmethod
    def _answers(q: Question, kind, where, cells, office, row_no, display, problems, tool_columns=None):
        """The answer rows of question `q` in one response. `tool_columns` (the columns by header,
        for a survey tool's layout): an option column holding its option's own text is ticked."""
        out = []
        if kind == "per_option":
            values = {code: cells[h].casefold() for code, h in where.items()}
            if all(v == "" for v in values.values()):
                return [(office, q.id, o.code, "no_answer", None, None) for o in q.options]
            for o in q.options:
                v = values[o.code]
                if v in TICKED or (tool_columns is not None and _is_own_text(v, o, tool_columns[where[o.code]])):
                    out.append((office, q.id, o.code, "answered", "yes", None))
                elif v == "" or v in NOT_TICKED:
                    out.append((office, q.id, o.code, "answered", "no", None))
                elif tool_columns is not None:
                    problems.add(display, row_no, where[o.code], cells[where[o.code]],
                                 f"a tick (the option's text '{o.label}', Yes, 1, x, TRUE, checked), "
                                 "No, N/A or an empty cell")
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
            declared = q.option_by_text().get(normalise_header(cell))
            if declared is not None:
                return [(office, q.id, None, "answered", declared.code, None)]
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
                number = None
            if number is None or not math.isfinite(number):
                problems.add(display, row_no, where, cell, "a number (finite: not NaN or infinity)")
                return []
            return [(office, q.id, None, "answered", None, number)]
        return [(office, q.id, None, "answered", cell, None)]

    def apply(self, scratch, request, prepared: PreparedSurvey, seq: int) -> dict:
        rnd = request.round
        cb = prepared.codebook
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
                  "notes": [prepared.reading_note]}
        dropped = sorted(set(old) - set(new))
        if dropped:
            counts["notes"].append("offices no longer in this round (the new file replaces the round): "
                                   + ", ".join(dropped))
        for table in ("survey_answers", "survey_respondents", "survey_options", "survey_questions", "survey_rounds",
                      "codebook_labels"):
            scratch.execute(f"DELETE FROM nxt.{table} WHERE round = $r", {"r": rnd})
        scratch.execute("INSERT INTO nxt.survey_rounds VALUES ($r, $t, $f, $to, $cb, $seq, $b)",
                        {"r": rnd, "t": cb.title, "f": cb.fielded_from, "to": cb.fielded_to,
                         "cb": None, "seq": seq, "b": request.bundled})
        insert_rows(scratch, "nxt.survey_questions", _columns(scratch, "survey_questions"),
                    [(rnd, q.id, i, q.type, q.headers[0], q.section, q.direction) for i, q in enumerate(cb.questions)])
        # A yes/no question's options only say how the export spells yes and no: not stored.
        options = [(rnd, q.id, o.code, j, o.label, o.category)
                   for q in cb.questions if q.type != "yes_no" for j, o in enumerate(q.options)]
        insert_rows(scratch, "nxt.survey_options", _columns(scratch, "survey_options"), options)
        insert_rows(scratch, "nxt.codebook_labels", _columns(scratch, "codebook_labels"),
                    codebook_label_rows(rnd, cb))
        scratch.execute("INSERT INTO nxt.survey_respondents SELECT $r, office, source_row FROM clean_respondents",
                        {"r": rnd})
        scratch.execute("INSERT INTO nxt.survey_answers SELECT $r, office, question_id, option_code, status, "
                        "value_text, value_num FROM clean_answers", {"r": rnd})
        return counts
