"""The delivery filter: one value for what the delivery pages' filter bar narrows the data to,
and the SQL of that filter, written once.

A `DeliveryFilter` holds the period (`since`/`until`, inclusive, on the scheduled date, UTC) and
the provider, recipient and dataset choices (empty or None = all). It is frozen and hashable, so
`ui.data.query` caches on it. The reference date `as_of` is not part of it: it says when the
outcomes are judged, not which rows count, and the completeness metrics have none.

The SQL is parameters only (`$since`, `$until`, `$providers`, `$recipients`, `$datasets`, from
`DeliveryFilter.params`); a column prefix is a table alias the code names, never a value.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace


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

    def __post_init__(self) -> None:
        object.__setattr__(self, "since", as_date(self.since))
        object.__setattr__(self, "until", as_date(self.until))
        for name in ("providers", "recipients", "datasets"):
            object.__setattr__(self, name, _choices(getattr(self, name)))

    def replace(self, **changes) -> DeliveryFilter:
        """This filter with some fields changed (`where.replace(providers=[office])`)."""
        return replace(self, **changes)

    def without_period(self) -> DeliveryFilter:
        """The same offices and datasets over the whole calendar."""
        return replace(self, since=None, until=None)

    def params(self) -> dict:
        """The SQL parameters of `where_sql` and `period_sql`."""
        return {"since": self.since, "until": self.until,
                "providers": list(self.providers) if self.providers else None,
                "recipients": list(self.recipients) if self.recipients else None,
                "datasets": list(self.datasets) if self.datasets else None}


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


def period_sql(alias: str | None = None, since: str = "$since", until: str = "$until") -> str:
    """The period filter on the scheduled date of table `alias` (parameters `since`/`until`: the
    names of the parameters, for a metric that keeps the period apart from the calendar)."""
    p = _prefix(alias)
    for name in (since, until):
        if not (name.startswith("$") and name[1:].isidentifier()):
            raise ValueError(f"not a parameter: {name!r}")
    return f"({since} IS NULL OR {p}scheduled_date >= {since}) AND ({until} IS NULL OR {p}scheduled_date <= {until})"


def where_sql(alias: str | None = None) -> str:
    """The whole filter (offices, datasets and period) on table `alias`."""
    return f"{offices_sql(alias)}\n      AND {period_sql(alias)}"
