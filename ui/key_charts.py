"""The key charts: the registry shared by the presentation view and the meeting pack.

Each builder takes a `Context` (how to run a metric of `queries`, office names, provenance and
the filters in force) and returns a `KeyChart`: the figure, exactly its data, a one-line
takeaway computed from that data, and its provenance (round, as-of date, illustrative or real).
Figure builders used by pages too (home, Challenges, Delivery reliability) live here once.

Every key chart is an aggregate. Survey charts come from `queries.release` with the viewer's
hidden offices (`Context.withheld`): round totals over every respondent, less what
complementary suppression withholds; challenge categories over the released respondents.
Delivery data is not subject to consent.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd
import plotly.graph_objects as go

import queries
from queries import completeness, delivery, reference, release, review
from queries.disclosure import consent_by_office
from queries.filters import DeliveryFilter

from . import common, data, disclosure, exports, i18n
from .common import (
    OUTCOME_COLOURS,
    SERIES_COLOURS,
    chart_text,
    office_axis_label,
    office_hover_label,
    office_label,
    rate_axis,
    share_text,
    style_figure,
)
from .i18n import N_, _

#: Challenge categories and directions (msgids: shown through `_()`).
CATEGORY_LABELS = {"technical": N_("technical"), "legal": N_("legal/policy"), "organizational": N_("organizational"),
                   "business": N_("business/coordination")}
DIRECTIONS = {"sharing": N_("When sharing IP data"), "collecting": N_("When collecting IP data")}


def category_label(category) -> str:
    """A challenge category in the page's language (an unknown category as loaded)."""
    return _(CATEGORY_LABELS[category]) if category in CATEGORY_LABELS else str(category)


@dataclass
class Context:
    """What a key chart needs: `run(metric, **kwargs)` runs a `queries` function on the current
    snapshot; `names` maps ST.3 codes to office names; `provenance` is `queries.provenance`;
    `round` is the survey round shown (None: the latest), `as_of` the delivery reference date
    (None: the data's as-of date) and `withheld` the respondents hidden from the viewer
    ('round/office' keys, `queries.release`)."""
    run: Callable
    names: dict
    provenance: dict
    round: str | None = None
    as_of: dt.date | None = None
    withheld: list | None = None
    rounds: list = field(default_factory=list)

    def __post_init__(self):
        self.rounds = [str(r["round"]) for r in self.provenance["rounds"]]
        if self.round not in self.rounds:
            self.round = self.rounds[-1] if self.rounds else None
        self.as_of = self.as_of or self.provenance["deliveries_as_of"]

    def survey_provenance(self, rounds) -> str:
        rounds = [str(r) for r in rounds]
        illustrative = any(r["illustrative"] for r in self.provenance["rounds"] if str(r["round"]) in rounds)
        kind = _("illustrative data (bundled sample answers)") if illustrative else _("real survey answers")
        return i18n.ngettext("Survey round {rounds} · {kind}", "Survey rounds {rounds} · {kind}", len(rounds)).format(
            rounds=", ".join(rounds), kind=kind)

    def delivery_provenance(self) -> str:
        kind = (_("illustrative data (bundled sample deliveries)") if self.provenance["illustrative_deliveries"]
                else _("real delivery log"))
        return _("Deliveries as of {date} (UTC) · {kind}").format(date=i18n.date(self.as_of), kind=kind)

    def provisional_rounds(self, rounds=None) -> pd.DataFrame:
        """The public rounds still in review (round, until; `queries.review.provisional_rounds`)
        among `rounds` (None: every one)."""
        frame = self.run(review.provisional_rounds)
        if rounds is not None:
            frame = frame[frame["round"].astype(str).isin([str(r) for r in rounds])]
        return frame.reset_index(drop=True)

    def provisional_notices(self, rounds=None, escape=str) -> list[str]:
        """The provisional notice of each of `rounds` still in review and shown to the public
        (`common.provisional_text`, the pages' banner): a slide or pack showing it says so."""
        return provisional_notices(self.provisional_rounds(rounds), escape)


