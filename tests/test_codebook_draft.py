"""A codebook drafted from an export loads that export unchanged, giving every count the answers
imply; each guess is marked '# review:'; the command line writes it, and never overwrites a file.

The exports are those of tests/test_survey_layouts.py, one per survey tool's layout.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tomllib

import pytest
from conftest import ROOT
from test_survey_layouts import (
    CONSENT,
    EXPORTS,
    MIXED,
    OFFICE,
    QUESTIONS,
    RIGHTS,
    TYPES,
    codebook,
    expected_counts,
    googleforms,
    load_export,
    loaded_counts,
    qualtrics,
)

from loaders.codebook_draft import draft, known_values
from loaders.survey import Codebook

NUMERIC = ("qualtrics-numeric-xlsx", "surveymonkey-numeric-csv")


@pytest.mark.parametrize("name", list(EXPORTS))
def test_the_drafted_codebook_loads_its_export_with_every_count(empty_db, tmp_path, name):
    export = EXPORTS[name](tmp_path)
    text = draft(export.path)
    book = tmp_path / "drafted.toml"
    book.write_text(text, encoding="utf-8")
    codebook = Codebook.from_file(book)
    assert OFFICE in codebook.office_columns or "Q00" in codebook.office_columns  # the ST.3 column
    assert len(codebook.questions) == len(QUESTIONS)  # one per column or option group, no metadata
    result = load_export(empty_db, export, book)
    assert (result.status, result.rows) == ("loaded", 6)
    assert loaded_counts(empty_db, "2025") == expected_counts(export.names)
    types = [q.type for q in codebook.questions]
    if name in NUMERIC:  # yes/no written as 1/2 cannot be told from a choice: drafted as single choice
        assert types == [{"yes_no": "single_choice"}.get(TYPES[q], TYPES[q]) for q in QUESTIONS]
    else:
        assert types == [TYPES[q] for q in QUESTIONS]


def test_every_guess_is_marked_and_people_fill_in_sections(tmp_path):
    text = draft(googleforms(tmp_path).path)
    data = tomllib.loads(text)
    blocks = text.split("[[questions]]")[1:]
    assert all("# review: type " in block for block in blocks)  # every type guess is marked
    assert "# review: the office column, guessed as the one holding ST.3 codes" in text
    # The consent question is guessed from its text, and the person is asked to confirm it.
    consent = [q for q in data["questions"] if q.get("section") == "consent"]
    assert [q["headers"] for q in consent] == [[CONSENT]]
    assert "guessed to be the consent question from its text; confirm it" in text
    # No other section, direction or category is guessed; the known ones are listed for a person.
    assert [q for q in data["questions"] if "section" in q and q["section"] != "consent"] == []
    assert not any("direction" in q or any("category" in o for o in q.get("options", []))
                   for q in data["questions"])
    known = known_values()
    assert {"standards", "challenges", "consent"} <= set(known["section"])
    assert {"sharing", "collecting"} <= set(known["direction"])
    assert "# Known sections: " + ", ".join(known["section"]) + "." in text
    assert "# Known categories (challenge options): " + ", ".join(known["category"]) + "." in text
    # A label holding the separator is read whole, and the merge is marked for review.
    rights = next(q for q in data["questions"] if q["headers"] == [RIGHTS])
    assert [o["label"] for o in rights["options"]] == ["patents", "trademarks",
                                                        "bibliographic, abstract; or full-text data",
                                                        "legal status"]
    assert "parts are never ticked apart" in text


def test_qualtrics_draft_takes_question_texts_and_export_tags(tmp_path):
    data = tomllib.loads(draft(qualtrics(tmp_path).path))
    assert data["survey"]["office_column"] == ["Q1", OFFICE]
    assert data["questions"][1]["headers"] == [RIGHTS, RIGHTS + " - Selected Choice", "Q3"]
    # The 17 metadata columns are the layout's: no question, no ignore_columns.
    assert "ignore_columns" not in data["survey"] and len(data["questions"]) == len(QUESTIONS)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "loaders", "codebook", "draft", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, check=False)


def test_cli_drafts_refuses_to_overwrite_and_reports_bad_files(empty_db, tmp_path):
    export = EXPORTS["surveymonkey-text-xlsx"](tmp_path)
    out = tmp_path / "codebook-2026.toml"
    done = _cli(export.path, "-o", out)
    assert done.returncode == 0, done.stderr
    assert f"drafted {out} from surveymonkey.xlsx: {len(QUESTIONS)} question(s)" in done.stdout
    first = out.read_text(encoding="utf-8")
    again = _cli(export.path, "--layout", "surveymonkey", "-o", out)
    assert again.returncode == 2 and "exists" in again.stderr
    assert out.read_text(encoding="utf-8") == first
    assert _cli(export.path, "--layout", "surveymonkey", "-o", out, "--force").returncode == 0
    stdout = _cli(export.path, "-o", "-")
    assert stdout.returncode == 0 and stdout.stdout == first
    assert _cli(tmp_path / "missing.csv", "-o", tmp_path / "x.toml").returncode == 2
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes("Office code,Q\nJP,Yes\n".encode("utf-16"))
    bad = _cli(utf16, "-o", tmp_path / "y.toml")
    assert bad.returncode == 1 and "UTF-16" in bad.stderr and not (tmp_path / "y.toml").exists()


def test_round_over_round_keeps_ids_and_codes_and_lists_what_changed(empty_db, tmp_path):
    export = googleforms(tmp_path)
    previous = codebook(export, tmp_path / "codebook-2024.toml")
    text = previous.read_text(encoding="utf-8")
    text = text.replace('id = "ip_rights"', 'id = "ip_rights"\nsection = "ip_rights"')
    text = text.replace('label = "patents"', 'label = "patents"\nlabel_fr = "brevets"')
    start = text.index('[[questions.options]]\ncode = "legal"')
    end = text.index("[[questions]]", start)
    text = text[:start] + text[end:]  # 'legal status' is new this round
    text += '\n[[questions]]\nid = "budget"\nheaders = ["What is your budget?"]\ntype = "number"\n'  # gone
    previous.write_text(text, encoding="utf-8")
    drafted = draft(export.path, previous=previous)
    data = tomllib.loads(drafted)
    by_id = {q["id"]: q for q in data["questions"]}
    assert list(by_id) == ["shares_data", "ip_rights", "region", "staff", "comments", "consent_publish"]
    rights = by_id["ip_rights"]
    assert rights["section"] == "ip_rights" and by_id["consent_publish"]["section"] == "consent"
    assert [(o["code"], o["label"]) for o in rights["options"]] == [
        ("patents", "patents"), ("trademarks", "trademarks"), ("bibliographic", MIXED),
        ("legal_status", "legal status")]
    assert rights["options"][0]["label_fr"] == "brevets"
    assert "#   new: none" in drafted
    assert "#   changed: ip_rights (new option 'legal status')" in drafted
    assert "#   gone (in it, not in this export): budget" in drafted
    assert "parts are never ticked apart" not in drafted.split('id = "ip_rights"')[1].split("[[questions]]\nid")[0]
    book = tmp_path / "codebook-2025.toml"
    book.write_text(drafted, encoding="utf-8")
    load_export(empty_db, export, book)
    assert loaded_counts(empty_db, "2025") == expected_counts()


def test_round_over_round_turns_a_numeric_yes_no_back_into_yes_no(empty_db, tmp_path):
    from test_survey_layouts import SHARES
    export = qualtrics(tmp_path, numeric=True, ext=".xlsx")
    previous = codebook(export, tmp_path / "codebook-2024.toml")  # yes/no spelt 1/2, options aliased
    book = tmp_path / "codebook-2025.toml"
    done = _cli(export.path, "--previous", previous, "-o", book)
    assert done.returncode == 0, done.stderr
    data = tomllib.loads(book.read_text(encoding="utf-8"))
    shares = next(q for q in data["questions"] if SHARES in q["headers"])
    assert (shares["id"], shares["type"]) == ("shares_data", "yes_no")
    assert [(o["code"], o["aliases"]) for o in shares["options"]] == [("yes", ["1"]), ("no", ["2"])]
    load_export(empty_db, export, book)
    assert loaded_counts(empty_db, "2025") == expected_counts()
    assert _cli(export.path, "--previous", tmp_path / "none.toml", "-o", tmp_path / "z.toml").returncode == 2


def _qsf(path):
    """A Qualtrics .qsf of the layouts' questionnaire (Export survey), as the numeric export codes it."""
    from test_survey_layouts import COMMENTS, OFFICE, REGION, REGION_OPTIONS, RIGHTS_OPTIONS, SHARES, STAFF

    def choices(labels):
        return ({str(i): {"Display": label} for i, label in enumerate(labels, start=1)},
                list(range(1, len(labels) + 1)), {str(i): str(i) for i in range(1, len(labels) + 1)})

    def question(n, text, qtype, selector=None, labels=(), content=None):
        payload = {"QuestionID": f"QID{n}", "DataExportTag": f"Q{n}", "QuestionText": text,
                   "QuestionType": qtype, "Selector": selector}
        if labels:
            payload["Choices"], payload["ChoiceOrder"], payload["RecodeValues"] = choices(labels)
        if content:
            payload["Validation"] = {"Settings": {"ContentType": content}}
        return {"SurveyID": "SV_test", "Element": "SQ", "PrimaryAttribute": f"QID{n}", "Payload": payload}

    elements = [{"SurveyID": "SV_test", "Element": "BL", "Payload": []},
                question(1, f"<p>{OFFICE}</p>", "TE", "SL"),
                question(2, f"<div>{SHARES}</div>", "MC", "SAVR", ["Yes", "No"]),
                question(3, RIGHTS.replace("IP rights", "<b>IP rights</b>"), "MC", "MAVR", RIGHTS_OPTIONS),
                question(4, REGION, "MC", "SAVR", REGION_OPTIONS),
                question(5, STAFF, "TE", "SL", content="ValidNumber"),
                question(6, COMMENTS, "TE", "ESTB"),
                question(7, CONSENT.replace("'", "&#39;"), "MC", "SAHR", ["Yes", "No"]),
                question(8, "A question added after the export", "TE", "SL")]
    path.write_text(json.dumps({"SurveyEntry": {"SurveyID": "SV_test"}, "SurveyElements": elements}),
                    encoding="utf-8")
    return path


