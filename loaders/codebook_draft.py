"""A codebook drafted from a survey export, for a person to review.

`python -m loaders codebook draft EXPORT [--layout NAME] [--sheet NAME] [--structure FILE]
[--previous CODEBOOK] -o CODEBOOK.toml` reads
the export as a load would (same layouts, same reader) and writes one question per column or
per group of option columns, with the export's header texts; the type guessed from the values;
the options with codes and labels; the office column guessed as the one holding ST.3 codes; the
consent question guessed from its text. Every guess carries a `# review:` comment. `section`,
`direction` and `category` tie questions to published figures: only a person can say which, so
they are left out, with the values known from the bundled codebooks listed in a comment.

With `--structure` (a Qualtrics .qsf or LimeSurvey .lss file, loaders/structures.py), texts,
types and option labels come from the survey's design. With `--previous`, questions and options whose texts match the previous round's codebook keep
its ids, codes, sections, categories and translations, and the draft lists what is new, changed
or gone.

The draft loads its own export unchanged (tests/test_codebook_draft.py proves it per layout).
"""
from __future__ import annotations

import csv
import itertools
import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .layouts import NO_ANSWER_TEXTS, Column, choose, plain_column
from .readers import normalise_header, read_head, stage_file
from .structures import read_structure
from .survey import NOT_TICKED, TICKED, Codebook, Option, Question

ROOT = Path(__file__).resolve().parent.parent
OFFICES_CSV = ROOT / "data" / "reference" / "offices.csv"
BUNDLED_CODEBOOKS = ROOT / "data" / "bundled"
#: Share of a column's answers that must be ST.3 codes for it to be taken as the office column.
OFFICE_SHARE = 0.8
#: How the tools join the options of a multiple-choice answer in one cell.
JOINERS = {"googleforms": ", ", "qualtrics": ",", "msforms": ";", "eusurvey": ";"}
YES_NO_TEXTS = {"yes", "no", "y", "n", "true", "false"}
CONSENT_RE = re.compile(r"\b(consent|publish|publication|disclos)", re.IGNORECASE)
NUMBER_TEXT_RE = re.compile(r"^\s*(how many|how much|number of|what (?:is|was) the number)", re.IGNORECASE)
#: Most distinct whole numbers a column may hold for them to be read as choice codes (numeric exports).
MAX_CODE_VALUES = 12


@dataclass
class DraftQuestion:
    headers: list[str]
    type: str
    options: list[tuple[str, str]] = field(default_factory=list)  # (code, label)
    reviews: list[str] = field(default_factory=list)
    consent: bool = False
    option_reviews: dict[str, str] = field(default_factory=dict)  # code -> review comment
    #: From the previous round's codebook (--previous), when its texts match: the question's id,
    #: section and direction, and per option code its aliases, category and translations.
    id: str | None = None
    section: str | None = None
    direction: str | None = None
    option_extras: dict[str, Option] = field(default_factory=dict)


def _offices() -> set[str]:
    with open(OFFICES_CSV, encoding="utf-8") as fh:
        return {row["code"] for row in csv.DictReader(fh)}


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.casefold()).strip("_")


def _unique(base: str, taken: set[str]) -> str:
    name, n = base or "q", 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def _number(value: str) -> float | None:
    try:
        return float(value.replace(" ", ""))
    except ValueError:
        return None


def _is_code_like(values: list[str]) -> bool:
    numbers = [_number(v) for v in values]
    return bool(values) and all(n is not None and n.is_integer() and 1 <= n <= 99 for n in numbers) \
        and len(set(values)) <= MAX_CODE_VALUES


