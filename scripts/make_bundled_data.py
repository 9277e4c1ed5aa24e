"""Generate the bundled ILLUSTRATIVE data files in data/bundled/.

Deterministic: a fixed seed, no dependence on today's date, sorted iteration everywhere.
Running it twice produces byte-identical files (the xlsx is re-packed with fixed zip
timestamps and fixed document properties).

    python scripts/make_bundled_data.py

Inputs (read, never written):
    data/reference/offices.csv                   ST.3 office list
    data/reference/cws13-14-published-figures.csv the only public CWS/13/14 aggregates
    data/bundled/codebook-2025.toml              2025 questionnaire codebook
    data/bundled/codebook-2026.toml              2026 questionnaire codebook (hand-written)

Outputs (data/bundled/):
    survey-2025.csv, survey-2026.xlsx, schedule.csv, deliveries.csv, completeness.csv

The 2025 per-office answers are invented; they reproduce every published aggregate
exactly (the script asserts this before writing). Everything else is wholly illustrative.
See data/bundled/README.md for the patterns built in on purpose.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import random
import sys
import tomllib
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.writer.excel import ExcelWriter

SEED = 67_2025
ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "data" / "reference"
OUT = ROOT / "data" / "bundled"
sys.path.insert(0, str(ROOT))  # db.business_days: the holidays of business-day schedules

AS_OF = dt.date(2026, 11, 20)  # last scheduled date / last delivery date in the illustration
FIXED_TS = dt.datetime(2026, 5, 1, 0, 0, 0)  # xlsx document properties and zip entry times

RESPONDENTS_2025 = ["AU", "BR", "CA", "CN", "HR", "GH", "HN", "JP", "MX", "PE",
                    "PL", "KR", "RU", "SA", "UA", "GB", "US", "UY", "EP", "EM"]
NEW_2026 = ["DE", "FR", "ES", "AT", "IN", "SG", "CL", "AP"]
BIG = ["JP", "KR", "CN", "US", "EP"]

MC_QUESTIONS = ["ip_rights", "data_types", "formats", "standards",
                "challenges_sharing", "challenges_collecting"]


# --------------------------------------------------------------------------- helpers

def load_codebook(year: int) -> dict:
    with open(OUT / f"codebook-{year}.toml", "rb") as fh:
        return tomllib.load(fh)


def load_offices() -> dict[str, dict]:
    with open(REF / "offices.csv", newline="", encoding="utf-8") as fh:
        return {r["code"]: r for r in csv.DictReader(fh)}


def load_published() -> dict[tuple[str, str], int]:
    """(question id, option code) -> published count; plus ('respondents', code)."""
    out: dict[tuple[str, str], int] = {}
    with open(REF / "cws13-14-published-figures.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["section"] == "challenges":
                qid = "challenges_" + r["direction"]
            else:
                qid = r["section"]
            out[(qid, r["code"])] = int(r["offices"])
    return out


def weighted_sample(rng: random.Random, pool: list[str], k: int,
                    weights: dict[str, float] | None = None) -> list[str]:
    """k distinct items from pool (sorted first), optionally weighted; deterministic."""
    pool = sorted(pool)
    if k > len(pool):
        raise ValueError(f"cannot pick {k} from {len(pool)}")
    chosen: list[str] = []
    remaining = list(pool)
    for _ in range(k):
        w = [(weights or {}).get(x, 1.0) for x in remaining]
        x = rng.choices(remaining, weights=w, k=1)[0]
        chosen.append(x)
        remaining.remove(x)
    return sorted(chosen)


def pick(rng, offices, count, forced_in=(), forced_out=(), weights=None) -> set[str]:
    forced_in, forced_out = set(forced_in), set(forced_out)
    assert not forced_in & forced_out, (forced_in, forced_out)
    pool = [o for o in offices if o not in forced_in and o not in forced_out]
    return forced_in | set(weighted_sample(rng, pool, count - len(forced_in), weights))


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


# --------------------------------------------------------------------------- survey 2025

def make_survey_2025(rng: random.Random, cb: dict, published: dict) -> dict[str, dict]:
    offices = list(RESPONDENTS_2025)
    qs = {q["id"]: q for q in cb["questions"]}
    ans: dict[str, dict] = {o: {"mc": {q: set() for q in MC_QUESTIONS}} for o in offices}

    def count(qid, code):
        return published[(qid, code)]

    # yes/no --------------------------------------------------------------
    for o in offices:
        ans[o]["shares_data"] = "No" if o == "HN" else "Yes"
        ans[o]["consent_publish"] = "No" if o in ("HN", "UY") else "Yes"
    law = pick(rng, offices, count("respondents", "national_law"),
               forced_in={"CN", "RU", "SA", "EM"}, forced_out={"HN"})
    for o in offices:
        ans[o]["national_law"] = "Yes" if o in law else "No"
    assert sum(a["shares_data"] == "Yes" for a in ans.values()) == count("respondents", "shares_data")

    def assign(qid, code, chosen):
        for o in chosen:
            ans[o]["mc"][qid].add(code)

    xml_offices = [o for o in offices if o not in ("HN", "GH")]

    # ip_rights ------------------------------------------------------------
    q = "ip_rights"
    assign(q, "patents", pick(rng, offices, count(q, "patents"), forced_out={"EM", "HN"}))
    assign(q, "trademarks", pick(rng, offices, count(q, "trademarks"),
                                 forced_in={"EM", "HN", "AU", "GB", "MX", "UA", "US"},
                                 forced_out={"EP"}))
    assign(q, "industrial_designs", pick(rng, offices, count(q, "industrial_designs"),
                                         forced_in={"EM", "KR"}, forced_out={"EP"}))
    assign(q, "geographical_indications", pick(rng, offices, count(q, "geographical_indications"),
                                               forced_in={"EM"}, forced_out={"EP", "US", "JP"}))
    assign(q, "copyright", {"HN"})
    assign(q, "plant_breeders_rights", {"UY"})
    assign(q, "ic_layout_designs", {"KR"})
    assign(q, "computer_programs", {"RU"})

    # data_types -----------------------------------------------------------
    q = "data_types"
    assign(q, "bibliographic", pick(rng, offices, count(q, "bibliographic"),
                                    forced_in=set(BIG), forced_out={"HN", "GH"}))
    assign(q, "full_text", pick(rng, offices, count(q, "full_text"),
                                forced_in=set(BIG), forced_out={"HN", "GH"}))
    assign(q, "legal_status", pick(rng, offices, count(q, "legal_status"),
                                   forced_in=set(BIG), forced_out={"HN"}))
    assign(q, "office_actions", pick(rng, offices, count(q, "office_actions"),
                                     forced_in={"JP", "KR", "US", "EP"}, forced_out={"HN", "GH"}))
    assign(q, "gazette", pick(rng, offices, count(q, "gazette"), forced_in={"HN", "GH"}))

    # formats --------------------------------------------------------------
    q = "formats"
    assign(q, "XML", set(xml_offices))
    assert len(xml_offices) == count(q, "XML")
    assign(q, "PDF", pick(rng, offices, count(q, "PDF"), forced_in={"HN", "GH", "BR"}))
    assign(q, "IMG", pick(rng, offices, count(q, "IMG"), forced_in={"EM", "GH"}))
    assign(q, "TXT", pick(rng, offices, count(q, "TXT"), forced_in={"US", "MX"}, forced_out={"HN"}))
    assign(q, "DOCX", pick(rng, offices, count(q, "DOCX"), forced_out=set(BIG) | {"EM"}))
    assign(q, "TIFF", pick(rng, offices, count(q, "TIFF"), forced_in={"JP", "US"}))
    for code, who in [("MP4", "EM"), ("MP3", "EM"), ("OBJ", "KR"), ("XLT", "PE"),
                      ("X3D", "EM"), ("CSV", "BR")]:
        assert count(q, code) == 1
        assign(q, code, {who})
    assign(q, "JSON", pick(rng, offices, count(q, "JSON"), forced_in={"US", "EP"},
                           forced_out={"HN", "GH"}))

    # standards ------------------------------------------------------------
    q = "standards"
    not_xml = {"HN", "GH"}
    for code in ("ST.26", "ST.36", "ST.96"):
        assign(q, code, pick(rng, xml_offices, count(q, code), forced_in=set(BIG),
                             forced_out={"EM"} if code != "ST.96" else set()))
    assign(q, "ST.27", pick(rng, offices, count(q, "ST.27"), forced_in={"EP", "JP", "KR"},
                            forced_out=not_xml | {"EM"}))
    assign(q, "ST.32", {"JP"})
    assign(q, "ST.37", {"GH"})
    assign(q, "ST.61", {"HN"})
    assign(q, "ST.66", {"EM", "US"})
    assign(q, "ST.86", pick(rng, xml_offices, count(q, "ST.86"), forced_in={"EM", "KR"},
                            forced_out={"EP"}))
    assign(q, "ST.87", {"EM"})
    assign(q, "ST.90", {"EP", "US"})
    for code in ("ST.32", "ST.37", "ST.61", "ST.66", "ST.87", "ST.90"):
        assert count(q, code) == len([o for o in offices if code in ans[o]["mc"][q]]), code

    # every office ticks >= 1 standard: re-draw the randomised standards until covered
    # (deterministic: the retry consumes the same seeded stream on every run)
    def uncovered(qid, skip=()):
        return [o for o in offices if o not in skip and not ans[o]["mc"][qid]]

    tries = 0
    while uncovered("standards") or uncovered("ip_rights") or uncovered("data_types"):
        tries += 1
        if tries > 500:
            raise SystemExit("could not cover all offices with standards")
        for o in offices:
            for code in ("ST.26", "ST.36", "ST.96", "ST.27", "ST.86"):
                ans[o]["mc"]["standards"].discard(code)
        for code in ("ST.26", "ST.36", "ST.96"):
            assign(q, code, pick(rng, xml_offices, count(q, code), forced_in=set(BIG),
                                 forced_out={"EM"} if code != "ST.96" else set()))
        assign(q, "ST.27", pick(rng, offices, count(q, "ST.27"), forced_in={"EP", "JP", "KR"},
                                forced_out=not_xml | {"EM"}))
        assign(q, "ST.86", pick(rng, xml_offices, count(q, "ST.86"), forced_in={"EM", "KR"},
                                forced_out={"EP"}))

    # challenges: sharing --------------------------------------------------
    q = "challenges_sharing"
    opts = [o["code"] for o in qs[q]["options"]]
    small = {"HN", "GH", "PE", "UY", "HR", "UA", "MX", "BR", "SA"}
    w_small = {o: (3.0 if o in small else 0.6) for o in offices}
    fixed_sharing = {"does_not_share": {"HN", "PE"}, "not_digitized": {"HN"},
                     "partially_digitized": {"GH"}, "data_as_revenue": {"RU"},
                     "lack_of_staff": {"UY"}}
    for _ in range(1000):
        for o in offices:
            ans[o]["mc"][q] = set()
        for code in opts:
            if code in fixed_sharing:
                assign(q, code, fixed_sharing[code])
            elif code in ("redistribution_concerns", "hosting_outside_jurisdiction"):
                assign(q, code, pick(rng, offices, count(q, code), forced_out={"HN"}))
            else:
                assign(q, code, pick(rng, offices, count(q, code), weights=w_small))
        if not uncovered(q):
            break
    else:
        raise SystemExit("could not cover challenges_sharing")

    # challenges: collecting (GH leaves the question blank) ------------------
    q = "challenges_collecting"
    opts = [o["code"] for o in qs[q]["options"]]
    answering = [o for o in offices if o != "GH"]
    for _ in range(5000):
        for o in offices:
            ans[o]["mc"][q] = set()
        noncollect = pick(rng, answering, count(q, "does_not_collect"),
                          forced_in={"HN"}, forced_out=set(BIG) | {"EM", "GB", "AU", "CA"})
        assign(q, "does_not_collect", noncollect)
        collectors = [o for o in answering if o not in noncollect]
        w = {o: (0.15 if o in noncollect else 1.0) for o in answering}
        for code in opts:
            if code == "does_not_collect":
                continue
            assign(q, code, pick(rng, answering, count(q, code), weights=w))
        ok = (not uncovered(q, skip={"GH"})
              and all(len(ans[o]["mc"][q]) <= 2 for o in noncollect)
              and sum(len(ans[o]["mc"][q]) - 1 for o in noncollect) <= 2
              and all(len(ans[o]["mc"][q]) <= 6 for o in collectors))
        if ok:
            break
    else:
        raise SystemExit("could not satisfy challenges_collecting constraints")

    # comments -------------------------------------------------------------
    comments = {
        "JP": "Bibliographic and full-text data are exchanged weekly under bilateral agreements.",
        "EP": "Migration of all bulk data products to ST.96 is planned.",
        "HN": "Our office is digitizing its registers and does not share IP data yet.",
        "PE": "We share gazette data on request only; regular exchange is not yet in place.",
        "SA": "We support a shared update calendar among offices.",
        "UA": "Deliveries were affected by infrastructure outages in 2024.",
    }
    for o in offices:
        ans[o]["comments"] = comments.get(o, "")
    return ans


def check_2025(ans: dict, cb: dict, published: dict) -> None:
    """Assert every published aggregate and the plausibility constraints."""
    offices = sorted(ans)
    assert len(offices) == published[("respondents", "respondents")]
    for (qid, code), n in sorted(published.items()):
        if qid == "respondents":
            if code == "respondents":
                continue
            got = sum(ans[o][code] == "Yes" for o in offices)
        else:
            got = sum(code in ans[o]["mc"][qid] for o in offices)
        assert got == n, (qid, code, got, n)
    mc = {o: ans[o]["mc"] for o in offices}
    assert [o for o in offices if ans[o]["shares_data"] == "No"] == ["HN"]
    assert sorted(o for o in offices if "does_not_share" in mc[o]["challenges_sharing"]) == ["HN", "PE"]
    xml = {o for o in offices if "XML" in mc[o]["formats"]}
    assert sorted(set(offices) - xml) == ["GH", "HN"]
    for code in ("ST.26", "ST.36", "ST.96"):
        assert {o for o in offices if code in mc[o]["standards"]} <= xml, code
    assert {o for o in offices if "patents" not in mc[o]["ip_rights"]} == {"EM", "HN"}
    assert {"trademarks", "industrial_designs"} <= mc["EM"]["ip_rights"]
    assert "patents" in mc["EP"]["ip_rights"] and "trademarks" not in mc["EP"]["ip_rights"]
    for o in BIG:
        assert {"ST.26", "ST.36", "ST.96"} <= mc[o]["standards"], o
    assert sorted(o for o in offices if ans[o]["consent_publish"] == "No") == ["HN", "UY"]
    for o in offices:
        for q in MC_QUESTIONS:
            assert mc[o][q] or (o, q) == ("GH", "challenges_collecting"), (o, q)
    assert not mc["GH"]["challenges_collecting"]


def write_survey_2025(ans: dict, cb: dict) -> None:
    header = [cb["survey"]["office_column"][0]] + [q["headers"][0] for q in cb["questions"]]
    assert header[0] == "Office code"
    rows = []
    for o in RESPONDENTS_2025:
        row = [o]
        for q in cb["questions"]:
            if q["type"] == "multiple_choice":
                ticked = ans[o]["mc"][q["id"]]
                row.append("; ".join(opt["label"] for opt in q["options"] if opt["code"] in ticked))
            else:
                row.append(ans[o][q["id"]])
        rows.append(row)
    write_csv(OUT / "survey-2025.csv", header, rows)


# --------------------------------------------------------------------------- survey 2026

NEW_PROFILES = {
    # office: ip_rights, data_types, formats, standards
    "DE": (["patents", "trademarks", "industrial_designs"],
           ["bibliographic", "full_text", "legal_status", "gazette"],
           ["XML", "PDF", "TIFF"], ["ST.26", "ST.27", "ST.36", "ST.96"]),
    "FR": (["patents", "trademarks", "industrial_designs", "geographical_indications"],
           ["bibliographic", "full_text", "legal_status"],
           ["XML", "PDF"], ["ST.26", "ST.36", "ST.66", "ST.86"]),
    "ES": (["patents", "trademarks", "industrial_designs"],
           ["bibliographic", "legal_status", "gazette"],
           ["XML", "PDF", "IMG"], ["ST.36", "ST.66", "ST.96"]),
    "AT": (["patents", "trademarks", "industrial_designs"],
           ["bibliographic", "full_text", "gazette"],
           ["XML", "PDF"], ["ST.26", "ST.36"]),
    "IN": (["patents", "trademarks", "industrial_designs", "geographical_indications"],
           ["bibliographic", "full_text", "gazette"],
           ["XML", "PDF", "IMG"], ["ST.26", "ST.36"]),
    "SG": (["patents", "trademarks", "industrial_designs", "plant_breeders_rights"],
           ["bibliographic", "full_text", "legal_status", "office_actions"],
           ["XML", "PDF", "JSON"], ["ST.36", "ST.90", "ST.96"]),
    "CL": (["patents", "trademarks", "industrial_designs"],
           ["bibliographic", "gazette"],
           ["XML", "PDF"], ["ST.36"]),
    "AP": (["patents", "trademarks", "industrial_designs"],
           ["bibliographic", "gazette"],
           ["XML", "PDF"], ["ST.36"]),
}


def make_survey_2026(rng: random.Random, cb: dict, a25: dict) -> tuple[dict, dict]:
    qs = {q["id"]: q for q in cb["questions"]}
    continuing = [o for o in RESPONDENTS_2025 if o not in ("HN", "GH")]
    offices = continuing + NEW_2026
    assert len(offices) == 26
    ans: dict[str, dict] = {}
    log: dict[str, list] = {}
    for o in continuing:
        src = a25[o]
        ans[o] = {"mc": {q: set(v) for q, v in src["mc"].items()},
                  "shares_data": src["shares_data"], "national_law": src["national_law"]}
    for o in NEW_2026:
        ip, dtypes, fmts, stds = NEW_PROFILES[o]
        ans[o] = {"mc": {"ip_rights": set(ip), "data_types": set(dtypes),
                         "formats": set(fmts), "standards": set(stds),
                         "challenges_sharing": set(), "challenges_collecting": set()},
                  "shares_data": "Yes",
                  "national_law": "Yes" if rng.random() < 0.5 else "No"}
        # challenges for new offices (AP leaves challenges_sharing blank, see below)
        sh = [x["code"] for x in qs["challenges_sharing"]["options"]
              if x["code"] not in ("does_not_share", "not_digitized", "non_standard_formats")]
        co = [x["code"] for x in qs["challenges_collecting"]["options"]
              if x["code"] not in ("does_not_collect", "non_standard_formats")]
        ans[o]["mc"]["challenges_sharing"] = set(weighted_sample(rng, sh, rng.randint(1, 3)))
        ans[o]["mc"]["challenges_collecting"] = set(weighted_sample(rng, co, rng.randint(1, 3)))
    # AP: regional office that does not (yet) collect from others
    ans["AP"]["mc"]["challenges_collecting"] = {"does_not_collect", "partner_lacks_it"}

    mc = lambda o, q: ans[o]["mc"][q]  # noqa: E731
    xml = lambda o: "XML" in mc(o, "formats")  # noqa: E731

    # ST.96 adopted by 4 more continuing offices (all XML users)
    cand = [o for o in continuing if xml(o) and "ST.96" not in mc(o, "standards")]
    log["ST.96 adopted (continuing offices)"] = weighted_sample(rng, cand, 4)
    for o in log["ST.96 adopted (continuing offices)"]:
        mc(o, "standards").add("ST.96")
    # ST.97 adopted by 4 offices (they also tick JSON)
    cand = [o for o in offices if "ST.96" in mc(o, "standards") and o not in ("US",)]
    log["ST.97 adopted"] = sorted(["US"] + weighted_sample(rng, cand, 3))
    for o in log["ST.97 adopted"]:
        mc(o, "standards").add("ST.97")
        mc(o, "formats").add("JSON")
    # ST.90 adopted by 3 more continuing offices
    cand = [o for o in continuing if "ST.90" not in mc(o, "standards") and xml(o)]
    log["ST.90 adopted (continuing offices)"] = weighted_sample(
        rng, cand, 3, weights={o: (4.0 if o in BIG else 1.0) for o in cand})
    for o in log["ST.90 adopted (continuing offices)"]:
        mc(o, "standards").add("ST.90")
    # drops: JP drops ST.32 (SGML retired); one ST.96 office drops ST.36
    mc("JP", "standards").discard("ST.32")
    log["ST.32 dropped"] = ["JP"]
    cand = [o for o in continuing if {"ST.36", "ST.96"} <= mc(o, "standards") and o not in BIG]
    dropped = weighted_sample(rng, cand, 1)
    mc(dropped[0], "standards").discard("ST.36")
    log["ST.36 dropped"] = dropped
    # fewer non-standard-format challenges
    for q in ("challenges_sharing", "challenges_collecting"):
        cand = [o for o in continuing if "non_standard_formats" in mc(o, q) and len(mc(o, q)) > 1]
        gone = weighted_sample(rng, cand, min(2, len(cand)))
        for o in gone:
            mc(o, q).discard("non_standard_formats")
        log[f"{q}: non_standard_formats unticked"] = gone
    # PE no longer reports does_not_share
    mc("PE", "challenges_sharing").discard("does_not_share")
    if not mc("PE", "challenges_sharing"):
        mc("PE", "challenges_sharing").add("lack_it_resources")
    # a few random, small edits to data types (seeded)
    edits = []
    for o in sorted(continuing):
        if rng.random() < 0.25:
            cand = [x["code"] for x in qs["data_types"]["options"] if x["code"] not in mc(o, "data_types")]
            if cand:
                c = rng.choice(cand)
                mc(o, "data_types").add(c)
                edits.append(f"{o}+{c}")
    log["data_types added"] = edits
    # AP leaves challenges_sharing blank (no answer at all)
    ans["AP"]["mc"]["challenges_sharing"] = set()

    # collects_data: No for offices ticking does_not_collect, except one contradiction
    noncollect = sorted(o for o in offices if "does_not_collect" in mc(o, "challenges_collecting"))
    contra = weighted_sample(rng, [o for o in noncollect if o != "AP"], 1)[0]
    log["does_not_collect offices"] = noncollect
    log["contradiction collects_data=Yes + does_not_collect"] = [contra]
    for o in offices:
        ans[o]["collects_data"] = "No" if (o in noncollect and o != contra) else "Yes"
        ans[o]["consent_publish"] = "No" if o in ("UY", "AP") else "Yes"
        if o in BIG:
            n = rng.randint(25, 60)
        elif o in ("EM", "GB", "AU", "CA", "DE", "FR"):
            n = rng.randint(10, 30)
        else:
            n = rng.randint(1, 9)
        ans[o]["partner_offices"] = n
        if o in BIG or o in ("SA", "EM", "GB"):
            ans[o]["coordinator"] = "Yes"
        else:
            ans[o]["coordinator"] = rng.choices(["Yes", "Planned", "No"], weights=[3, 3, 1])[0]
    comments = {
        "JP": "Weekly exchange continues; ST.32 SGML products were retired.",
        "PE": "Our office now shares gazette data with two partner offices.",
        "AP": "Member-state data are collected centrally; exchange with other offices is planned.",
        "SG": "We provide an ST.90 web API for bibliographic data.",
        "SA": "Thanks to all offices that adopted the shared update calendar.",
    }
    for o in offices:
        ans[o]["comments"] = comments.get(o, "")

    # sanity
    for o in offices:
        if {"ST.96", "ST.26", "ST.36"} & mc(o, "standards"):
            assert xml(o), o
        for q in MC_QUESTIONS:
            assert mc(o, q) or (o, q) == ("AP", "challenges_sharing"), (o, q)
    log["offices"] = offices
    return ans, log


def save_xlsx_deterministic(wb: openpyxl.Workbook, path: Path) -> None:
    wb.properties.created = FIXED_TS
    wb.properties.modified = FIXED_TS
    wb.properties.creator = "scripts/make_bundled_data.py"
    buf = io.BytesIO()
    archive = zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()  # no save_workbook(): it stamps `modified` with now()
    buf.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            info = zipfile.ZipInfo(name, date_time=FIXED_TS.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            dst.writestr(info, src.read(name))
    path.write_bytes(out.getvalue())


def write_survey_2026(ans: dict, cb: dict, offices: list[str]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Responses"
    header = ["ST.3 code"]
    for q in cb["questions"]:
        if q["type"] == "multiple_choice":
            header += [f"{q['headers'][0]} [{opt['label']}]" for opt in q["options"]]
        else:
            header.append(q["headers"][0])
    ws.append(header)
    for o in offices:
        row: list = [o]
        for q in cb["questions"]:
            if q["type"] == "multiple_choice":
                ticked = ans[o]["mc"][q["id"]]
                row += ["x" if opt["code"] in ticked else None for opt in q["options"]]
            elif q["type"] == "number":
                row.append(int(ans[o][q["id"]]))
            else:
                v = ans[o][q["id"]]
                row.append(v if v != "" else None)
        ws.append(row)
    save_xlsx_deterministic(wb, OUT / "survey-2026.xlsx")


# --------------------------------------------------------------------------- schedules

# provider, recipient, dataset, frequency
SCHEDULES = [
    ("JP", "US", "patent-bibliographic", "weekly"),
    ("JP", "EP", "patent-bibliographic", "weekly"),
    ("JP", "KR", "patent-fulltext", "monthly"),
    ("KR", "US", "patent-fulltext", "weekly"),
    ("KR", "JP", "patent-bibliographic", "weekly"),
    ("CN", "EP", "patent-bibliographic", "weekly"),
    ("CN", "JP", "patent-fulltext", "monthly"),
    ("US", "JP", "patent-bibliographic", "weekly"),
    ("US", "WO", "legal-status", "weekly"),
    ("EP", "WO", "patent-bibliographic", "weekly"),
    ("EP", "CN", "legal-status", "monthly"),
    ("EM", "WO", "trademark-bibliographic", "weekly"),
    ("EM", "GB", "design-bibliographic", "monthly"),
    ("GB", "EP", "patent-bibliographic", "weekly"),
    ("GB", "WO", "trademark-bibliographic", "biweekly"),
    ("AU", "WO", "patent-bibliographic", "biweekly"),
    ("AU", "JP", "trademark-bibliographic", "monthly"),
    ("CA", "US", "patent-bibliographic", "weekly"),
    ("CA", "WO", "gazette", "weekly"),
    ("BR", "WO", "patent-bibliographic", "biweekly"),
    ("BR", "EP", "patent-fulltext", "monthly"),
    ("MX", "WO", "patent-bibliographic", "biweekly"),
    ("MX", "US", "trademark-bibliographic", "monthly"),
    ("SA", "WO", "patent-bibliographic", "weekly"),
    ("SA", "JP", "gazette", "monthly"),
    ("UA", "EP", "patent-bibliographic", "biweekly"),
    ("UA", "WO", "trademark-bibliographic", "monthly"),
    ("PL", "EP", "patent-bibliographic", "weekly"),
    ("PL", "WO", "gazette", "biweekly"),
    ("WO", "KR", "patent-bibliographic", "weekly"),
    ("WO", "SA", "legal-status", "quarterly"),
]
ENDING = {("EM", "GB", "design-bibliographic"): dt.date(2026, 6, 30)}
#: Schedules on business days: key -> (grace_unit, holiday_calendar). A scheduled date
#: on a holiday of the calendar (or, for business_days, a weekend) moves to the next business
#: day; business_days grace counts business days. EP is an office code: data/reference/
#: holiday-calendars.csv maps it to its seat's calendar (Munich, Bavaria).
BUSINESS_DAY_SCHEDULES = {
    ("JP", "EP", "patent-bibliographic"): ("business_days", "JP"),
    ("EP", "WO", "patent-bibliographic"): ("business_days", "EP"),
    ("US", "JP", "patent-bibliographic"): ("days", "US"),
}


def make_schedules(rng: random.Random) -> list[dict]:
    first, last = dt.date(2025, 1, 6), dt.date(2025, 10, 1)
    span = (last - first).days
    out = []
    for prov, rec, ds, freq in SCHEDULES:
        while True:
            start = first + dt.timedelta(days=rng.randint(0, span))
            if freq in ("weekly", "biweekly") and start.weekday() >= 5:
                continue  # weekly feeds start on a working day
            if freq in ("monthly", "quarterly") and start.day > 28:
                continue
            break
        grace = rng.randint(0, 3) if freq == "weekly" else rng.randint(1, 7)
        target = rng.randint(80, 98) / 100
        unit, holiday_calendar = BUSINESS_DAY_SCHEDULES.get((prov, rec, ds), ("days", None))
        out.append(dict(provider=prov, recipient=rec, dataset=ds, frequency=freq,
                        grace_days=grace, starts=start,
                        ends=ENDING.get((prov, rec, ds)), on_time_target=target,
                        grace_unit=unit, holiday_calendar=holiday_calendar))
    keys = [(s["provider"], s["recipient"], s["dataset"]) for s in out]
    assert len(keys) == len(set(keys))
    assert all(s["provider"] != s["recipient"] for s in out)
    return out


def add_months(d: dt.date, n: int) -> dt.date:
    m = d.month - 1 + n
    y, m = d.year + m // 12, m % 12 + 1
    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def _closed_days(s: dict) -> set[dt.date] | None:
    """The holidays a schedule's dates move around (None: a calendar-day schedule without one)."""
    from db.business_days import holiday_dates
    if s["grace_unit"] == "days" and not s["holiday_calendar"]:
        return None
    if not s["holiday_calendar"]:
        return set()
    return set(holiday_dates(s["holiday_calendar"], s["starts"].year, AS_OF.year + 1))