def provisional_notices(frame: pd.DataFrame, escape=str) -> list[str]:
    """The notices of the provisional rounds of `frame` (round, until), in the page's language."""
    return [common.provisional_text(r, u, escape) for r, u in zip(frame["round"], frame["until"])]


def app_context(round: str | None = None, as_of=None) -> Context:
    """The context of a Streamlit page: metrics through `ui.data.query` (cached per snapshot)."""
    return Context(data.query, common.office_names(), data.provenance(), round, as_of, disclosure.withheld())


def connection_context(con, round: str | None = None, as_of=None) -> Context:
    """A context on a DuckDB connection (command line, tests): metrics run directly, for the
    public viewer (every office that did not consent is hidden)."""
    names = reference.office_names(con)
    return Context(lambda fn, **kwargs: fn(con, **kwargs), names, queries.provenance(con), round, as_of,
                   release.withheld_keys(consent_by_office(con)))


@dataclass
class KeyChart:
    key: str
    title: str
    figure: go.Figure
    frame: pd.DataFrame
    takeaway: str
    provenance: str
    #: The survey rounds the chart shows (none for delivery charts): a provisional one is noted.
    rounds: tuple = ()


# ------------------------------------------------------------------ figure builders shared with pages

def standards_by_round_figure(standards: pd.DataFrame) -> go.Figure:
    """Share of respondents using each standard, one bar series per round (base in the legend)."""
    fig = go.Figure()
    for i, (rnd, grp) in enumerate(standards.groupby("round")):
        base = int(grp["base"].iloc[0])
        fig.add_bar(x=[chart_text(c) for c in grp["code"]], y=grp["share"],
                    name=_("{round} (base {base})").format(round=chart_text(rnd), base=base),
                    marker_color=SERIES_COLOURS[i % len(SERIES_COLOURS)],
                    customdata=grp[["offices", "base"]],
                    hovertemplate=_("%{x}: %{customdata[0]} of %{customdata[1]} offices") + "<extra></extra>")
    fig.update_layout(yaxis_tickformat=".0%", barmode="group", yaxis_title=_("share of respondents"))
    return fig


def on_time_by_provider_figure(reliability: pd.DataFrame, names: dict) -> go.Figure:
    """Horizontal bars: on-time rate per provider office (sorted, lowest first)."""
    reliability = reliability.sort_values("on_time_rate")
    fig = go.Figure(go.Bar(x=reliability["on_time_rate"],
                           y=[office_axis_label(c, names) for c in reliability["provider"]], orientation="h",
                           marker_color=OUTCOME_COLOURS["on_time"],
                           hovertext=[office_hover_label(c, names) for c in reliability["provider"]],
                           customdata=reliability[["on_time", "scheduled"]],
                           hovertemplate=_("%{hovertext}: %{customdata[0]} of %{customdata[1]} on time")
                           + "<extra></extra>"))
    fig.update_layout(height=420, yaxis_automargin=True)
    fig.update_xaxes(**rate_axis(reliability["on_time_rate"], _("on-time rate")))
    return fig


def challenge_categories_figure(categories: pd.DataFrame, as_share: bool) -> go.Figure:
    """Offices reporting at least one challenge of each category, per direction (count or share)."""
    marked = _("suppressed")
    suppressed = categories["suppressed"] if "suppressed" in categories else pd.Series(False, index=categories.index)
    categories = categories.assign(category_label=[
        f"{category_label(c)} ({marked})" if hide else category_label(c)
        for c, hide in zip(categories["category"], suppressed.astype(bool))])
    fig = go.Figure()
    for i, (direction, title) in enumerate(DIRECTIONS.items()):
        rows = categories[categories["direction"] == direction]
        fig.add_bar(x=[chart_text(c) for c in rows["category_label"]],
                    y=rows["share" if as_share else "offices"], name=_(title),
                    marker_color=SERIES_COLOURS[i], marker_pattern_shape="/" if i else "",
                    customdata=rows[["offices", "base"]],
                    hovertemplate=_("%{x}: %{customdata[0]} of %{customdata[1]} offices") + "<extra></extra>")
    fig.update_layout(barmode="group", yaxis_tickformat=".0%" if as_share else None,
                      yaxis_title=_("share of respondents") if as_share else _("offices"),
                      title=_("Offices reporting at least one challenge of the category"))
    return fig