def _fragments(values: list[str], joiner: str, known: tuple[str, ...] = ()) -> list[list[str]]:
    """Each cell cut into its options at `joiner`, then the pieces that are never seen apart merged
    back with the text that joined them (a label that holds the joiner: both pieces in every cell
    that has either, side by side). `known`: labels of the previous round, never cut nor merged."""
    sep = joiner.strip()
    cut = re.compile(re.escape(sep) + r"\s*")
    protected = [t for t in sorted(known, key=len, reverse=True) if sep in t]
    cells = []
    for v in values:
        for text in protected:  # the joiner inside a known label is hidden from the cut
            v = re.sub(r"(?:(?<=^)|(?<=" + re.escape(sep) + r"))(\s*)" + re.escape(text) + r"(?=\s*(?:" +
                       re.escape(sep) + r"|$))", lambda m: m.group(0).replace(sep, "\x00"), v, flags=re.IGNORECASE)
        parts = cut.split(v)
        delims = cut.findall(v) + [""]
        cells.append([(p.strip().replace("\x00", sep), d) for p, d in zip(parts, delims) if p.strip()])
    known_folded = {t.casefold() for t in known}
    while True:
        seen: dict[str, int] = {}
        pairs: dict[tuple[str, str], int] = {}
        for cell in cells:
            for piece in {p for p, _ in cell}:
                seen[piece] = seen.get(piece, 0) + 1
            for (a, _), (b, _) in itertools.pairwise(cell):
                pairs[(a, b)] = pairs.get((a, b), 0) + 1
        pair = next(((a, b) for (a, b), n in pairs.items() if a != b and seen[a] == n == seen[b]
                     and not {a.casefold(), b.casefold()} & known_folded), None)
        if pair is None:
            return [[p for p, _ in cell] for cell in cells]
        cells = [_merge(cell, *pair) for cell in cells]


def _merge(cell: list[tuple[str, str]], a: str, b: str) -> list[tuple[str, str]]:
    out, i = [], 0
    while i < len(cell):
        if i + 1 < len(cell) and cell[i][0] == a and cell[i + 1][0] == b:
            out.append((a + cell[i][1] + b, cell[i + 1][1]))
            i += 2
        else:
            out.append(cell[i])
            i += 1
    return out


def _guess_column(column: Column, values: list[str], layout: str, import_id: str = "",
                  known: tuple[str, ...] = ()) -> DraftQuestion:
    """One whole-question column: its type and options from its answers (`known`: the option
    texts of the previous round's question of the same text)."""
    headers = list(dict.fromkeys(column.names[1:] + column.names[:1])) if layout == "qualtrics" \
        else list(column.names)
    text = headers[0]
    answered = [v for v in values if v]
    q = DraftQuestion(headers, "free_text")
    if not answered:
        q.reviews.append("no answers in the export: the type could not be guessed (free_text); correct it")
        return q
    folded = {v.casefold() for v in answered}
    if folded <= YES_NO_TEXTS and folded & {"yes", "y", "true"} | folded & {"no", "n", "false"}:
        q.type = "yes_no"
        q.reviews.append("type yes_no: the answers are " + ", ".join(sorted(set(answered))))
        return q
    numbers = [_number(v) for v in answered]
    if all(n is not None for n in numbers) and (NUMBER_TEXT_RE.search(text) or not _is_code_like(answered)):
        q.type = "number"
        q.reviews.append("type number: every answer is a number")
        return q
    joiner = JOINERS.get(layout, ";" if any(";" in v for v in answered) else ",")
    cells = _fragments(answered, joiner, known)
    labels = list(dict.fromkeys(p for cell in cells for p in cell))
    # Free text: long pieces that seldom recur (choices recur: several offices tick the same one).
    pieces = sum(len(cell) for cell in cells)
    long_text = any(len(label) > 60 or len(label.split()) > 6 for label in labels)
    if import_id.endswith("_TEXT") or (long_text and len(labels) > pieces / 2):
        q.reviews.append("type free_text: the answers are texts that differ" +
                         (" (Qualtrics: a text entry)" if import_id.endswith("_TEXT") else ""))
        return q
    q.type = "multiple_choice" if any(len(cell) > 1 for cell in cells) else "single_choice"
    if all(re.fullmatch(r"[A-Za-z]*\d+", label) for label in labels):  # answer codes: 1, 2 or A1, A2
        labels.sort(key=lambda label: (label.rstrip("0123456789"), int(re.sub(r"^[A-Za-z]*", "", label))))
        q.reviews.append("the answers are codes (a numeric or coded export): each option's label is its code; "
                         "write the option texts as labels and keep the codes, or export the answer texts")
        if labels == ["1", "2"] and q.type == "single_choice":
            q.reviews.append('if 1 means Yes and 2 No, make it type = "yes_no" with the options code = "yes" '
                             '(aliases = ["1"]) and code = "no" (aliases = ["2"])' +
                             (", and section = \"consent\" if it is the consent question"
                              if CONSENT_RE.search(text) else ""))
    if q.type == "multiple_choice":
        q.reviews.append(f"type multiple_choice: answers join several options with {joiner!r}")
    else:
        q.reviews.append("type single_choice: every answer is one of " + str(len(labels)) + " texts")
    _add_options(q, labels)
    for label in labels:
        if joiner.strip() in label and label.casefold() not in {t.casefold() for t in known}:
            q.option_reviews[q.options[labels.index(label)][0]] = (
                "read as one option because its parts are never ticked apart; check it is not two options")
    return q