def _next_business_day(d: dt.date, closed: set[dt.date]) -> dt.date:
    from db.business_days import is_business_day
    while not is_business_day(d, closed):
        d += dt.timedelta(days=1)
    return d


def deadline(s: dict, d: dt.date) -> dt.date:
    """The deadline of the occurrence scheduled on (moved) date d, as queries/delivery.py has it."""
    if s["grace_unit"] != "business_days":
        return d + dt.timedelta(days=s["grace_days"])
    closed = _closed_days(s)
    for _ in range(s["grace_days"]):
        d = _next_business_day(d + dt.timedelta(days=1), closed)
    return d


def occurrences(s: dict) -> list[dt.date | None]:
    """One slot per nominal scheduled date up to AS_OF: the date moved to the next business day
    where the schedule says so, None where it moved onto the previous slot's day (two dates
    moved onto one day are one occurrence) or past AS_OF. Slots, not dates, so that the random
    draws per slot (and every schedule after this one) do not depend on the holidays."""
    closed = _closed_days(s)
    nominal = _nominal_occurrences(s)
    if closed is None:
        return nominal
    end = min(AS_OF, s["ends"]) if s["ends"] else AS_OF
    slots: list[dt.date | None] = []
    for d in nominal:
        moved = _next_business_day(d, closed)
        taken = any(x == moved for x in slots[-2:])
        slots.append(None if taken or moved > end else moved)
    return slots


