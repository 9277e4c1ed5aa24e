"""Survey structure files, which say what an export cannot: question texts, types, every option's
label (also the options nobody ticked) and the codes a numeric or coded export writes.

- Qualtrics `.qsf` (JSON: *Tools > Import/Export > Export survey*): one `SQ` element per question,
  with DataExportTag (the export's row-1 name), QuestionText (HTML), QuestionType and Selector,
  Choices and RecodeValues (what "numeric values" exports write).
- LimeSurvey `.lss` (XML: *Display/Export > Export survey structure (.lss)*): questions (title = the
  code heading, type), subquestions (option codes SQ001 and texts), answers (list codes A1 and
  texts); texts in the row (LimeSurvey 3) or in question_l10ns / answer_l10ns (LimeSurvey 5 and 6).

Only the structure is read; nothing of it is stored. Used by `codebook draft --structure`.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .problems import LoadRejected, Problem

MAX_STRUCTURE_BYTES = 64 * 1024 * 1024
QUALTRICS_SINGLE = {"SAVR", "SAHR", "SACOL", "DL", "SB"}
QUALTRICS_MULTIPLE = {"MAVR", "MAHR", "MACOL", "MSB"}
#: LimeSurvey question types (one letter): multiple choice, list (single), yes/no, numbers, texts.
LIMESURVEY_TYPES = {"M": "multiple_choice", "P": "multiple_choice", "L": "single_choice",
                    "!": "single_choice", "O": "single_choice", "Y": "yes_no", "N": "number",
                    "S": "free_text", "T": "free_text", "U": "free_text", "G": "single_choice"}


@dataclass
class StructureQuestion:
    names: list[str]  # the export's names for it: Qualtrics export tag, LimeSurvey code
    text: str
    type: str
    options: list[tuple[str, str]] = field(default_factory=list)  # (code the export writes, label)


def _plain_text(markup: str) -> str:
    """Question texts are HTML in both tools: tags dropped, entities read, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", markup or "")).split())


def read_structure(path: str | Path) -> list[StructureQuestion]:
    path = Path(path)
    raw = path.read_bytes()
    if len(raw) > MAX_STRUCTURE_BYTES:
        raise LoadRejected([Problem(path.name, None, None, f"{len(raw)} bytes",
                                    f"a survey structure file of at most {MAX_STRUCTURE_BYTES} bytes")])
    suffix = path.suffix.lower()
    if suffix == ".qsf":
        return _qsf(raw, path.name)
    if suffix == ".lss":
        return _lss(raw, path.name)
    raise LoadRejected([Problem(path.name, None, None, path.suffix,
                                "a Qualtrics .qsf or LimeSurvey .lss survey structure file")])


def _qsf(raw: bytes, name: str) -> list[StructureQuestion]:
    try:
        data = json.loads(raw.decode("utf-8-sig"))
        elements = data["SurveyElements"]
        if not isinstance(elements, list):
            raise TypeError("SurveyElements is not a list")
    except (ValueError, KeyError, TypeError) as err:
        raise LoadRejected([Problem(name, None, None, None, f"a Qualtrics .qsf file (JSON with SurveyElements; {err})")]) from err
    out = []
    for element in elements:
        if not isinstance(element, dict) or element.get("Element") != "SQ" or not isinstance(element.get("Payload"), dict):
            continue
        p = element["Payload"]
        qtype, selector = p.get("QuestionType"), p.get("Selector")
        choices = p.get("Choices") if isinstance(p.get("Choices"), dict) else {}
        recode = p.get("RecodeValues") if isinstance(p.get("RecodeValues"), dict) else {}
        order = [str(c) for c in p.get("ChoiceOrder") or choices]
        options = [(str(recode.get(c, c)), _plain_text(str(choices[c].get("Display", ""))))
                   for c in order if isinstance(choices.get(c), dict)]
        if qtype == "MC" and selector in QUALTRICS_MULTIPLE:
            kind = "multiple_choice"
        elif qtype == "MC":
            kind = "single_choice"
        elif qtype == "TE":
            content = ((p.get("Validation") or {}).get("Settings") or {}).get("ContentType")
            kind, options = ("number" if content == "ValidNumber" else "free_text"), []
        else:
            continue  # matrices, sliders, descriptive text: the export's values decide
        if kind == "single_choice" and sorted(label.casefold() for _, label in options) == ["no", "yes"]:
            kind = "yes_no"
        names = [str(n) for n in (p.get("DataExportTag"), p.get("QuestionID")) if n]
        out.append(StructureQuestion(names, _plain_text(str(p.get("QuestionText", ""))), kind, options))
    return out


def _lss(raw: bytes, name: str) -> list[StructureQuestion]:
    from defusedxml import DefusedXmlException
    from defusedxml import ElementTree as SafeET

    try:
        root = SafeET.fromstring(raw)
    except (SafeET.ParseError, DefusedXmlException, ValueError) as err:
        raise LoadRejected([Problem(name, None, None, None, f"a LimeSurvey .lss file (XML; {err})")]) from err

    def rows(section: str) -> list[dict]:
        return [{child.tag: (child.text or "") for child in row} for row in root.findall(f"./{section}/rows/row")]

    language = (root.findtext("./languages/language") or "").strip()

    def in_language(items: list[dict]) -> list[dict]:
        return [r for r in items if not language or r.get("language", language) == language]

    question_texts = {r["qid"]: r.get("question", "") for r in in_language(rows("question_l10ns")) if "qid" in r}
    answer_texts = {r["aid"]: r.get("answer", "") for r in in_language(rows("answer_l10ns")) if "aid" in r}
    questions = in_language(rows("questions"))
    subquestions = in_language(rows("subquestions")) + [r for r in questions if r.get("parent_qid", "0") != "0"]
    answers = in_language(rows("answers"))
    out = []
    for q in questions:
        if q.get("parent_qid", "0") != "0" or q.get("type") not in LIMESURVEY_TYPES:
            continue
        qid, kind = q.get("qid"), LIMESURVEY_TYPES[q["type"]]

        def sort_key(r):
            return int(r.get("question_order") or r.get("sortorder") or 0)

        if kind == "multiple_choice":
            subs = sorted((r for r in subquestions if r.get("parent_qid") == qid), key=sort_key)
            options = [(r.get("title", ""), _plain_text(r.get("question") or question_texts.get(r.get("qid"), "")))
                       for r in subs]
        elif kind == "single_choice" and q["type"] == "G":
            options = [("F", "Female"), ("M", "Male")]
        elif kind == "single_choice":
            given = sorted((r for r in answers if r.get("qid") == qid), key=sort_key)
            options = [(r.get("code", ""), _plain_text(r.get("answer") or answer_texts.get(r.get("aid"), "")))
                       for r in given]
        else:
            options = []
        text = _plain_text(q.get("question") or question_texts.get(qid, ""))
        out.append(StructureQuestion([q.get("title", "")], text, kind, options))
    return out