def _lss(path, l10ns: bool):
    """A LimeSurvey .lss (Export survey structure) of the coded export: texts in the rows (LimeSurvey
    3) or in question_l10ns and answer_l10ns (LimeSurvey 5 and 6)."""
    from xml.sax.saxutils import escape

    from test_survey_layouts import COMMENTS, OFFICE, REGION, RIGHTS_OPTIONS, SHARES, STAFF

    questions = [("10", "Q00", "S", OFFICE), ("11", "Q01", "Y", SHARES), ("12", "Q02", "M", RIGHTS),
                 ("13", "Q03", "L", REGION), ("14", "Q04", "N", STAFF), ("15", "Q05", "T", COMMENTS),
                 ("16", "Q06", "Y", CONSENT)]
    subs = [(str(20 + i), "12", f"SQ00{i}", label) for i, label in enumerate(RIGHTS_OPTIONS, start=1)]
    answers = [("30", "13", "A1", "Europe", "1"), ("31", "13", "A2", "Asia, Pacific", "2")]

    def row(fields):
        return "<row>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items()) + "</row>"

    def text(value):
        return {} if l10ns else {"question": escape(value), "language": "en"}

    parts = ["<?xml version='1.0' encoding='UTF-8'?>", "<document>", "<LimeSurveyDocType>Survey</LimeSurveyDocType>",
             "<languages><language>en</language></languages>",
             "<questions><rows>" + "".join(row({"qid": q, "parent_qid": "0", "type": t, "title": c, **text(x)})
                                           for q, c, t, x in questions) + "</rows></questions>",
             "<subquestions><rows>" + "".join(row({"qid": q, "parent_qid": p, "type": "T", "title": c,
                                                   "question_order": c[-1], **text(x)})
                                              for q, p, c, x in subs) + "</rows></subquestions>",
             "<answers><rows>" + "".join(row({"aid": a, "qid": q, "code": c, "sortorder": o,
                                              **({} if l10ns else {"answer": x, "language": "en"})})
                                         for a, q, c, x, o in answers) + "</rows></answers>"]
    if l10ns:
        parts.append("<question_l10ns><rows>" + "".join(row({"qid": q, "question": x, "language": "en"})
                                                        for q, _, _, x in questions + [(s[0], 0, 0, s[3]) for s in subs])
                     + "</rows></question_l10ns>")
        parts.append("<answer_l10ns><rows>" + "".join(row({"aid": a, "answer": x, "language": "en"})
                                                      for a, _, _, x, _ in answers) + "</rows></answer_l10ns>")
    path.write_text("\n".join(parts + ["</document>"]), encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", ["qsf", "lss-3", "lss-5"])
def test_a_structure_file_gives_texts_types_and_labels(empty_db, tmp_path, kind):
    from test_survey_layouts import limesurvey
    if kind == "qsf":
        export, structure = qualtrics(tmp_path, numeric=True, ext=".xlsx"), _qsf(tmp_path / "survey.qsf")
    else:
        export, structure = limesurvey(tmp_path, codes=True), _lss(tmp_path / "survey.lss", kind == "lss-5")
    book = tmp_path / "codebook.toml"
    done = _cli(export.path, "--structure", structure, "-o", book)
    assert done.returncode == 0, done.stderr
    text = book.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert [q["type"] for q in data["questions"]] == [TYPES[q] for q in QUESTIONS]  # yes/no again
    assert [q["headers"][0] for q in data["questions"]] == QUESTIONS  # the texts, HTML removed
    consent = [q for q in data["questions"] if q.get("section") == "consent"]
    assert [q["headers"][0] for q in consent] == [CONSENT]
    assert "the answers are codes" not in text
    if kind == "qsf":
        assert "in it, not in this export: Q8" in text
    # Coded answers still load: codes are the options' codes (or a yes/no's aliases), texts the labels.
    load_export(empty_db, export, book)
    assert loaded_counts(empty_db, "2025") == expected_counts()


def test_a_broken_structure_file_is_a_rejection(tmp_path):
    export = qualtrics(tmp_path)
    broken = tmp_path / "survey.qsf"
    broken.write_text("{not json", encoding="utf-8")
    bad = _cli(export.path, "--structure", broken, "-o", tmp_path / "x.toml")
    assert bad.returncode == 1 and "survey.qsf" in bad.stderr and "a Qualtrics .qsf file" in bad.stderr
    bomb = tmp_path / "survey.lss"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><document>&a;</document>',
                    encoding="utf-8")
    refused = _cli(export.path, "--structure", bomb, "-o", tmp_path / "y.toml")
    assert refused.returncode == 1 and "a LimeSurvey .lss file" in refused.stderr
    assert not (tmp_path / "x.toml").exists() and not (tmp_path / "y.toml").exists()