def _nominal_occurrences(s: dict) -> list[dt.date]:
    end = min(AS_OF, s["ends"]) if s["ends"] else AS_OF
    out, i = [], 0
    while True:
        if s["frequency"] == "weekly":
            d = s["starts"] + dt.timedelta(days=7 * i)
        elif s["frequency"] == "biweekly":
            d = s["starts"] + dt.timedelta(days=14 * i)
        elif s["frequency"] == "monthly":
            d = add_months(s["starts"], i)
        else:
            d = add_months(s["starts"], 3 * i)
        if d > end:
            return out
        out.append(d)
        i += 1


# --------------------------------------------------------------------------- deliveries

BASE_WEEKLY = {  # typical records of one weekly delivery, per provider and dataset
    ("JP", "patent-bibliographic"): 12000, ("KR", "patent-bibliographic"): 9000,
    ("CN", "patent-bibliographic"): 19000, ("US", "patent-bibliographic"): 16000,
    ("EP", "patent-bibliographic"): 7000, ("GB", "patent-bibliographic"): 5200,
    ("AU", "patent-bibliographic"): 5000, ("CA", "patent-bibliographic"): 5500,
    ("BR", "patent-bibliographic"): 5000, ("MX", "patent-bibliographic"): 5000,
    ("SA", "patent-bibliographic"): 5000, ("UA", "patent-bibliographic"): 5000,
    ("PL", "patent-bibliographic"): 5000, ("WO", "patent-bibliographic"): 6000,
    ("JP", "patent-fulltext"): 6500, ("KR", "patent-fulltext"): 4200,
    ("CN", "patent-fulltext"): 11000, ("BR", "patent-fulltext"): 600,
    ("US", "legal-status"): 30000, ("EP", "legal-status"): 14000, ("WO", "legal-status"): 8000,
    ("EM", "trademark-bibliographic"): 3500, ("GB", "trademark-bibliographic"): 1200,
    ("AU", "trademark-bibliographic"): 1500, ("MX", "trademark-bibliographic"): 2400,
    ("UA", "trademark-bibliographic"): 600, ("EM", "design-bibliographic"): 2000,
    ("CA", "gazette"): 900, ("PL", "gazette"): 420, ("SA", "gazette"): 350,
}

