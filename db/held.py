"""The last published state of a held-back month. A month that no status event names is
published (db/review.py); when the secretariat first holds such a month back (as draft or in
review), the public has seen its figures. The review load that holds it back copies the month's
delivery rows (`held_deliveries`) and its completeness rows with their record counts
(`held_completeness`, rows of `db.completeness.completeness_rows_sql`), both scheduled up to the
day of the event, and records the month with that day (`held_periods.held_on`). Public views
read these copies for the month while they do not see its live rows (`queries.filters`), with
the occurrences of its schedules up to that day: what the public saw then, judged today. Loads made meanwhile (corrections under review)
change the live rows only. When the month is published, its copies are dropped and its live rows
are public.
"""
from __future__ import annotations

from .completeness import completeness_rows_sql
from .review import schema_prefix

HELD_TABLES = ("held_periods", "held_deliveries", "held_completeness")
#: Whether the snapshot holds any month back: the queries read the copies only then.
ANY_HELD_SQL = "SELECT EXISTS (SELECT 1 FROM held_periods)"


def hold(con, schema: str, period: str, held_on, load_seq: int) -> None:
    """Copy month `period` ('YYYY-MM') of the snapshot `schema` as the public sees it on `held_on`,
    the day of the status event: its rows scheduled up to that day (as its occurrences are)."""
    p = schema_prefix(schema)
    month = "strftime(scheduled_date, '%Y-%m') = $period AND scheduled_date <= $held_on"
    values = {"period": period, "held_on": held_on}
    con.execute(f"INSERT INTO {p}held_deliveries SELECT * FROM {p}deliveries WHERE {month}", values)
    con.execute(f"INSERT INTO {p}held_completeness SELECT * FROM ({completeness_rows_sql(schema)}) WHERE {month}",
                values)
    con.execute(f"INSERT INTO {p}held_periods VALUES ($period, $held_on, $seq)",
                {"period": period, "held_on": held_on, "seq": int(load_seq)})


def release(con, schema: str, period: str) -> None:
    """Drop the copies of month `period`: it is published, the public sees its live rows."""
    p = schema_prefix(schema)
    for table in ("held_deliveries", "held_completeness"):
        con.execute(f"DELETE FROM {p}{table} WHERE strftime(scheduled_date, '%Y-%m') = $period", {"period": period})
    con.execute(f"DELETE FROM {p}held_periods WHERE period = $period", {"period": period})
