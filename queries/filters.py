"""The delivery filter: one value for what the delivery pages' filter bar narrows the data to,
and the SQL of that filter, written once.

A `DeliveryFilter` holds the period (`since`/`until`, inclusive, on the scheduled date, UTC) and
the provider, recipient and dataset choices (empty or None = all). It is frozen and hashable, so
`ui.data.query` caches on it. The reference date `as_of` is not part of it: it says when the
outcomes are judged, not which rows count, and the completeness metrics have none.

The filter also says who is looking (`viewer_all`: the secretariat; `viewer_office`: an office
user's office; neither: the public, the default), for the months under review (`db.review`): the
period filter keeps only the occurrences a viewer may see (`visible_sql`, the one place this is
decided, inside `period_sql`), and the delivery and completeness rows are read from sources of
what the viewer sees (`seen_deliveries_sql`, `seen_completeness_sql`): of a month held back after
the public saw it, the public keeps seeing that state (`db.held`). With no month in draft or
review every viewer sees every row.

The SQL is parameters only (`$since`, `$until`, `$providers`, `$recipients`, `$datasets`,
`$viewer_all`, `$viewer_office`, from `DeliveryFilter.sql_params`); a column prefix is a table alias
the code names, never a value.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from db.completeness import completeness_rows_sql
from db.review import hidden_periods_sql


def as_date(value) -> dt.date | None:
    """A date from a date, a datetime or an ISO text (its first 10 characters); None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _choices(values) -> tuple[str, ...] | None:
    return tuple(str(v) for v in values) if values else None


@dataclass(frozen=True)
class DeliveryFilter:
    """The period and the offices and datasets a delivery or completeness metric counts.
    Lists are kept as tuples of text in the order given; dates as dates."""
    since: dt.date | None = None
    until: dt.date | None = None
    providers: tuple[str, ...] | None = None
    recipients: tuple[str, ...] | None = None
    datasets: tuple[str, ...] | None = None
    #: Who is looking: the secretariat sees every month; an office user also its own figures as
    #: provider of a month in review; anyone else (the default) only the public months.
    viewer_all: bool = False
    viewer_office: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "since", as_date(self.since))
        object.__setattr__(self, "until", as_date(self.until))
        for name in ("providers", "recipients", "datasets"):
            object.__setattr__(self, name, _choices(getattr(self, name)))

    def replace(self, **changes) -> DeliveryFilter:
        """This filter with some fields changed (`where.replace(providers=[office])`)."""
        return replace(self, **changes)

    def seen_by(self, everything: bool = False, office: str | None = None) -> DeliveryFilter:
        """This filter as viewer `everything` (the secretariat) or office user `office` sees it."""
        return replace(self, viewer_all=bool(everything), viewer_office=None if everything else office)

    def without_period(self) -> DeliveryFilter:
        """The same offices and datasets over the whole calendar."""
        return replace(self, since=None, until=None)

    def params(self) -> dict:
        """The filter's choices as SQL parameters: those of `offices_sql` and of the dates of `period_sql`."""
        return {"since": self.since, "until": self.until,
                "providers": list(self.providers) if self.providers else None,
                "recipients": list(self.recipients) if self.recipients else None,
                "datasets": list(self.datasets) if self.datasets else None}

    def viewer_params(self) -> dict:
        """The SQL parameters of `visible_sql`: who is looking."""
        return {"viewer_all": self.viewer_all, "viewer_office": self.viewer_office}

    def sql_params(self) -> dict:
        """Every SQL parameter of `where_sql` and `period_sql`: the choices and the viewer."""
        return self.params() | self.viewer_params()


#: Everything: no period, every office and dataset.
EVERYTHING = DeliveryFilter()


def _prefix(alias: str | None) -> str:
    if alias is None:
        return ""
    if not alias.isidentifier():
        raise ValueError(f"not a table alias: {alias!r}")
    return alias + "."