FORMAT = {
    "patent-bibliographic": ("XML", "ST.36"), "patent-fulltext": ("XML", "ST.36"),
    "legal-status": ("XML", "ST.27"), "trademark-bibliographic": ("XML", "ST.66"),
    "design-bibliographic": ("XML", "ST.86"), "gazette": ("PDF", ""),
}
ST96_PROVIDERS = {"JP", "KR", "CN", "US", "EP", "WO"}
PERIOD_WEEKS = {"weekly": 1, "biweekly": 2, "monthly": 4.35, "quarterly": 13}

RELIABLE = {"JP", "KR", "EP", "US", "WO", "EM", "CA"}
MOSTLY = {"CN", "GB", "AU", "SA", "UA", "PL"}
OFTEN_LATE = {"BR", "MX"}

LATE_NOTES = ["server maintenance", "delayed by public holiday", "file transfer failure; resent",
              "re-delivered after validation errors", "network outage at provider"]

# Built-in interruptions: (provider, recipient, dataset) -> (first occurrence index, length, notice)
INTERRUPTIONS = {
    ("SA", "WO", "patent-bibliographic"): (40, 3, "yes"),
    ("UA", "EP", "patent-bibliographic"): (20, 4, "no"),
    ("AU", "WO", "patent-bibliographic"): (25, 2, "no"),
}
PL_SINGLE_MISSES = {("PL", "EP", "patent-bibliographic"): [14, 37, 61]}
# Volume anomalies: key -> (occurrence index, factor)
ANOMALIES = {
    ("CN", "EP", "patent-bibliographic"): (50, 0.1),
    ("KR", "US", "patent-fulltext"): (33, 8.0),
    ("EM", "WO", "trademark-bibliographic"): (45, 0.09),
}
UNSCHEDULED = [
    # provider, recipient, dataset, format, standard, scheduled, delivered, records, notes
    ("JP", "SA", "patent-bibliographic", "XML", "ST.96", dt.date(2025, 9, 15),
     dt.date(2025, 9, 15), 48210, "ad-hoc delivery on request (no schedule)"),
    ("EP", "UA", "legal-status", "XML", "ST.27", dt.date(2026, 2, 10),
     dt.date(2026, 2, 12), 131877, "one-off backfile delivery"),
]