def monthly_trend_figure(trend: pd.DataFrame, as_of) -> go.Figure:
    """On-time rate per month: finished months joined by a line, incomplete months drawn apart."""
    finished, unfinished = trend[~trend["incomplete"]], trend[trend["incomplete"]]
    fig = go.Figure()
    fig.add_scatter(x=finished["month"], y=finished["on_time_rate"], mode="lines+markers", name=_("finished month"),
                    marker=dict(color=OUTCOME_COLOURS["on_time"], symbol="circle"),
                    line=dict(color=OUTCOME_COLOURS["on_time"]),
                    customdata=finished[["on_time", "scheduled"]],
                    hovertemplate=_("%{x|%Y-%m}: %{customdata[0]} of %{customdata[1]} on time") + "<extra></extra>")
    if len(unfinished):
        fig.add_scatter(x=unfinished["month"], y=unfinished["on_time_rate"], mode="markers+text",
                        name=_("incomplete (as of {date})").format(date=i18n.date(as_of)),
                        text=[_("incomplete")] * len(unfinished),
                        textposition="top center",
                        marker=dict(color=OUTCOME_COLOURS["pending"], symbol="circle-open", size=11),
                        customdata=unfinished[["on_time", "scheduled", "pending"]],
                        hovertemplate=_("%{x|%Y-%m} (incomplete): %{customdata[0]} of %{customdata[1]} on time, "
                                        "%{customdata[2]} pending") + "<extra></extra>")
    fig.update_layout(xaxis_title=_("month of scheduled date"), xaxis_tickformat="%Y-%m")
    fig.update_yaxes(**rate_axis(trend["on_time_rate"], _("on-time rate"), top=1.05))
    return fig


# ------------------------------------------------------------------ the key charts

def standards_by_round(ctx: Context) -> KeyChart:
    standards = ctx.run(release.public_option_counts, section="standards", withheld=ctx.withheld)
    frame = standards[["round", "code", "label", "offices", "base", "share", "suppressed"]]
    takeaway = _("No survey round is loaded.")
    shown = frame.dropna(subset=["offices"])
    if len(shown):
        latest = shown[shown["round"] == shown["round"].max()].sort_values(["offices", "code"],
                                                                          ascending=[False, True])
        top = latest.iloc[0]
        share = share_text(int(top["offices"]), int(top["base"]))
        earlier = shown[(shown["code"] == top["code"]) & (shown["round"] < top["round"])]
        if len(earlier):
            before = earlier.iloc[-1]
            takeaway = _("{standard} is the most used standard in {round}, by {share} respondents, against "
                         "{earlier_share} in {earlier_round}.").format(
                standard=top["code"], round=top["round"], share=share,
                earlier_share=share_text(int(before["offices"]), int(before["base"])), earlier_round=before["round"])
        else:
            takeaway = _("{standard} is the most used standard in {round}, by {share} respondents.").format(
                standard=top["code"], round=top["round"], share=share)
    return KeyChart("standards", _("Standards used, share of respondents by round"), standards_by_round_figure(frame),
                    frame, takeaway, ctx.survey_provenance(sorted(frame["round"].unique()) or ctx.rounds),
                    tuple(str(r) for r in frame["round"].unique()))


def challenge_categories(ctx: Context) -> KeyChart:
    categories = ctx.run(release.public_category_counts, withheld=ctx.withheld)
    frame = categories[categories["round"] == ctx.round][["round", "direction", "category", "offices",
                                                          "no_answer", "base", "share", "suppressed"]]
    sentences = []
    for direction in DIRECTIONS:
        rows = frame[frame["direction"] == direction].dropna(subset=["offices"]).sort_values(
            ["offices", "category"], ascending=[False, True])
        if len(rows) and rows["offices"].iloc[0] > 0:
            top = rows.iloc[0]
            template = (_("when sharing IP data, {category} challenges, by {share} respondents") if direction == "sharing"
                        else _("when collecting IP data, {category} challenges, by {share} respondents"))
            sentences.append(template.format(category=category_label(top["category"]),
                                             share=share_text(int(top["offices"]), int(top["base"]))))
    takeaway = (_("Most reported in {round}: {list}.").format(round=ctx.round, list="; ".join(sentences))
                if sentences else _("No challenge reported in {round}.").format(round=ctx.round))
    return KeyChart("challenges", _("Challenges per category, {round}").format(round=ctx.round),
                    challenge_categories_figure(frame, True),
                    frame, takeaway, ctx.survey_provenance([ctx.round] if ctx.round else []),
                    (ctx.round,) if ctx.round else ())


