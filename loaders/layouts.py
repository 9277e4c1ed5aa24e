"""The layouts survey tools write their exports in, so that an export is read as the tool wrote it.

A layout knows how many header rows the tool writes and how to turn them into one name per
column, which texts of a header a codebook may use to name the column (Qualtrics: the question
id of row 1 or the question text of row 2), which columns are per-option columns of a multiple
choice question, and which columns are the tool's own metadata (dates, IP addresses, response
ids): those are never read, so a codebook need not list them (the raw file is archived whole).

Answer conventions of the tools (all but the plain layout, whose rules are docs/input-formats.md): "N/A"
is no answer like an empty cell, "No" in an option column is an unticked option, and an option
column holding the option's own text (or, in SurveyMonkey's numeric export, its number) is ticked.

Detection looks only at the header rows and picks a tool's layout only on its own signature
(Qualtrics' ImportId row, SurveyMonkey's Respondent ID and Collector ID, ...); anything else is
read as the plain layout. `--layout NAME` (the load option `layout`) forces one.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .problems import LoadRejected
from .readers import normalise_header, read_head

OPTION_HEADER_RE = re.compile(r"^(?P<question>.*?)\s*\[(?P<option>[^\[\]]*)\]\s*$")
#: "Q02[SQ001]. Which IP rights ...? [patents]": LimeSurvey's "question code & question text" headings.
LIMESURVEY_CODE_AND_TEXT_RE = re.compile(r"^(?P<code>[A-Za-z][A-Za-z0-9_]*(?:\[[^\[\]]*\])*)\.\s+(?P<text>.+)$")
#: Answers that mean "no answer" in the tools' exports (LimeSurvey writes N/A for a question not answered).
NO_ANSWER_TEXTS = frozenset({"n/a"})
#: The suffix Qualtrics adds to a choice question's text in row 2 when the question has a text entry.
QUALTRICS_CHOICE_SUFFIX = " - Selected Choice"
HEAD_ROWS = 3
#: SurveyMonkey's row 2 under a column that holds a question's whole answer.
SURVEYMONKEY_WHOLE_ANSWER = ("Response", "Open-Ended Response")


@dataclass(frozen=True)
class Column:
    header: str  # the column's name as staged and as problems name it (unique in the file)
    names: tuple[str, ...]  # texts a codebook's question headers may use for this column
    #: (question text, option text) pairs under which this column is one option of a question.
    option_of: tuple[tuple[str, str], ...] = ()
    #: 1-based place of the column among its question's option columns (SurveyMonkey), else 0.
    position: int = 0
    metadata: bool = False


@dataclass(frozen=True)
class Layout:
    name: str
    title: str
    header_rows: int = 1
    metadata: tuple[str, ...] = ()
    metadata_re: str | None = None
    #: Whether the tools' answer conventions apply (see the module docstring); not in the plain layout.
    tool_conventions: bool = True

    def is_metadata(self, name: str) -> bool:
        key = normalise_header(name)
        return key in {normalise_header(m) for m in self.metadata} or bool(
            self.metadata_re and re.fullmatch(self.metadata_re, key))

    def columns(self, head: list[list[str]]) -> list[Column]:
        return [plain_column(h, self.is_metadata(h)) for h in head[0]]


def plain_column(header: str, metadata: bool = False) -> Column:
    """A column named by its one header; "Question [Option]" makes it an option's column."""
    m = OPTION_HEADER_RE.match(header.replace("\ufeff", ""))
    return Column(header, (header,), ((m["question"], m["option"]),) if m else (), 0, metadata)


class _Qualtrics(Layout):
    def columns(self, head):
        ids, texts = head[0], head[1] if len(head) > 1 else []
        out = []
        for i, name in enumerate(ids):
            text = texts[i].strip() if i < len(texts) else ""
            names = [name]
            option_of = []
            if text:
                if text.endswith(QUALTRICS_CHOICE_SUFFIX):
                    names.append(text[:-len(QUALTRICS_CHOICE_SUFFIX)])
                names.append(text)
                # A multi-select split into one column per choice: "Question text - Choice"
                # (the question text may itself hold " - ": every cut is a candidate).
                for cut in (m.start() for m in re.finditer(" - ", text)):
                    option_of.append((text[:cut], text[cut + 3:]))
            out.append(Column(name, tuple(dict.fromkeys(names)), tuple(option_of), 0, self.is_metadata(name)))
        return out


class _SurveyMonkey(Layout):
    def columns(self, head):
        top, sub = head[0], head[1] if len(head) > 1 else []
        width = max(len(top), len(sub))
        top = top + [""] * (width - len(top))
        sub = sub + [""] * (width - len(sub))
        groups: list[list[int]] = []
        for i in range(width):
            if top[i].strip() or not groups:
                groups.append([i])
            else:
                groups[-1].append(i)
        out: list[Column | None] = [None] * width
        for group in groups:
            question = top[group[0]].strip()
            for place, i in enumerate(group, start=1):
                label = sub[i].strip()
                if self.is_metadata(question) and len(group) == 1:
                    out[i] = Column(question, (question,), (), 0, True)
                elif label in SURVEYMONKEY_WHOLE_ANSWER or (not label and len(group) == 1):
                    # The question's own answer; a group's other columns are its options, or
                    # its "Other (please specify)" text.
                    out[i] = Column(question, (question,))
                else:
                    header = f"{question} [{label}]"
                    out[i] = Column(header, (header,), ((question, label),), place)
        return out