def make_deliveries(rng: random.Random, schedules: list[dict]) -> tuple[list[dict], dict]:
    rows: list[dict] = []
    info: dict = {"interruptions": {}, "pl_misses": [], "anomalies": {}}
    for s in schedules:
        key = (s["provider"], s["recipient"], s["dataset"])
        prov, ds, freq, grace = s["provider"], s["dataset"], s["frequency"], s["grace_days"]
        fmt, std = FORMAT[ds]
        if fmt == "XML" and prov in ST96_PROVIDERS and ds in ("patent-bibliographic", "legal-status"):
            std = "ST.96" if ds == "patent-bibliographic" else std
        if key == ("BR", "EP", "patent-fulltext"):
            fmt, std = "PDF", ""
        if key == ("MX", "US", "trademark-bibliographic"):
            fmt, std = "TXT", ""
        base = BASE_WEEKLY[(prov, ds)] * PERIOD_WEEKS[freq]
        occ = occurrences(s)
        missed: dict[int, str] = {}
        if key in INTERRUPTIONS:
            i0, n, notice = INTERRUPTIONS[key]
            assert i0 + n <= len(occ)
            for i in range(i0, i0 + n):
                missed[i] = notice
            info["interruptions"][key] = ([occ[i].isoformat() for i in range(i0, i0 + n)], notice)
        for i in PL_SINGLE_MISSES.get(key, []):
            missed[i] = rng.choice(["yes", "no"])
            info["pl_misses"].append((key, occ[i].isoformat(), missed[i]))
        for i, d in enumerate(occ):
            r = dict(provider=prov, recipient=s["recipient"], dataset=ds, format=fmt,
                     standard=std, scheduled_date=d, delivered_at=None, records=None,
                     notice_given="", notes="")
            # the random draws happen for every occurrence, so patterns stay stable
            u, lateness_draw, notice_draw, note_draw = (rng.random(), rng.randint(1, 15),
                                                        rng.random(), rng.random())
            noise = rng.gauss(1.0, 0.08)
            if d is None:  # merged into the previous business day (see occurrences)
                continue
            if i in missed:
                r["notice_given"] = missed[i]
                if missed[i] == "yes":
                    r["notes"] = ("announced system migration" if prov == "SA"
                                  else "announced in advance")
                rows.append(r)
                continue
            if prov in RELIABLE:
                late = u < 0.02
                lateness = 1 + lateness_draw % 2
            elif prov in MOSTLY:
                late = u < 0.08
                lateness = 1 + lateness_draw % 4
            else:  # BR, MX
                late = u < 0.35
                lateness = lateness_draw
            if late:
                delivered = deadline(s, d) + dt.timedelta(days=lateness)
                notice = "yes" if notice_draw < 0.4 else "no"
            else:
                delivered = d + dt.timedelta(days=int(u * 1000) % (grace + 1))
                notice = ""
            if delivered > AS_OF:  # not yet due at the as-of date: treat as on time
                delivered, notice = d, ""
                late = False
            r["delivered_at"] = delivered
            r["notice_given"] = notice
            if late and note_draw < 0.35:
                r["notes"] = LATE_NOTES[int(note_draw * 1000) % len(LATE_NOTES)]
            recs = max(1, round(base * max(0.6, noise)))
            if key in ANOMALIES and ANOMALIES[key][0] == i:
                recs = max(1, round(base * ANOMALIES[key][1]))
                info["anomalies"][key] = (d.isoformat(), recs, round(base))
                r["notes"] = ""
            r["records"] = recs
            rows.append(r)
    for prov, rec, ds, fmt, std, sched, deliv, recs, note in UNSCHEDULED:
        rows.append(dict(provider=prov, recipient=rec, dataset=ds, format=fmt, standard=std,
                         scheduled_date=sched, delivered_at=deliv, records=recs,
                         notice_given="", notes=note))
    rows.sort(key=lambda r: (r["scheduled_date"], r["provider"], r["recipient"], r["dataset"]))
    keys = [(r["provider"], r["recipient"], r["dataset"], r["scheduled_date"]) for r in rows]
    assert len(keys) == len(set(keys))
    return rows, info


