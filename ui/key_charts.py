"""The key charts: the registry shared by the presentation view and the meeting pack.

Each builder takes a `Context` (how to run a metric of `queries`, office names, provenance and
the filters in force) and returns a `KeyChart`: the figure, exactly its data, a one-line
takeaway computed from that data, and its provenance (round, as-of date, illustrative or real).
Figure builders used by pages too (home, Challenges, Delivery reliability) live here once.

Every key chart is an aggregate (over all respondents of a round, or delivery data, which is
not subject to consent), so the same charts are right for every viewer.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd
import plotly.graph_objects as go

from queries import completeness, delivery, survey

from .common import (OUTCOME_COLOURS, SERIES_COLOURS, chart_text, office_label, share_text,
                     style_figure)

CATEGORY_LABELS = {"technical": "technical", "legal": "legal/policy", "organizational": "organizational",
                   "business": "business/coordination"}
DIRECTIONS = {"sharing": "When sharing IP data", "collecting": "When collecting IP data"}


@dataclass
class Context:
    """What a key chart needs: `run(metric, **kwargs)` runs a `queries` function on the current
    snapshot; `names` maps ST.3 codes to office names; `provenance` is `queries.provenance`;
    `round` is the survey round shown (None: the latest) and `as_of` the delivery reference date
    (None: the data's as-of date)."""
    run: Callable
    names: dict
    provenance: dict
    round: str | None = None
    as_of: dt.date | None = None
    rounds: list = field(default_factory=list)

    def __post_init__(self):
        self.rounds = [str(r["round"]) for r in self.provenance["rounds"]]
        if self.round not in self.rounds:
            self.round = self.rounds[-1] if self.rounds else None
        self.as_of = self.as_of or self.provenance["deliveries_as_of"]

    def survey_provenance(self, rounds) -> str:
        rounds = [str(r) for r in rounds]
        illustrative = any(r["illustrative"] for r in self.provenance["rounds"] if str(r["round"]) in rounds)
        kind = "illustrative data (bundled sample answers)" if illustrative else "real survey answers"
        return f"Survey round{'s' if len(rounds) > 1 else ''} {', '.join(rounds)} · {kind}"

    def delivery_provenance(self) -> str:
        kind = ("illustrative data (bundled sample deliveries)" if self.provenance["illustrative_deliveries"]
                else "real delivery log")
        return f"Deliveries as of {self.as_of} (UTC) · {kind}"


def app_context(round: str | None = None, as_of=None) -> Context:
    """The context of a Streamlit page: metrics through `ui.data.query` (cached per snapshot)."""
    from . import common, data
    return Context(data.query, common.office_names(), data.provenance(), round, as_of)


def connection_context(con, round: str | None = None, as_of=None) -> Context:
    """A context on a DuckDB connection (command line, tests): metrics run directly."""
    import queries
    names = dict(con.execute("SELECT code, name FROM offices").fetchall())
    return Context(lambda fn, **kwargs: fn(con, **kwargs), names, queries.provenance(con), round, as_of)


@dataclass
class KeyChart:
    key: str
    title: str
    figure: go.Figure
    frame: pd.DataFrame
    takeaway: str
    provenance: str


# ------------------------------------------------------------------ figure builders shared with pages

def standards_by_round_figure(standards: pd.DataFrame) -> go.Figure:
    """Share of respondents using each standard, one bar series per round (base in the legend)."""
    fig = go.Figure()
    for i, (rnd, grp) in enumerate(standards.groupby("round")):
        base = int(grp["base"].iloc[0])
        fig.add_bar(x=[chart_text(c) for c in grp["code"]], y=grp["share"], name=f"{rnd} (base {base})",
                    marker_color=SERIES_COLOURS[i % len(SERIES_COLOURS)],
                    customdata=grp[["offices", "base"]],
                    hovertemplate="%{x}: %{customdata[0]} of %{customdata[1]} offices<extra></extra>")
    fig.update_layout(yaxis_tickformat=".0%", barmode="group", yaxis_title="share of respondents")
    return fig


def on_time_by_provider_figure(reliability: pd.DataFrame, names: dict) -> go.Figure:
    """Horizontal bars: on-time rate per provider office (sorted, lowest first)."""
    reliability = reliability.sort_values("on_time_rate")
    labels = [chart_text(office_label(c, names)) for c in reliability["provider"]]
    fig = go.Figure(go.Bar(x=reliability["on_time_rate"], y=labels, orientation="h",
                           marker_color=OUTCOME_COLOURS["on_time"],
                           customdata=reliability[["on_time", "scheduled"]],
                           hovertemplate="%{y}: %{customdata[0]} of %{customdata[1]} on time<extra></extra>"))
    fig.update_layout(xaxis_tickformat=".0%", xaxis_range=[0, 1], height=420)
    return fig


def challenge_categories_figure(categories: pd.DataFrame, as_share: bool) -> go.Figure:
    """Offices reporting at least one challenge of each category, per direction (count or share)."""
    categories = categories.assign(category_label=categories["category"].map(CATEGORY_LABELS)
                                   .fillna(categories["category"]))
    fig = go.Figure()
    for i, (direction, title) in enumerate(DIRECTIONS.items()):
        rows = categories[categories["direction"] == direction]
        fig.add_bar(x=[chart_text(c) for c in rows["category_label"]],
                    y=rows["share" if as_share else "offices"], name=title,
                    marker_color=SERIES_COLOURS[i], customdata=rows[["offices", "base"]],
                    hovertemplate="%{x}: %{customdata[0]} of %{customdata[1]} offices<extra></extra>")
    fig.update_layout(barmode="group", yaxis_tickformat=".0%" if as_share else None,
                      yaxis_title="share of respondents" if as_share else "offices",
                      title="Offices reporting at least one challenge of the category")
    return fig


def monthly_trend_figure(trend: pd.DataFrame, as_of) -> go.Figure:
    """On-time rate per month: finished months joined by a line, incomplete months drawn apart."""
    finished, unfinished = trend[~trend["incomplete"]], trend[trend["incomplete"]]
    fig = go.Figure()
    fig.add_scatter(x=finished["month"], y=finished["on_time_rate"], mode="lines+markers", name="finished month",
                    marker=dict(color=OUTCOME_COLOURS["on_time"], symbol="circle"),
                    line=dict(color=OUTCOME_COLOURS["on_time"]),
                    customdata=finished[["on_time", "scheduled"]],
                    hovertemplate="%{x|%Y-%m}: %{customdata[0]} of %{customdata[1]} on time<extra></extra>")
    if len(unfinished):
        fig.add_scatter(x=unfinished["month"], y=unfinished["on_time_rate"], mode="markers+text",
                        name=f"incomplete (as of {as_of})", text=["incomplete"] * len(unfinished),
                        textposition="top center",
                        marker=dict(color=OUTCOME_COLOURS["pending"], symbol="circle-open", size=11),
                        customdata=unfinished[["on_time", "scheduled", "pending"]],
                        hovertemplate="%{x|%Y-%m} (incomplete): %{customdata[0]} of %{customdata[1]} on time, "
                                      "%{customdata[2]} pending<extra></extra>")
    fig.update_layout(yaxis_tickformat=".0%", yaxis_range=[0, 1.05], xaxis_title="month of scheduled date",
                      yaxis_title="on-time rate")
    return fig


# ------------------------------------------------------------------ the key charts

def standards_by_round(ctx: Context) -> KeyChart:
    standards = ctx.run(survey.option_counts, section="standards")
    frame = standards[["round", "code", "label", "offices", "base", "share"]]
    takeaway = "No survey round is loaded."
    if len(frame):
        latest = frame[frame["round"] == frame["round"].max()].sort_values(["offices", "code"],
                                                                          ascending=[False, True])
        top = latest.iloc[0]
        takeaway = (f"{top['code']} is the most used standard in {top['round']}, by "
                    f"{share_text(int(top['offices']), int(top['base']))} respondents")
        earlier = frame[(frame["code"] == top["code"]) & (frame["round"] < top["round"])]
        if len(earlier):
            before = earlier.iloc[-1]
            takeaway += f", against {share_text(int(before['offices']), int(before['base']))} in {before['round']}"
        takeaway += "."
    return KeyChart("standards", "Standards used, share of respondents by round", standards_by_round_figure(frame),
                    frame, takeaway, ctx.survey_provenance(sorted(frame["round"].unique()) or ctx.rounds))


def challenge_categories(ctx: Context) -> KeyChart:
    categories = ctx.run(survey.challenge_category_counts)
    frame = categories[categories["round"] == ctx.round][["round", "direction", "category", "offices",
                                                          "no_answer", "base", "share"]]
    sentences = []
    for direction, title in DIRECTIONS.items():
        rows = frame[frame["direction"] == direction].sort_values(["offices", "category"], ascending=[False, True])
        if len(rows) and rows["offices"].iloc[0] > 0:
            top = rows.iloc[0]
            sentences.append(f"{title[0].lower()}{title[1:]}, {CATEGORY_LABELS.get(top['category'], top['category'])}"
                             f" challenges, by {share_text(int(top['offices']), int(top['base']))} respondents")
    takeaway = (f"Most reported in {ctx.round}: " + "; ".join(sentences) + ".") if sentences else \
        f"No challenge reported in {ctx.round}."
    return KeyChart("challenges", f"Challenges per category, {ctx.round}", challenge_categories_figure(frame, True),
                    frame, takeaway, ctx.survey_provenance([ctx.round] if ctx.round else []))


def on_time_by_provider(ctx: Context) -> KeyChart:
    reliability = ctx.run(delivery.delivery_reliability_by_office, as_of=ctx.as_of)
    overall = ctx.run(delivery.overall_on_time_rate, as_of=ctx.as_of)
    due = reliability[reliability["scheduled"] > 0].sort_values(["on_time_rate", "provider"])
    takeaway = "No delivery was due."
    if overall["due"]:
        low, high = due.iloc[0], due.iloc[-1]
        takeaway = (f"{overall['on_time_rate']:.1%} of due deliveries on time ({overall['on_time']} of {overall['due']});"
                    f" lowest {office_label(low['provider'], ctx.names)} {low['on_time_rate']:.0%}, highest "
                    f"{office_label(high['provider'], ctx.names)} {high['on_time_rate']:.0%}.")
    return KeyChart("on-time-by-provider", "On-time rate by provider office",
                    on_time_by_provider_figure(reliability, ctx.names), reliability, takeaway,
                    ctx.delivery_provenance())


def monthly_on_time(ctx: Context) -> KeyChart:
    trend = ctx.run(delivery.monthly_on_time_trend, as_of=ctx.as_of)
    finished = trend[~trend["incomplete"] & (trend["scheduled"] > 0)]
    takeaway = "No finished month yet."
    if len(finished):
        last = finished.iloc[-1]
        worst = finished.sort_values(["on_time_rate", "month"]).iloc[0]
        takeaway = (f"Last finished month {last['month']:%Y-%m}: {last['on_time_rate']:.0%} on time "
                    f"({int(last['on_time'])} of {int(last['scheduled'])}); lowest month {worst['month']:%Y-%m}: "
                    f"{worst['on_time_rate']:.0%}.")
        if trend["incomplete"].any():
            takeaway += f" {int(trend['incomplete'].sum())} month(s) still incomplete, shown apart."
    return KeyChart("monthly-on-time", "On-time rate by month", monthly_trend_figure(trend, ctx.as_of), trend,
                    takeaway, ctx.delivery_provenance())


def weakest_fields(ctx: Context, count: int = 10) -> KeyChart:
    fields = ctx.run(completeness.field_completeness, until=ctx.as_of)
    frame = fields.sort_values(["completeness", "provider", "dataset", "field"]).head(count)
    frame = frame.iloc[::-1]
    labels = [chart_text(f"{office_label(p, ctx.names)} · {d} · {f}")
              for p, d, f in zip(frame["provider"], frame["dataset"], frame["field"])]
    fig = go.Figure(go.Bar(x=frame["completeness"], y=labels, orientation="h", marker_color=SERIES_COLOURS[5],
                           customdata=frame[["populated", "records"]],
                           hovertemplate="%{y}: %{customdata[0]} of %{customdata[1]} populated<extra></extra>"))
    fig.add_vline(x=completeness.DEFAULT_THRESHOLD, line_dash="dash", line_color="#777777",
                  annotation_text=f"threshold {completeness.DEFAULT_THRESHOLD:.0%}")
    fig.update_layout(xaxis_tickformat=".0%", xaxis_range=[0, 1], height=460,
                      title=f"The {len(frame)} least complete fields (provider · dataset · field)")
    below = int(fields["below_threshold"].sum()) if len(fields) else 0
    takeaway = "No completeness figures are loaded."
    if len(frame):
        worst = frame.iloc[-1]
        takeaway = (f"{below} of {len(fields)} provider fields below {completeness.DEFAULT_THRESHOLD:.0%} populated; "
                    f"least complete: {office_label(worst['provider'], ctx.names)} {worst['dataset']} "
                    f"{worst['field']} at {worst['completeness']:.1%}.")
    return KeyChart("weakest-fields", "Least complete fields", fig, frame.iloc[::-1], takeaway,
                    ctx.delivery_provenance())


#: The key charts, in presentation order.
KEY_CHARTS = (standards_by_round, challenge_categories, on_time_by_provider, monthly_on_time, weakest_fields)


def build_all(ctx: Context) -> list[KeyChart]:
    charts = [builder(ctx) for builder in KEY_CHARTS]
    for chart in charts:
        style_figure(chart.figure)
    return charts


def filters_in_force(ctx: Context) -> list[tuple[str, str]]:
    return [("Survey round", ctx.round or "none loaded"), ("Deliveries as of (UTC)", str(ctx.as_of)),
            ("Offices", "all respondents and all delivery streams (no office filter)")]


def provenance_rows(ctx: Context) -> list[tuple[str, str]]:
    rows = [(f"Survey round {r['round']}", ("illustrative (bundled sample answers)" if r["illustrative"]
                                            else "real export") + f", fielded to {r['fielded_to']}")
            for r in ctx.provenance["rounds"]]
    rows.append(("Delivery data", ctx.delivery_provenance()))
    rows.append(("Published figures", "WIPO CWS/13/14 (22 October 2025), 2025 survey aggregates"))
    return rows


def meeting_pack_makers(ctx: Context, charts: list[KeyChart] | None = None) -> dict[str, Callable[[], bytes]]:
    """The meeting pack as {"html": make, "xlsx": make}: every key chart, the reconciliation
    table, the provenance and the filters in force (`ui.exports`). The data is read now (inside
    the page run); the files are assembled only when a maker is called (a download click)."""
    from . import common, exports
    charts = build_all(ctx) if charts is None else charts
    reconciliation = ctx.run(survey.published_vs_computed)
    provenance, filters = provenance_rows(ctx), filters_in_force(ctx)
    illustrative = ctx.provenance["illustrative_survey"] or ctx.provenance["illustrative_deliveries"]

    def make_html() -> bytes:
        generated = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
        return exports.meeting_pack_html(charts, reconciliation, provenance, filters,
                                         common.ILLUSTRATIVE_TEXT if illustrative else None, generated)

    return {"html": make_html,
            "xlsx": lambda: exports.meeting_pack_xlsx(charts, reconciliation, provenance, filters)}
