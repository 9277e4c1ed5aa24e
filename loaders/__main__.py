"""Command line: `python -m loaders --help`.

Exit status: 0 done, 1 input rejected (the report goes to stderr), 2 usage error, 3 busy
(another load or rebuild held the database's lock for longer than IPDX_LOCK_WAIT seconds),
4 unexpected error (one line on stderr; the traceback goes to a log file it names).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import traceback
from datetime import UTC, date, datetime
from pathlib import Path

from queries import coverage, incidents, metrics_summary, registry, status_summary
from queries.feed import write_feeds
from queries.open_data import NotAPackage, write_release

from . import review, store
from .codebook_draft import draft
from .layouts import LAYOUT_NAMES
from .problems import LoadRejected
from .xml_batches import zip_directory


def _db(args) -> Path:
    return Path(args.db).resolve() if args.db else store.default_db_path()


def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", help="database file (default: $IPDX_DB or data/ipdx.duckdb); "
                                "its archive lives in archive/ beside it")


XML_OPTIONS = ("provider", "recipient", "dataset", "scheduled_date")


def _request(args, path: str) -> store.LoadRequest:
    p = Path(path)
    if args.kind == "xml" and p.is_dir():  # a directory batch is archived as a deterministic zip
        return store.LoadRequest("xml", zip_directory(p), p.resolve().name + ".zip", loaded_by="cli",
                                 options={o: getattr(args, o) for o in XML_OPTIONS if getattr(args, o)})
    if not p.is_file():
        raise SystemExit(_usage(f"no such file: {path}"))
    if args.kind == "xml":
        return store.LoadRequest("xml", p, p.name, loaded_by="cli",
                                 options={o: getattr(args, o) for o in XML_OPTIONS if getattr(args, o)})
    codebook = Path(args.codebook) if getattr(args, "codebook", None) else None
    if codebook is not None and not codebook.is_file():
        raise SystemExit(_usage(f"no such codebook: {args.codebook}"))
    options = {key: value for key in ("sheet", "layout") if (value := getattr(args, key, None)) is not None}
    return store.LoadRequest(args.kind, p, p.name, getattr(args, "round", None), codebook, "cli",
                             options=options)


def _usage(message: str) -> int:
    print(f"usage error: {message}", file=sys.stderr)
    return 2


def cmd_build(args) -> int:
    n = store.build(_db(args), include_bundled=not args.without_bundled,
                    progress=lambda f, m: print(f"[{f:4.0%}] {m}", file=sys.stderr))
    print(f"built {_db(args)} from {n} load(s)")
    return 0


def cmd_load(args) -> int:
    if args.kind == "survey" and (not args.round or not args.codebook):
        return _usage("load survey needs --round ROUND and --codebook CODEBOOK")
    result = _load(args, args.file, dry_run=args.dry_run)
    print(result.summary())
    for note in result.notes:
        print(f"  note: {note}")
    return 0


def _load(args, path: str, dry_run: bool) -> store.LoadResult:
    request = _request(args, path)
    try:
        return store.load_file(request, _db(args), dry_run=dry_run)
    finally:
        if request.path != Path(path):  # the temporary zip of a directory batch (archived if loaded)
            request.path.unlink(missing_ok=True)


def cmd_check(args) -> int:
    if args.kind == "survey" and (not args.round or not args.codebook):
        return _usage("check survey needs --round ROUND and --codebook CODEBOOK")
    failed = 0
    for f in args.files:
        try:
            result = _load(args, f, dry_run=True)
            print(f"ok: {f}: {result.summary()}")
        except LoadRejected as err:
            failed = 1
            print(f"{f}: {err.report()}", file=sys.stderr)
    return failed


def cmd_remove(args) -> int:
    record = store.remove_load(args.seq, _db(args), removed_by="cli")
    print(f"removed load #{record['seq']} ({record['kind']} {record['original_name']}); the database was "
          "rebuilt without it, its raw file stays in the archive")
    return 0


def cmd_round_status(args) -> int:
    if args.until is not None:
        try:
            date.fromisoformat(args.until)
        except ValueError:
            return _usage(f"--until must be a date as YYYY-MM-DD (it is {args.until!r})")
    current = review.round_status(args.round, _db(args))
    if args.status is None:
        if current is None:
            return _usage(f"there is no survey round {args.round!r} in {_db(args)}")
        print(f"round {current.round}: {_status_text(current.status, current.until, current.show_provisional)}")
        return 0
    result = review.set_round_status(args.round, args.status, until=args.until, show_provisional=args.show_provisional,
                                     loaded_by="cli", db_path=_db(args))
    wanted = _status_text(args.status, args.until, args.show_provisional)
    if result is None:
        print(f"round {args.round} is already {wanted}; nothing changed")
        return 0
    print(f"round {args.round}: {current.status if current else '?'} -> {wanted}, recorded as load #{result.seq}")
    return 0


def cmd_period_status(args) -> int:
    if args.until is not None:
        try:
            date.fromisoformat(args.until)
        except ValueError:
            return _usage(f"--until must be a date as YYYY-MM-DD (it is {args.until!r})")
    current = review.period_status(args.period, _db(args))
    if args.status is None:
        print(f"period {current.period}: {_status_text(current.status, current.until, current.show_provisional)}"
              + (" (by default: no status was set)" if current.by_default else ""))
        return 0
    result = review.set_period_status(args.period, args.status, until=args.until,
                                      show_provisional=args.show_provisional, loaded_by="cli", db_path=_db(args))
    wanted = _status_text(args.status, args.until, args.show_provisional)
    if result is None:
        print(f"period {args.period} is already {wanted}; nothing changed")
        return 0
    print(f"period {args.period}: {current.status} -> {wanted}, recorded as load #{result.seq}")
    return 0


def _status_text(status: str, until, show_provisional: bool) -> str:
    text = status + (f" until {until}" if until else "")
    return text + (", shown to the public as provisional" if show_provisional else "")


def cmd_status(args) -> int:
    con = store.connect_read_only(_db(args))
    summary = status_summary(con)
    if args.json:
        print(json.dumps(_without_nan(summary), default=str, indent=2))
        return 0
    print(f"database: {_db(args)}")
    print(f"rounds: {', '.join(r['round'] + (' (illustrative)' if r['bundled'] else '') + _unless_published(r['status']) for r in summary['rounds']) or 'none'}")
    if summary["periods"]:
        print(f"periods: {', '.join(p['period'] + _unless_published(p['status']) for p in summary['periods'])}")
    for table, n in summary["tables"].items():
        print(f"  {table}: {n} rows")
    print("loads:")
    for load in summary["loads"]:
        print(f"  #{load['seq']} {load['kind']:<12} {load['original_name']} rows={load['rows']} "
              f"round={_text_or_empty(load['round'])} sha256={load['sha256'][:12]} "
              f"{'bundled ' if load['bundled'] else ''}at {load['loaded_at']}")
    return 0


def _unless_published(status: str) -> str:
    """A round's status in the text of `status`, when it is not public-and-final."""
    return "" if status == "published" else f" [{status}]"