# --------------------------------------------------------------------------- completeness

FIELDS = {
    "patent-bibliographic": ["publication_number", "publication_date", "application_number",
                             "application_date", "title", "abstract", "applicant", "inventor",
                             "ipc_classification", "priority_claims"],
    "patent-fulltext": ["publication_number", "description", "claims"],
}
WEAK = {  # (provider, field) -> (mean rate, sd)
    ("BR", "abstract"): (0.85, 0.02),
    ("MX", "inventor"): (0.80, 0.025),
    ("UA", "priority_claims"): (0.70, 0.03),
    ("CN", "applicant"): (0.93, 0.01),
}
TITLE_DROP = ("GB", {(2026, 3), (2026, 4)}, 0.62)  # provider, months, rate


def make_completeness(rng: random.Random, deliveries: list[dict]) -> list[list]:
    todo = [r for r in deliveries if r["dataset"] in FIELDS and r["records"]]
    nrows = sum(len(FIELDS[r["dataset"]]) for r in todo)
    if nrows > 40000:  # keep the file small: first delivery of each month per schedule
        seen, sampled = set(), []
        for r in sorted(todo, key=lambda r: r["scheduled_date"]):
            k = (r["provider"], r["recipient"], r["dataset"],
                 r["scheduled_date"].year, r["scheduled_date"].month)
            if k not in seen:
                seen.add(k)
                sampled.append(r)
        todo = sampled
    out = []
    for r in todo:
        n = r["records"]
        for f in FIELDS[r["dataset"]]:
            if f in ("publication_number", "publication_date"):
                rate = 1.0
            elif (r["provider"], f) in WEAK:
                m, sd = WEAK[(r["provider"], f)]
                rate = rng.gauss(m, sd)
            elif (f == "title" and r["provider"] == TITLE_DROP[0]
                  and (r["scheduled_date"].year, r["scheduled_date"].month) in TITLE_DROP[1]):
                rate = rng.gauss(TITLE_DROP[2], 0.03)
            else:
                rate = 1.0 - abs(rng.gauss(0, 0.004))
            pop = min(n, max(0, round(n * rate)))
            out.append([r["provider"], r["recipient"], r["dataset"],
                        r["scheduled_date"].isoformat(), f, pop])
    return out