class _LimeSurvey(Layout):
    def columns(self, head):
        out = []
        for h in head[0]:
            column = plain_column(h, self.is_metadata(h))
            m = LIMESURVEY_CODE_AND_TEXT_RE.match(h.strip())
            if m:  # both the code and the text name the column
                code, text = plain_column(m["code"]), plain_column(m["text"])
                column = Column(h, (h, m["code"], m["text"]), code.option_of + text.option_of, 0, column.metadata)
            out.append(column)
        return out


PLAIN = Layout("plain", "plain (one header row, as docs/input-formats.md describes)", tool_conventions=False)
LAYOUTS: dict[str, Layout] = {layout.name: layout for layout in (
    _Qualtrics("qualtrics", "Qualtrics", header_rows=3, metadata=(
        "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
        "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail",
        "ExternalReference", "LocationLatitude", "LocationLongitude", "DistributionChannel", "UserLanguage"),
        # Qualtrics' own fields (fraud and duplicate detection, ...) are named Q_ and a capital.
        metadata_re=r"q_[a-z]+"),
    _SurveyMonkey("surveymonkey", "SurveyMonkey", header_rows=2, metadata=(
        "Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
        "First Name", "Last Name"), metadata_re=r"custom data \d+"),
    _LimeSurvey("limesurvey", "LimeSurvey", metadata=(
        "id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp", "ipaddr",
        "refurl", "token", "Response ID", "Date submitted", "Last page", "Start language", "Seed",
        "Date started", "Date last action", "IP address", "Referrer URL", "Token")),
    Layout("msforms", "Microsoft Forms", metadata=(
        "ID", "Start time", "Completion time", "Email", "Name", "Last modified time", "Total points",
        "Quiz feedback")),
    Layout("googleforms", "Google Forms", metadata=("Timestamp", "Email Address", "Score")),
    Layout("eusurvey", "EUSurvey", metadata=(
        "Contribution ID", "User name", "Invitation number", "Creation date", "Last update", "Languages",
        "Created", "Updated")),
    PLAIN)}
LAYOUT_NAMES = tuple(LAYOUTS)


def _keys(row: list[str]) -> set[str]:
    return {normalise_header(c) for c in row if c.strip()}


def detect(head: list[list[str]]) -> Layout:
    """The tool whose signature the header rows carry, else the plain layout."""
    first = head[0] if head else []
    keys = _keys(first)
    third = head[2] if len(head) > 2 else []
    filled = [c for c in third if c.strip()]
    if filled and sum(1 for c in filled if _is_import_id(c)) >= max(1, len(filled) // 2):
        return LAYOUTS["qualtrics"]
    if {"respondent id", "collector id"} <= keys:
        return LAYOUTS["surveymonkey"]
    if {"id", "submitdate", "lastpage", "startlanguage"} <= keys or \
            {"response id", "date submitted", "last page", "start language"} <= keys:
        return LAYOUTS["limesurvey"]
    if {"id", "start time", "completion time"} <= keys:
        return LAYOUTS["msforms"]
    if first and normalise_header(first[0]) == "timestamp":
        return LAYOUTS["googleforms"]
    if "contribution id" in keys:
        return LAYOUTS["eusurvey"]
    return PLAIN


def _is_import_id(cell: str) -> bool:
    text = cell.strip()
    if not text.startswith("{"):
        return False
    try:
        value = json.loads(text)
    except ValueError:
        return False
    return isinstance(value, dict) and "ImportId" in value


@dataclass
class Reading:
    """How an export is read: its layout, whether it was asked for, and its columns (None for
    the plain layout, whose columns are the staged header)."""
    layout: Layout
    forced: bool
    columns: list[Column] | None

    def note(self) -> str:
        how = "as asked" if self.forced else "detected"
        return f"read as a {self.layout.title} export (layout '{self.layout.name}', {how})"


def choose(path: str, display: str, sheet: str | None, asked: str | None) -> Reading:
    """The layout to read the export with: `asked` (a layout name) or the one detected. A file
    whose head cannot be read is read as plain, so that the reader's own check names its problem."""
    if asked is not None and asked not in LAYOUTS:
        raise ValueError(f"unknown survey layout {asked!r}; expected one of {', '.join(LAYOUT_NAMES)}")
    try:
        head = read_head(path, display, HEAD_ROWS, sheet)
    except LoadRejected:
        if asked in (None, "plain"):
            return Reading(PLAIN, asked is not None, None)
        raise
    layout = LAYOUTS[asked] if asked else detect(head)
    if layout is PLAIN:
        return Reading(PLAIN, asked is not None, None)
    return Reading(layout, asked is not None, layout.columns(head))