def on_time_by_provider(ctx: Context) -> KeyChart:
    reliability = ctx.run(delivery.delivery_reliability_by_office, as_of=ctx.as_of)
    overall = ctx.run(delivery.overall_on_time_rate, as_of=ctx.as_of)
    due = reliability[reliability["scheduled"] > 0].sort_values(["on_time_rate", "provider"])
    takeaway = _("No delivery was due.")
    if overall["due"]:
        low, high = due.iloc[0], due.iloc[-1]
        takeaway = _("{rate} of due deliveries on time ({on_time} of {due}); lowest {lowest} {lowest_rate}, "
                     "highest {highest} {highest_rate}.").format(
            rate=i18n.percent(overall["on_time_rate"]), on_time=i18n.number(overall["on_time"]),
            due=i18n.number(overall["due"]), lowest=office_label(low["provider"], ctx.names),
            lowest_rate=i18n.percent(low["on_time_rate"], 0), highest=office_label(high["provider"], ctx.names),
            highest_rate=i18n.percent(high["on_time_rate"], 0))
    return KeyChart("on-time-by-provider", _("On-time rate by provider office"),
                    on_time_by_provider_figure(reliability, ctx.names), reliability, takeaway,
                    ctx.delivery_provenance())


def monthly_on_time(ctx: Context) -> KeyChart:
    trend = ctx.run(delivery.monthly_on_time_trend, as_of=ctx.as_of)
    finished = trend[~trend["incomplete"] & (trend["scheduled"] > 0)]
    takeaway = _("No finished month yet.")
    if len(finished):
        last = finished.iloc[-1]
        worst = finished.sort_values(["on_time_rate", "month"]).iloc[0]
        takeaway = _("Last finished month {month}: {rate} on time ({on_time} of {scheduled}); lowest month "
                     "{lowest_month}: {lowest_rate}.").format(
            month=f"{last['month']:%Y-%m}", rate=i18n.percent(last["on_time_rate"], 0),
            on_time=i18n.number(int(last["on_time"])), scheduled=i18n.number(int(last["scheduled"])),
            lowest_month=f"{worst['month']:%Y-%m}", lowest_rate=i18n.percent(worst["on_time_rate"], 0))
        if trend["incomplete"].any():
            incomplete = int(trend["incomplete"].sum())
            takeaway += " " + i18n.ngettext("{count} month still incomplete, shown apart.",
                                            "{count} months still incomplete, shown apart.",
                                            incomplete).format(count=i18n.number(incomplete))
    return KeyChart("monthly-on-time", _("On-time rate by month"), monthly_trend_figure(trend, ctx.as_of), trend,
                    takeaway, ctx.delivery_provenance())