def _add_options(q: DraftQuestion, labels: list[str]) -> None:
    taken: set[str] = set()
    for label in labels:
        code = label if re.fullmatch(r"[A-Za-z0-9_.-]+", label) else _slug(label)
        q.options.append((_unique(code, taken), label))


def _guess_group(question: str, columns: list[Column], values: dict[str, list[str]]) -> list[DraftQuestion]:
    """A group of option columns ('Question [Option]'): a multiple-choice question, and each column
    holding free text (SurveyMonkey's "Other (please specify)") as a free-text question of its own."""
    q = DraftQuestion([question], "multiple_choice")
    out = [q]
    labels = []
    for c in columns:
        option = next(o for qq, o in c.option_of if normalise_header(qq) == normalise_header(question))
        cells = {v.casefold() for v in values[c.header] if v}
        ticks = TICKED | NOT_TICKED | {normalise_header(option)} | ({str(c.position)} if c.position else set())
        if cells and not {normalise_header(v) for v in cells} <= ticks:
            out.append(DraftQuestion([c.header], "free_text", reviews=[
                "type free_text: a column of this question's group that holds texts, not ticks"]))
            continue
        labels.append(option)
    q.reviews.append("type multiple_choice: one column per option, headed 'question [option]'")
    _add_options(q, labels)
    return out