# --------------------------------------------------------------------------- notices

#: Notices of the built-in interruptions: key -> (kind, days from the first missed
#: scheduled date to the notice: negative = ahead), and none for the others (AU -> WO). So the
#: bundled log has an interruption announced ahead (SA -> WO, 7 days) and one noticed late
#: (UA -> EP, 5 days after the first miss).
INTERRUPTION_NOTICES = {
    ("SA", "WO", "patent-bibliographic"): ("planned_interruption", -7,
                                           "Illustrative: system migration; no weekly files until it is complete."),
    ("UA", "EP", "patent-bibliographic"): ("unplanned_interruption", 5,
                                           "Illustrative: export service down; deliveries resume when it is repaired."),
}
#: Notices ahead of the as-of date, for the calendar: provider, recipient ("" = all), dataset
#: ("" = all), starts, ends, kind, text, announced_at.
UPCOMING_NOTICES = [
    ("JP", "", "patent-bibliographic", dt.date(2026, 12, 21), dt.date(2026, 12, 27), "planned_interruption",
     "Illustrative: year-end maintenance; the files of this week are delivered on 2026-12-28.", dt.date(2026, 11, 16)),
    ("EP", "", "", dt.date(2027, 1, 4), dt.date(2027, 1, 31), "format_change",
     "Illustrative: bibliographic files move to a newer ST.96 version from January.", dt.date(2026, 11, 2)),
]