def weakest_fields(ctx: Context, count: int = 10) -> KeyChart:
    fields = ctx.run(completeness.field_completeness, where=DeliveryFilter(until=ctx.as_of))
    frame = fields.sort_values(["completeness", "provider", "dataset", "field"]).head(count)
    frame = frame.iloc[::-1]
    rows = list(zip(frame["provider"], frame["dataset"], frame["field"]))
    fig = go.Figure(go.Bar(x=frame["completeness"], orientation="h", marker_color=SERIES_COLOURS[5],
                           y=[f"{office_axis_label(p, ctx.names)} · {chart_text(d)} · {chart_text(f)}"
                              for p, d, f in rows],
                           hovertext=[chart_text(f"{office_label(p, ctx.names)} · {d} · {f}") for p, d, f in rows],
                           customdata=frame[["populated", "records"]],
                           hovertemplate=_("%{hovertext}: %{customdata[0]} of %{customdata[1]} populated")
                           + "<extra></extra>"))
    threshold = i18n.percent(completeness.DEFAULT_THRESHOLD, 0)
    fig.add_vline(x=completeness.DEFAULT_THRESHOLD, line_dash="dash", line_color="#777777",
                  annotation_text=_("threshold {threshold}").format(threshold=threshold))
    fig.update_xaxes(**rate_axis([*frame["completeness"], completeness.DEFAULT_THRESHOLD], _("completeness")))
    fig.update_layout(height=460, yaxis_automargin=True,
                      title=i18n.ngettext("The {count} least complete field (provider · dataset · field)",
                                          "The {count} least complete fields (provider · dataset · field)",
                                          len(frame)).format(count=len(frame)))
    below = int(fields["below_threshold"].sum()) if len(fields) else 0
    takeaway = _("No completeness figures are loaded.")
    if len(frame):
        worst = frame.iloc[-1]
        takeaway = _("{below} of {total} provider fields below {threshold} populated; least complete: {office} "
                     "{dataset} {field} at {completeness}.").format(
            below=i18n.number(below), total=i18n.number(len(fields)), threshold=threshold,
            office=office_label(worst["provider"], ctx.names), dataset=worst["dataset"], field=worst["field"],
            completeness=i18n.percent(worst["completeness"]))
    return KeyChart("weakest-fields", _("Least complete fields"), fig, frame.iloc[::-1], takeaway,
                    ctx.delivery_provenance())


#: The key charts, in presentation order.
KEY_CHARTS = (standards_by_round, challenge_categories, on_time_by_provider, monthly_on_time, weakest_fields)


def build_all(ctx: Context) -> list[KeyChart]:
    charts = [builder(ctx) for builder in KEY_CHARTS]
    for chart in charts:
        style_figure(chart.figure)
    return charts


def filters_in_force(ctx: Context) -> list[tuple[str, str]]:
    return [(_("Survey round"), ctx.round or _("none loaded")), (_("Deliveries as of (UTC)"), i18n.date(ctx.as_of)),
            (_("Offices"), _("all respondents and all delivery streams (no office filter)"))]


def provenance_rows(ctx: Context) -> list[tuple[str, str]]:
    rows = [(_("Survey round {round}").format(round=r["round"]),
             (_("illustrative (bundled sample answers), fielded to {date}") if r["illustrative"]
              else _("real export, fielded to {date}")).format(date=r["fielded_to"]))
            for r in ctx.provenance["rounds"]]
    rows.append((_("Delivery data"), ctx.delivery_provenance()))
    rows.append((_("Published figures"), _("WIPO CWS/13/14 (22 October 2025), 2025 survey aggregates")))
    return rows


def meeting_pack_makers(ctx: Context, charts: list[KeyChart] | None = None) -> dict[str, Callable[[], bytes]]:
    """The meeting pack as {"html": make, "xlsx": make}: every key chart, the reconciliation
    table, the provenance and the filters in force (`ui.exports`). The data is read now (inside
    the page run); the files are assembled only when a maker is called (a download click)."""
    charts = build_all(ctx) if charts is None else charts
    reconciliation = ctx.run(release.public_published_vs_computed, withheld=ctx.withheld)
    provenance, filters = provenance_rows(ctx), filters_in_force(ctx)
    illustrative = ctx.provenance["illustrative_survey"] or ctx.provenance["illustrative_deliveries"]
    provisional = ctx.provisional_rounds({r for chart in charts for r in chart.rounds})
    lang = i18n.language()  # the files are made on click, after the run: in the page's language

    def make_html() -> bytes:
        generated = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
        with i18n.using(lang):
            return exports.meeting_pack_html(charts, reconciliation, provenance, filters,
                                             _(common.ILLUSTRATIVE_TEXT) if illustrative else None, generated,
                                             provisional_notices(provisional))

    def make_xlsx() -> bytes:
        with i18n.using(lang):
            return exports.meeting_pack_xlsx(charts, reconciliation, provenance, filters,
                                             provisional_notices(provisional))

    return {"html": make_html, "xlsx": make_xlsx}