def known_values() -> dict[str, list[str]]:
    """The sections, directions and categories the bundled codebooks use (the published figures' keys)."""
    found: dict[str, set[str]] = {"section": set(), "direction": set(), "category": set()}
    for path in sorted(BUNDLED_CODEBOOKS.glob("codebook-*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for q in data.get("questions", []):
            for key in ("section", "direction"):
                if q.get(key):
                    found[key].add(q[key])
            for o in q.get("options", []):
                if o.get("category"):
                    found["category"].add(o["category"])
    return {k: sorted(v) for k, v in found.items()}


def draft(path: str | Path, display: str | None = None, layout: str | None = None,
          sheet: str | None = None, previous: str | Path | None = None,
          structure: str | Path | None = None) -> str:
    """The TOML text of a codebook drafted from the export at `path`. `previous`: the previous
    round's codebook; questions and options whose texts match keep its ids and codes.
    `structure`: the survey's .qsf or .lss file, which gives texts, types and option labels."""
    before = Codebook.from_file(Path(previous)) if previous is not None else None
    design = read_structure(structure) if structure is not None else None
    path = str(path)
    display = display or Path(path).name
    reading = choose(path, display, sheet, layout)
    con = duckdb.connect()
    try:
        staged = stage_file(con, path, display, "staging", sheet=sheet,
                            header=[c.header for c in reading.columns] if reading.columns else None,
                            header_rows=reading.layout.header_rows)
        columns = reading.columns or [plain_column(h) for h in staged.columns]
        values: dict[str, list[str]] = {}
        for c in columns:
            name = '"' + c.header.replace('"', '""') + '"'
            cells = [(v or "").strip() for (v,) in con.execute(f"SELECT {name} FROM staging ORDER BY _row").fetchall()]
            if reading.layout.tool_conventions:
                cells = ["" if v.casefold() in NO_ANSWER_TEXTS else v for v in cells]
            values[c.header] = cells
        import_ids = _import_ids(path, display, sheet, reading)
    finally:
        con.close()

    offices = _offices()
    office, office_share = None, 0.0
    for c in columns:
        answered = [v for v in values[c.header] if v]
        share = sum(v in offices for v in answered) / len(answered) if answered else 0.0
        if share >= OFFICE_SHARE and share > office_share:
            office, office_share = c, share

    questions: list[DraftQuestion] = []
    grouped: dict[str, list[Column]] = {}
    order: list[tuple[str, object]] = []
    whole_names = {normalise_header(n) for c in columns for n in c.names}
    for c in columns:
        if c is office or c.metadata:
            continue
        group = _group_of(c, columns)
        if group is not None and normalise_header(group) not in whole_names:
            if group not in grouped:
                grouped[group] = []
                order.append(("group", group))
            grouped[group].append(c)
        else:
            order.append(("column", c))
    for kind, item in order:
        if kind == "group":
            questions.extend(_guess_group(item, grouped[item], values))
        else:
            match = _previous_question(item.names, before)
            questions.append(_guess_column(item, values[item.header], reading.layout.name,
                                           import_ids.get(item.header, ""),
                                           tuple(t for o in match.options for t in o.texts()) if match else ()))
    comparison = []
    if design is not None:
        comparison += _apply_structure(questions, design, Path(structure).name, office.names if office else ())
    if before is not None:
        comparison += _compare(questions, before, Path(previous).name)
    if not any(q.section == "consent" for q in questions):
        for q in questions:
            if q.type == "yes_no" and CONSENT_RE.search(" ".join(q.headers)):
                q.consent = True
                break
    return _toml(display, reading, office, questions, comparison, before)


def _apply_structure(questions: list[DraftQuestion], design, name: str, office_names) -> list[str]:
    """Give drafted questions the texts, types and options of the structure file's question with
    the same export name or text; every option the structure lists (ticked or not), coded as the
    export writes it (the code in a numeric or coded export, the label otherwise)."""
    used = {i for i, s in enumerate(design)
            if {normalise_header(n) for n in (*s.names, s.text)} & {normalise_header(n) for n in office_names}}
    for q in questions:
        keys = {normalise_header(h) for h in q.headers}
        index = next((i for i, s in enumerate(design) if i not in used and
                      keys & {normalise_header(n) for n in (*s.names, s.text) if n}), None)
        if index is None:
            q.reviews.append(f"not in {name}: type and options guessed from the answers only")
            continue
        used.add(index)
        s = design[index]
        if s.text and normalise_header(s.text) not in keys:
            q.headers.insert(0, s.text)
        q.reviews = [r for r in q.reviews if not r.startswith(("type ", "the answers are codes", "if 1 means"))]
        q.reviews.insert(0, f"type {s.type}, texts and options from {name}")
        q.option_reviews.clear()
        written = {normalise_header(label) for _, label in q.options}
        codes = {normalise_header(c) for c, _ in s.options}
        labels = {normalise_header(label) for _, label in s.options}
        coded = bool(written & codes - labels)  # the export writes codes (numeric values, A1, SQ001)
        if s.type == "yes_no":
            if q.type == "single_choice" and coded:  # yes/no written as codes: the options spell them
                by_label = {label.casefold(): code for code, label in s.options}
                q.options = [("yes", "Yes"), ("no", "No")]
                q.option_extras = {c: Option(c, c.capitalize(), None, [by_label[c]]) for c in ("yes", "no")}
            else:
                q.options = []
        elif s.type in ("single_choice", "multiple_choice"):
            taken: set[str] = set()
            drafted = {normalise_header(label): code for code, label in q.options}
            options = [(_unique(code if coded else drafted.get(normalise_header(label)) or _slug(label), taken), label)
                       for code, label in s.options]
            known = codes | labels
            for code, label in q.options:  # answers the structure does not list: kept, to review
                if normalise_header(label) not in known:
                    options.append((_unique(code, taken), label))
                    q.option_reviews[options[-1][0]] = f"an answer that {name} does not list"
            q.options = options
        else:
            q.options = []
        q.type = s.type
    missing = [s.names[0] if s.names and s.names[0] else s.text for i, s in enumerate(design) if i not in used]
    return [f"# Texts, types and options from {name}; in it, not in this export: " + (", ".join(missing) or "none")]


def _previous_question(headers, before: Codebook | None) -> Question | None:
    """The previous round's question with one of these header texts."""
    if before is None:
        return None
    keys = {normalise_header(h) for h in headers}
    return next((q for q in before.questions if keys & {normalise_header(h) for h in q.headers}), None)


def _compare(questions: list[DraftQuestion], before: Codebook, name: str) -> list[str]:
    """Give drafted questions and options the ids and codes of the previous round's where their
    texts match (with its section, direction, aliases, categories, translations); return the
    comment lines that list what is new, changed or gone."""
    new, changed, matched = [], [], set()
    for q in questions:
        old = _previous_question(q.headers, before)
        if old is None or old.id in matched:
            new.append(q.headers[0])
            q.reviews.append(f"new: no question of {name} has this text")
            continue
        matched.add(old.id)
        q.id, q.section, q.direction = old.id, old.section, old.direction
        q.headers += [h for h in old.headers if normalise_header(h) not in {normalise_header(x) for x in q.headers}]
        differences = []
        lookup = old.option_by_text()
        kept, options = set(), []
        for code, label in q.options:
            o = lookup.get(normalise_header(label)) or lookup.get(normalise_header(code))
            if o is None or o.code in kept:
                options.append((code, label))
                q.option_reviews[code] = f"new option: not in {name}"
                differences.append(f"new option {label!r}")
                continue
            kept.add(o.code)
            options.append((o.code, o.label))
            q.option_extras[o.code] = o
            if normalise_header(label) not in {normalise_header(t) for t in o.texts()}:
                q.option_extras[o.code] = Option(o.code, o.label, o.category, [*o.aliases, label], o.translations)
        q.options = options
        if old.type == "yes_no" and q.type == "single_choice" and options and len(kept) == len(options):
            q.type = "yes_no"  # a numeric yes/no, spelt by the previous codebook's options
        if old.type != q.type:
            differences.insert(0, f"type {old.type} in {name}, drafted {q.type}")
        gone = [o.label for o in old.options if o.code not in kept and q.type != "yes_no"]
        if gone and q.type in ("single_choice", "multiple_choice"):
            differences.append("option(s) not in this export: " + "; ".join(gone))
        q.reviews.append(f"id, section and codes kept from {name}" if not differences else
                         f"changed since {name}: " + "; ".join(differences))
        if differences:
            changed.append(f"{old.id} ({'; '.join(differences)})")
    gone_questions = [q.id for q in before.questions if q.id not in matched]
    return [f"# Compared with {name}:",
            "#   new: " + ("; ".join(new) or "none"),
            "#   changed: " + ("; ".join(changed) or "none"),
            "#   gone (in it, not in this export): " + (", ".join(gone_questions) or "none")]


def _group_of(column: Column, columns: list[Column]) -> str | None:
    """The question a column is an option of: the candidate question text that most columns share
    (Qualtrics gives several cuts of 'text - choice'); a lone SurveyMonkey option column counts."""
    best, best_n = None, 1
    for question, _ in column.option_of:
        key = normalise_header(question)
        n = sum(1 for c in columns if any(normalise_header(q) == key for q, _ in c.option_of))
        if n > best_n or (column.position and best is None):
            best, best_n = question, max(n, best_n)
    return best


def _import_ids(path: str, display: str, sheet: str | None, reading) -> dict[str, str]:
    """Qualtrics' ImportId per column (row 3), which says which columns are text entries."""
    if reading.layout.name != "qualtrics":
        return {}
    head = read_head(path, display, 3, sheet)
    out = {}
    for c, cell in zip(reading.columns, head[2] if len(head) > 2 else []):
        try:
            value = json.loads(cell)
        except ValueError:
            continue
        if isinstance(value, dict) and isinstance(value.get("ImportId"), str):
            out[c.header] = value["ImportId"]
    return out


def _s(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _list(texts: list[str]) -> str:
    return "[" + ", ".join(_s(t) for t in texts) + "]"


def _toml(display: str, reading, office: Column | None, questions: list[DraftQuestion],
          comparison: list[str] = (), before: Codebook | None = None) -> str:
    known = known_values()
    lines = [
        f"# Codebook drafted from {display} (python -m loaders codebook draft). Every guess is marked",
        "# '# review:'; check each one, then remove the comment. Questions tie to published figures",
        "# through section (and direction, and an option's category): only a person can say which.",
        "# Known sections: " + ", ".join(known["section"]) + ".",
        "# Known directions (challenge questions): " + ", ".join(known["direction"]) + ".",
        "# Known categories (challenge options): " + ", ".join(known["category"]) + ".",
        f"# {reading.note()[0].upper()}{reading.note()[1:]}; its metadata columns need no entry.",
        *comparison,
        "",
        "[survey]",
        f"title = {_s(before.title if before and before.title else Path(display).stem)}  # review: the survey's title",
    ]
    if office is None and before is not None:
        lines += ["# review: no column holds ST.3 office codes; the office column of the previous codebook",
                  f"office_column = {_list(before.office_columns)}"]
    elif office is None:
        lines += ["# review: no column holds ST.3 office codes; name the office column here",
                  'office_column = ["Office code"]']
    else:
        lines += ["# review: the office column, guessed as the one holding ST.3 codes",
                  f"office_column = {_list(list(office.names))}"]
    lines += ['# fielded_from = "YYYY-MM-DD"  # review: when the survey was open',
              '# fielded_to = "YYYY-MM-DD"']
    taken: set[str] = {q.id for q in questions if q.id}
    for q in questions:
        qid = q.id or _unique(_slug(" ".join(q.headers[0].split()[:6]))[:40].strip("_"), taken)
        lines += ["", "[[questions]]", f"id = {_s(qid)}"]
        lines += [f"# review: {r}" for r in q.reviews]
        lines += [f"headers = {_list(q.headers)}", f"type = {_s(q.type)}"]
        if q.section or q.direction:
            lines += [f"{key} = {_s(value)}" for key, value in (("section", q.section), ("direction", q.direction))
                      if value]
        elif q.consent:
            lines += ["# review: guessed to be the consent question from its text; confirm it (only an",
                      "# explicit yes to every consent question publishes an office's answers), or delete this line",
                      'section = "consent"']
        else:
            lines.append("# section = \"\"  # for a person: " + ", ".join(known["section"]))
        for code, label in q.options:
            lines += ["", "[[questions.options]]"]
            if code in q.option_reviews:
                lines.append(f"# review: {q.option_reviews[code]}")
            lines += [f"code = {_s(code)}", f"label = {_s(label)}"]
            extra = q.option_extras.get(code)
            if extra is not None:
                if extra.category:
                    lines.append(f"category = {_s(extra.category)}")
                if extra.aliases:
                    lines.append(f"aliases = {_list(extra.aliases)}")
                lines += [f"label_{lang} = {_s(text)}" for lang, text in sorted(extra.translations.items())]
    return "\n".join(lines) + "\n"