def make_notices(info: dict) -> list[list]:
    """The notices file's rows: no random draws, so the other files stay as they are."""
    rows = []
    for key, (kind, offset, text) in INTERRUPTION_NOTICES.items():
        dates = [dt.date.fromisoformat(d) for d in info["interruptions"][key][0]]
        announced = dates[0] + dt.timedelta(days=offset)
        assert announced <= AS_OF
        rows.append([*key, dates[0].isoformat(), (dates[-1] + dt.timedelta(days=6)).isoformat(), kind, text,
                     announced.isoformat()])
    for provider, recipient, dataset, starts, ends, kind, text, announced in UPCOMING_NOTICES:
        assert announced <= AS_OF
        rows.append([provider, recipient, dataset, starts.isoformat(), ends.isoformat(), kind, text,
                     announced.isoformat()])
    return rows


# --------------------------------------------------------------------------- main

def main() -> int:
    offices = load_offices()
    for o in RESPONDENTS_2025 + NEW_2026 + ["WO"]:
        assert o in offices, o
    published = load_published()
    cb25, cb26 = load_codebook(2025), load_codebook(2026)

    rng = random.Random(SEED)
    a25 = make_survey_2025(rng, cb25, published)
    check_2025(a25, cb25, published)
    write_survey_2025(a25, cb25)

    rng = random.Random(SEED + 1)
    a26, log26 = make_survey_2026(rng, cb26, a25)
    write_survey_2026(a26, cb26, log26["offices"])

    rng = random.Random(SEED + 2)
    schedules = make_schedules(rng)
    write_csv(OUT / "schedule.csv",
              ["provider", "recipient", "dataset", "frequency", "grace_days", "starts", "ends",
               "on_time_target", "grace_unit", "holiday_calendar"],
              [[s["provider"], s["recipient"], s["dataset"], s["frequency"], s["grace_days"],
                s["starts"].isoformat(), s["ends"].isoformat() if s["ends"] else "",
                f"{s['on_time_target']:.2f}", s["grace_unit"], s["holiday_calendar"] or ""] for s in schedules])

    rng = random.Random(SEED + 3)
    deliveries, info = make_deliveries(rng, schedules)
    iso = lambda d: d.isoformat() if d else ""  # noqa: E731
    write_csv(OUT / "deliveries.csv",
              ["provider", "recipient", "dataset", "format", "standard", "scheduled_date",
               "delivered_at", "records", "notice_given", "notes"],
              [[r["provider"], r["recipient"], r["dataset"], r["format"], r["standard"],
                iso(r["scheduled_date"]), iso(r["delivered_at"]),
                "" if r["records"] is None else r["records"], r["notice_given"], r["notes"]]
               for r in deliveries])

    rng = random.Random(SEED + 4)
    comp = make_completeness(rng, deliveries)
    write_csv(OUT / "completeness.csv",
              ["provider", "recipient", "dataset", "scheduled_date", "field", "populated"], comp)

    write_csv(OUT / "notices.csv",
              ["provider", "recipient", "dataset", "starts", "ends", "kind", "text", "announced_at"],
              make_notices(info))

    if "-v" in sys.argv:
        for k, v in log26.items():
            print("2026", k, v)
        print("interruptions", info["interruptions"])
        print("PL misses", info["pl_misses"])
        print("anomalies", info["anomalies"])
        print("rows: schedules", len(schedules), "deliveries", len(deliveries),
              "completeness", len(comp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