def offices_sql(alias: str | None = None) -> str:
    """The provider, recipient and dataset filter on the columns of table `alias`."""
    p = _prefix(alias)
    return (f"($providers IS NULL OR list_contains($providers, {p}provider))\n"
            f"      AND ($recipients IS NULL OR list_contains($recipients, {p}recipient))\n"
            f"      AND ($datasets IS NULL OR list_contains($datasets, {p}dataset))")


def dates_sql(alias: str | None = None, since: str = "$since", until: str = "$until") -> str:
    """The period's dates on the scheduled date of table `alias` (parameters `since`/`until`: the
    names of the parameters, for a metric that keeps the period apart from the calendar)."""
    p = _prefix(alias)
    for name in (since, until):
        if not (name.startswith("$") and name[1:].isidentifier()):
            raise ValueError(f"not a parameter: {name!r}")
    return f"({since} IS NULL OR {p}scheduled_date >= {since}) AND ({until} IS NULL OR {p}scheduled_date <= {until})"


def period_sql(alias: str | None = None, since: str = "$since", until: str = "$until") -> str:
    """The period filter on scheduled occurrences (table `alias`): within the dates (`dates_sql`)
    and the occurrences the viewer may see: those of the months it sees live (`visible_sql`),
    and of a held-back month those up to the day it was held back (`db.held`: what the public
    saw then). Delivery and completeness rows are narrowed to what the viewer sees by their
    sources instead (`seen_deliveries_sql`, `seen_completeness_sql`)."""
    p = _prefix(alias)
    held = (f"EXISTS (SELECT 1 FROM held_periods h WHERE h.period = strftime({p}scheduled_date, '%Y-%m')"
            f" AND {p}scheduled_date <= h.held_on)")
    return f"{dates_sql(alias, since, until)}\n      AND ({visible_sql(alias)} OR {held})"


def visible_sql(alias: str | None = None) -> str:
    """The live rows of table `alias` (provider, scheduled_date) the viewer may see: every row for the
    secretariat ($viewer_all); else none of a month in draft, and of a month in review that the
    public does not see provisionally only the rows whose provider is the viewer's office
    ($viewer_office). The hidden months are read from the snapshot's review events
    (`db.review.hidden_periods_sql`), none when no month has a status event."""
    p = _prefix(alias)
    month = f"strftime({p}scheduled_date, '%Y-%m')"
    hidden = hidden_periods_sql()
    # "no month is hidden" first: the usual case, decided once, so that no row's month is computed
    return (f"($viewer_all OR NOT EXISTS ({hidden})"
            f" OR ({month} NOT IN (SELECT period FROM ({hidden}) WHERE status = 'draft')"
            f" AND ({month} NOT IN (SELECT period FROM ({hidden}) WHERE status = 'review')"
            f" OR {p}provider IS NOT DISTINCT FROM $viewer_office)))")


def seen_deliveries_sql() -> str:
    """The delivery rows the viewer sees, as a subquery with the columns of `deliveries`: the
    live rows it may see (`visible_sql`) and, of a held-back month, the rows as the public last
    saw them (`held_deliveries`, db.held) wherever it does not see the live ones."""
    return (f"(SELECT * FROM deliveries WHERE {visible_sql()}"
            f"\n      UNION ALL SELECT * FROM held_deliveries h WHERE NOT ({visible_sql('h')}))")


def seen_completeness_sql() -> str:
    """The completeness rows the viewer sees, with their record counts, as a subquery with the
    columns of `db.completeness.completeness_rows_sql`: the live rows it may see and, of a
    held-back month, the rows as the public last saw them (`held_completeness`), as
    `seen_deliveries_sql`."""
    return (f"(SELECT * FROM ({completeness_rows_sql()}) c WHERE {visible_sql('c')}"
            f"\n      UNION ALL BY NAME SELECT * FROM held_completeness h WHERE NOT ({visible_sql('h')}))")


def where_sql(alias: str | None = None) -> str:
    """The whole filter (offices, datasets and period) on table `alias`."""
    return f"{offices_sql(alias)}\n      AND {period_sql(alias)}"