def _missing(value) -> bool:
    """None, or the NaN that a data frame puts where a load has no round."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _text_or_empty(value) -> str:
    return "" if _missing(value) else str(value)


def _without_nan(value):
    """`value` with every NaN as None, so that the JSON is valid (null, not NaN)."""
    if isinstance(value, dict):
        return {k: _without_nan(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_nan(v) for v in value]
    return None if isinstance(value, float) and math.isnan(value) else value


def cmd_metrics(args) -> int:
    if args.list:
        sys.stdout.write(registry.listing())
        return 0
    con = store.connect_read_only(_db(args))
    summary = metrics_summary(con, as_of=args.as_of)
    # XML batches and the completeness measured from them (per delivery and field), for scripts.
    summary["xml_batches"] = coverage.xml_batches_contract(con)
    summary["measured_completeness"] = coverage.measured_completeness_contract(con)
    # Incidents and per-schedule measures, judged at the same as_of as the reliability.
    summary["incidents"] = incidents.incidents_contract(con, as_of=summary["reliability_as_of"])
    summary["schedules"] = incidents.schedules_contract(con, as_of=summary["reliability_as_of"])
    print(json.dumps(summary, default=str, sort_keys=True, indent=None if args.json else 2))
    return 0


def cmd_feed(args) -> int:
    con = store.connect_read_only(_db(args))
    written = write_feeds(con, Path(args.outdir), as_of=args.as_of)
    print(f"wrote {len(written)} Atom feed(s) to {args.outdir}: {', '.join(p.name for p in written)}")
    return 0


def cmd_publish(args) -> int:
    con = store.connect_read_only(_db(args))
    try:
        built = write_release(con, Path(args.outdir))
    except NotAPackage as err:
        return _usage(str(err))
    changes, descriptor = built.changes, built.descriptor
    if args.json:
        print(json.dumps({
            "outdir": str(Path(args.outdir).resolve()), "version": changes["version"],
            "previous_version": changes["previous_version"], "changed": changes["changed"],
            "first_release": changes["first_release"], "rounds": descriptor["ipdx"]["rounds"],
            "periods": descriptor["ipdx"]["periods"],
            "resources": [{"name": r["name"], "path": r["path"], "parquet": r["parquet"]["path"], "rows": r["rows"],
                           "illustrative": r["illustrative"]} for r in descriptor["resources"]],
            "added": changes["added"], "removed": changes["removed"], "changed_tables": changes["changed_tables"],
            "rounds_added": changes["rounds_added"], "periods_added": changes["periods_added"]}, indent=2))
        return 0
    if not changes["changed"]:
        print(f"nothing changed since version {changes['version']}: {args.outdir} keeps it")
        return 0
    since = "first release" if changes["first_release"] else f"previous {changes['previous_version']}"
    print(f"published version {changes['version']} ({since}) to {args.outdir}: "
          f"{len(descriptor['resources'])} table(s) as CSV and Parquet, rounds "
          f"{', '.join(descriptor['ipdx']['rounds']) or 'none'}, {len(descriptor['ipdx']['periods'])} month(s)")
    for item in changes["added"] if not changes["first_release"] else []:
        print(f"  added: {item['name']} ({item['rows']} rows)")
    for item in changes["removed"]:
        print(f"  removed: {item['name']} (had {item['rows']} rows)")
    for item in changes["changed_tables"]:
        print(f"  changed: {item['name']} ({item['rows_before']} -> {item['rows']} rows)")
    return 0


def cmd_codebook_draft(args) -> int:
    export = Path(args.export)
    if not export.is_file():
        return _usage(f"no such file: {args.export}")
    out = None if args.output == "-" else Path(args.output)
    if out is not None and out.exists() and not args.force:
        return _usage(f"{args.output} exists; a reviewed codebook is not overwritten (use --force, or another name)")
    if args.previous is not None and not Path(args.previous).is_file():
        return _usage(f"no such codebook: {args.previous}")
    if args.structure is not None and not Path(args.structure).is_file():
        return _usage(f"no such structure file: {args.structure}")
    text = draft(export, export.name, layout=args.layout, sheet=args.sheet, previous=args.previous,
                 structure=args.structure)
    if out is None:
        sys.stdout.write(text)
        return 0
    out.write_text(text, encoding="utf-8")
    questions = text.count("\n[[questions]]\n")
    reviews = text.count("# review:")
    print(f"drafted {out} from {export.name}: {questions} question(s), {reviews} guess(es) marked '# review:'")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m loaders", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="(re)build the database from the archive, or from the bundled data")
    _add_db(b)
    b.add_argument("--without-bundled", action="store_true",
                   help="leave out the bundled illustrative files (use when real data replaces them)")
    b.set_defaults(func=cmd_build)

    load = sub.add_parser("load", help="validate one file and load it, all or nothing")
    lsub = load.add_subparsers(dest="kind", required=True)
    check = sub.add_parser("check", help="validate files exactly as a load would, change nothing")
    csub = check.add_subparsers(dest="kind", required=True)
    for kind in store.KINDS:
        for subparsers, is_check in ((lsub, False), (csub, True)):
            k = subparsers.add_parser(kind, help={
                "xml": "a delivered batch of ST.36/ST.96 XML documents (file, zip or directory)",
                "authority": "an office's WIPO ST.37 authority file (text or XML)"}.get(
                kind, f"a {kind} file (CSV or XLSX)"))
            if is_check:
                k.add_argument("files", nargs="+", metavar="FILE")
            else:
                k.add_argument("file", metavar="FILE")
                k.add_argument("--dry-run", action="store_true", help="validate and report, change nothing")
            if kind == "xml":
                k.add_argument("--provider", required=True, help="ST.3 code of the delivering office")
                k.add_argument("--dataset", required=True, help="dataset name, as in the schedule")
                k.add_argument("--scheduled-date", required=True, dest="scheduled_date",
                               help="the scheduled date of the delivery this batch is (YYYY-MM-DD)")
                k.add_argument("--recipient", help="ST.3 code of the receiving office (default: the one "
                                                   "recipient the schedule names for provider and dataset)")
            if kind not in ("xml", "authority"):
                k.add_argument("--sheet", metavar="NAME",
                               help="the worksheet of an XLSX workbook to read (default: the first visible one)")
            if kind == "survey":
                k.add_argument("--round", required=False, help="survey round, e.g. 2026")
                k.add_argument("--codebook", required=False, help="the round's codebook (TOML)")
                k.add_argument("--layout", choices=LAYOUT_NAMES,
                               help="the survey tool the export comes from, as it wrote it "
                                    "(default: recognised from the header rows; see docs/survey-exports.md)")
            _add_db(k)
            k.set_defaults(func=cmd_check if is_check else cmd_load)

    cb = sub.add_parser("codebook", help="survey codebooks: draft one from an export")
    cbsub = cb.add_subparsers(dest="action", required=True)
    d = cbsub.add_parser("draft", help="write a codebook drafted from a survey export, every guess marked "
                                       "'# review:' (see docs/survey-exports.md)")
    d.add_argument("export", metavar="EXPORT", help="the survey export (CSV or XLSX) as the tool wrote it")
    d.add_argument("-o", "--output", required=True, metavar="CODEBOOK.toml", help="where to write it ('-': stdout)")
    d.add_argument("--layout", choices=LAYOUT_NAMES,
                   help="the survey tool the export comes from (default: recognised from the header rows)")
    d.add_argument("--sheet", metavar="NAME", help="the worksheet of an XLSX workbook to read")
    d.add_argument("--previous", metavar="CODEBOOK",
                   help="the previous round's codebook: questions and options whose texts match keep "
                        "their ids and codes; the draft lists what is new, changed or gone")
    d.add_argument("--structure", metavar="FILE",
                   help="the survey's structure, a Qualtrics .qsf or LimeSurvey .lss file: question texts, "
                        "types and every option's label (and the codes a numeric export writes)")
    d.add_argument("--force", action="store_true", help="overwrite CODEBOOK.toml if it exists")
    _add_db(d)  # where an unexpected error is logged (ipdx-errors.log beside it), as for every command
    d.set_defaults(func=cmd_codebook_draft)

    r = sub.add_parser("remove", help="remove a loaded file: rebuild the database without it (all or nothing)")
    r.add_argument("seq", type=int, help="the load's number, as `status` lists it")
    _add_db(r)
    r.set_defaults(func=cmd_remove)

    rs = sub.add_parser("round-status", help="show or set a survey round's status: draft (the secretariat only), "
                                             "review (the offices check their entries), published (final)")
    rs.add_argument("round", metavar="ROUND", help="the survey round, e.g. 2026")
    rs.add_argument("status", metavar="STATUS", nargs="?", choices=("draft", "review", "published"),
                    help="draft, review or published (omitted: print the round's status)")
    rs.add_argument("--until", metavar="YYYY-MM-DD", help="review: the date the review by the offices ends")
    rs.add_argument("--show-provisional", action="store_true", dest="show_provisional",
                    help="review: show the round to the public meanwhile, marked provisional (needs --until)")
    _add_db(rs)
    rs.set_defaults(func=cmd_round_status)

    ps = sub.add_parser("period-status", help="show or set a delivery period's status (a month of the scheduled "
                                              "date; published unless set): draft (the secretariat only), review "
                                              "(each provider office checks its figures), published (final)")
    ps.add_argument("period", metavar="YYYY-MM", help="the month, e.g. 2026-03")
    ps.add_argument("status", metavar="STATUS", nargs="?", choices=("draft", "review", "published"),
                    help="draft, review or published (omitted: print the month's status)")
    ps.add_argument("--until", metavar="YYYY-MM-DD", help="review: the date the review by the offices ends")
    ps.add_argument("--show-provisional", action="store_true", dest="show_provisional",
                    help="review: show the month's figures to the public meanwhile, marked provisional (needs --until)")
    _add_db(ps)
    ps.set_defaults(func=cmd_period_status)

    s = sub.add_parser("status", help="what is loaded: files, rounds, row counts")
    _add_db(s)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_status)

    m = sub.add_parser("metrics", help="headline metrics as JSON")
    _add_db(m)
    m.add_argument("--json", action="store_true", help="one JSON object on one line")
    m.add_argument("--as-of", help="reference date YYYY-MM-DD for pending vs missed (default: today, UTC)")
    m.add_argument("--list", action="store_true",
                   help="list every metric of queries.registry with its meaning (docs/metrics.md) and exit")
    m.set_defaults(func=cmd_metrics)

    pub = sub.add_parser("publish", help="write the public view as a Frictionless Data Package (open data release)")
    pub.add_argument("outdir", metavar="OUTDIR",
                     help="folder of the release: new or empty, or one a previous publish wrote (then its version "
                          "is bumped and the changelog lists what changed)")
    pub.add_argument("--json", action="store_true", help="what was published, as one JSON object")
    _add_db(pub)
    pub.set_defaults(func=cmd_publish)

    f = sub.add_parser("feed", help="write the Atom feeds of notices and incidents (all.atom, one per office)")
    f.add_argument("outdir", metavar="OUTDIR", help="folder to write the .atom files into (created if needed)")
    f.add_argument("--as-of", help="reference date YYYY-MM-DD (default: the latest delivery date in the log)")
    _add_db(f)
    f.set_defaults(func=cmd_feed)
    return p


#: Exit statuses, one meaning each.
EXIT_DONE, EXIT_REJECTED, EXIT_USAGE, EXIT_BUSY, EXIT_UNEXPECTED = 0, 1, 2, 3, 4


def _error_log(args) -> Path:
    """Where an unexpected error's traceback goes: ipdx-errors.log beside the database, or a
    temporary file when that folder cannot be written."""
    text = "".join(traceback.format_exc())
    entry = f"--- {datetime.now(UTC).isoformat()} python -m loaders {' '.join(sys.argv[1:])}\n{text}\n"
    try:
        log = _db(args).parent / "ipdx-errors.log"
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(entry)
        return log
    except OSError:
        with tempfile.NamedTemporaryFile("w", prefix="ipdx-error-", suffix=".log", delete=False,
                                         encoding="utf-8") as fh:
            fh.write(entry)
        return Path(fh.name)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except LoadRejected as err:
        print(err.report(), file=sys.stderr)
        return EXIT_REJECTED
    except store.DatabaseBusy as err:
        print(f"busy: {err}; nothing was changed, try again later", file=sys.stderr)
        return EXIT_BUSY
    except ValueError as err:
        return _usage(str(err))
    except Exception as err:  # noqa: BLE001 - the one place that turns any failure into status 4
        log = _error_log(args)
        first = str(err).splitlines()[0] if str(err) else ""
        print(f"unexpected error: {type(err).__name__}: {first} (details in {log})", file=sys.stderr)
        return EXIT_UNEXPECTED


if __name__ == "__main__":
    sys.exit(main())
