"""Peer metrics for the office profile: one value per office and metric, and how one office
compares with its peers.

Definitions:

- Each metric function returns one row per office that has a value (`office`, `value`). An office
  without a value (it left the question blank, was not asked it, or had no delivery due) is not
  a peer for that metric and gets no comparison for it.
- Peers of an office for a metric: the other offices with a value for that metric within the
  peer group: all offices with a value ("all"), the same ST.3 kind (national / regional /
  international, "kind") or the same region ("region"). The office itself is never its own peer.
- Peer median: the median of the peers' values; with an even number of peers, the mean of the
  two middle values (linear interpolation, as DuckDB's `median` and numpy's default).
- Peer quartiles (`peer_p25`, `peer_p75`): the 25th and 75th percentiles of the peers' values,
  by the same linear interpolation: with the n values sorted x[0] <= ... <= x[n-1], the q-th
  quantile is x[i] + f * (x[i+1] - x[i]) where i + f = q * (n - 1) (DuckDB's `quantile_cont`,
  numpy's and pandas' default). The interquartile range (IQR) runs from `peer_p25` to
  `peer_p75`: the middle half of the peers.
- Percentile of the office: the share of its peers whose value is less than or equal to the
  office's value, in percent (0..100; ties count as "less than or equal"). It says where the value
  lies, whatever the metric's direction.
- Standing: the share of peers the office does at least as well as: the percentile for a metric
  where higher is better; for one where lower is better, the share of peers whose value is greater
  than or equal to the office's.
- With fewer than `MIN_PEERS` (5) peers there is no peer median, no quartile, no percentile and
  no standing.
- Strength: a metric with a direction where the office is strictly better than the peer median;
  gap: strictly worse. The strongest strengths are those with the highest standing, the largest
  gaps those with the lowest.
- Standards twins ("what would move this", `standard_twins`): for an office and a round, each
  WIPO standard (an option of the questions tagged "standards") that the office answered and did
  not tick, and every other respondent of the same ST.3 kind or the same region that ticked it,
  with that office's on-time rate and field completeness as provider (`provider_on_time_rate`,
  `provider_completeness`; none when it delivers nothing on the calendar). A suppressed cell
  (the office's own or a twin's) is read as neither ticked nor not ticked: it names no twin and
  no missing standard. Public views take it from `queries.release.public_standard_twins`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from . import completeness, delivery, survey
from .filters import DeliveryFilter
from .survey import TICKED
from .text import N_

MIN_PEERS = 5
PEER_GROUPS = {"all": N_("all offices with a value"), "kind": N_("same kind"), "region": N_("same region")}


def _frame(con, sql: str, params: dict) -> pd.DataFrame:
    return con.execute(sql, params).df()


#: Per respondent of $round that answered at least one question tagged $section (status
#: 'answered' on any of its option rows): the number of options it ticked in those questions.
_OPTIONS_TICKED_SQL = f"""
    SELECT a.office, count(*) FILTER (WHERE {TICKED}) AS value
    FROM survey_answers a
    JOIN survey_questions q ON q.round = a.round AND q.question_id = a.question_id
    WHERE a.round = $round AND q.section = $section AND q.type = 'multiple_choice'
    GROUP BY a.office
    HAVING bool_or(a.status = 'answered')
    ORDER BY a.office"""


def standards_used(con, round: str) -> pd.DataFrame:
    """Per respondent of `round` that answered the standards question: WIPO standards it ticked."""
    return _frame(con, _OPTIONS_TICKED_SQL, {"round": str(round), "section": "standards"})


def ip_rights_exchanged(con, round: str) -> pd.DataFrame:
    """Per respondent of `round` that answered the IP rights question: IP rights it ticked."""
    return _frame(con, _OPTIONS_TICKED_SQL, {"round": str(round), "section": "ip_rights"})


def data_types_exchanged(con, round: str) -> pd.DataFrame:
    """Per respondent of `round` that answered the data types question: data types it ticked."""
    return _frame(con, _OPTIONS_TICKED_SQL, {"round": str(round), "section": "data_types"})


def formats_used(con, round: str) -> pd.DataFrame:
    """Per respondent of `round` that answered the file formats question: formats it ticked."""
    return _frame(con, _OPTIONS_TICKED_SQL, {"round": str(round), "section": "formats"})


def challenges_reported(con, round: str) -> pd.DataFrame:
    """Per respondent of `round` that answered at least one challenges question (sharing or
    collecting): challenges it ticked, both directions together (a blank direction adds 0)."""
    return _frame(con, _OPTIONS_TICKED_SQL, {"round": str(round), "section": "challenges"})


def provider_on_time_rate(con, as_of=None) -> pd.DataFrame:
    """Per provider office with deliveries due by `as_of`: its on-time rate as provider,
    `queries.delivery.delivery_reliability_by_office` (on time / (on time + late + missed))."""
    table = delivery.delivery_reliability_by_office(con, as_of=as_of)
    table = table[table["scheduled"] > 0]
    return pd.DataFrame({"office": table["provider"], "value": table["on_time_rate"].astype(float)})


def provider_missed_share(con, as_of=None) -> pd.DataFrame:
    """Per provider office with deliveries due by `as_of`: missed / (on time + late + missed),
    from `queries.delivery.delivery_reliability_by_office`."""
    table = delivery.delivery_reliability_by_office(con, as_of=as_of)
    table = table[table["scheduled"] > 0]
    return pd.DataFrame({"office": table["provider"], "value": (table["missed"] / table["scheduled"]).astype(float)})


def provider_interruptions(con, as_of=None) -> pd.DataFrame:
    """Per provider office with deliveries due by `as_of`: its interruptions (runs of two or more
    consecutive missed deliveries of one schedule, `queries.delivery.delivery_interruptions`);
    0 for a provider without any."""
    providers = provider_on_time_rate(con, as_of=as_of)["office"]
    runs = delivery.delivery_interruptions(con, as_of=as_of).groupby("provider").size()
    return pd.DataFrame({"office": providers, "value": [int(runs.get(p, 0)) for p in providers]})


def provider_completeness(con, as_of=None) -> pd.DataFrame:
    """Per provider office with completeness figures for deliveries scheduled by `as_of`:
    populated / records over every field and dataset it delivered (the fields of
    `queries.completeness.field_completeness` summed)."""
    fields = completeness.field_completeness(con, DeliveryFilter(until=as_of))
    sums = fields.groupby("provider")[["populated", "records"]].sum()
    sums = sums[sums["records"] > 0]
    return pd.DataFrame({"office": sums.index, "value": (sums["populated"] / sums["records"]).astype(float)})


def recipient_on_time_rate(con, as_of=None) -> pd.DataFrame:
    """Per recipient office with deliveries due to it by `as_of`: the on-time rate of what it
    receives, on time / (on time + late + missed) over every schedule whose recipient it is
    (outcomes as in `queries.delivery.outcomes_sql`)."""
    params = delivery.outcome_params(as_of)
    return _frame(con, f"""
        WITH o AS ({delivery.outcomes_sql(con, params)}),
        per_recipient AS (SELECT recipient AS office, {delivery._OUTCOME_COUNTS} FROM o GROUP BY recipient)
        SELECT office, on_time_rate AS value FROM per_recipient WHERE scheduled > 0 ORDER BY office""",
        params)


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    source: str  # "survey" (per round) or "delivery" (at an as-of date)
    better: str | None  # "higher", "lower", or None (no direction: never a strength or gap)
    unit: str  # "count", "rate"
    function: Callable
    section: str | None = None  # the survey section a survey metric counts ticks in


METRICS = (
    Metric("standards_used", N_("WIPO standards used"), "survey", "higher", "count", standards_used,
           section="standards"),
    Metric("ip_rights_exchanged", N_("IP rights exchanged"), "survey", "higher", "count", ip_rights_exchanged,
           section="ip_rights"),
    Metric("data_types_exchanged", N_("Data types exchanged"), "survey", "higher", "count", data_types_exchanged,
           section="data_types"),
    Metric("formats_used", N_("File formats used"), "survey", None, "count", formats_used,
           section="formats"),
    Metric("challenges_reported", N_("Challenges reported"), "survey", "lower", "count", challenges_reported,
           section="challenges"),
    Metric("provider_on_time_rate", N_("On-time rate as provider"), "delivery", "higher", "rate", provider_on_time_rate),
    Metric("provider_missed_share", N_("Missed deliveries as provider"), "delivery", "lower", "rate",
           provider_missed_share),
    Metric("provider_interruptions", N_("Interruptions as provider"), "delivery", "lower", "count",
           provider_interruptions),
    Metric("provider_completeness", N_("Field completeness as provider"), "delivery", "higher", "rate",
           provider_completeness),
    Metric("recipient_on_time_rate", N_("On-time rate of deliveries received"), "delivery", "higher", "rate",
           recipient_on_time_rate),
)


def metric_values(con, round: str | None = None, as_of=None) -> pd.DataFrame:
    """Every metric of `METRICS` for every office that has a value, long form: metric, source,
    office, value (survey metrics of `round`; none when `round` is None; delivery metrics at
    `as_of`, default the data's as-of date), with the office's ST.3 kind and region."""
    as_of = as_of or delivery.data_as_of(con)
    frames = []
    for metric in METRICS:
        if metric.source == "survey" and round is None:
            continue
        values = metric.function(con, round) if metric.source == "survey" else metric.function(con, as_of=as_of)
        frames.append(values.assign(metric=metric.key, source=metric.source))
    values = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["office", "value", "metric", "source"])
    offices = con.execute("SELECT code AS office, kind, region FROM offices").df()
    return values.merge(offices, on="office", how="left")[["metric", "source", "office", "kind", "region", "value"]]


def compare(values: pd.DataFrame, office: str, group: str = "all",
            min_peers: int = MIN_PEERS) -> pd.DataFrame:
    """One row per metric of `METRICS` for which `office` has a value in `values` (from
    `metric_values`): the office's value, the peer group (`group`: "all", "kind", "region") and
    its description, the number of peers, and when there are at least `min_peers` of them (never
    fewer than `MIN_PEERS`) the peer median, the peer quartiles `peer_p25` and `peer_p75` (the
    interquartile range), the percentile and the standing (module docstring), and `position`:
    "better", "worse" or "same" as the median ("" without a direction)."""
    min_peers = max(int(min_peers), MIN_PEERS)
    rows = []
    for metric in METRICS:
        mine = values[(values["metric"] == metric.key) & (values["office"] == office)]
        if mine.empty:
            continue
        own = mine.iloc[0]
        value = float(own["value"])
        peers = values[(values["metric"] == metric.key) & (values["office"] != office) & values["value"].notna()]
        described = PEER_GROUPS["all"]
        if group in ("kind", "region"):
            peers = peers[peers[group] == own[group]]
            described = f"{PEER_GROUPS[group]} ({own[group]})"
        row = {"metric": metric.key, "label": metric.label, "source": metric.source, "better": metric.better,
               "unit": metric.unit, "value": value, "group": group, "peer_group": described,
               "peers": len(peers), "peer_median": None, "peer_p25": None, "peer_p75": None, "percentile": None,
               "standing": None, "position": ""}
        if len(peers) >= min_peers:
            peer_values = peers["value"].astype(float)
            median = float(peer_values.median())
            row.update(peer_median=median, peer_p25=float(peer_values.quantile(0.25)),
                       peer_p75=float(peer_values.quantile(0.75)),
                       percentile=100.0 * float((peer_values <= value).mean()))
            if metric.better:
                at_least_as_good = peer_values <= value if metric.better == "higher" else peer_values >= value
                row["standing"] = 100.0 * float(at_least_as_good.mean())
                better = value > median if metric.better == "higher" else value < median
                worse = value < median if metric.better == "higher" else value > median
                row["position"] = "better" if better else ("worse" if worse else "same")
        rows.append(row)
    return pd.DataFrame(rows, columns=["metric", "label", "source", "better", "unit", "value", "group", "peer_group",
                                       "peers", "peer_median", "peer_p25", "peer_p75", "percentile", "standing",
                                       "position"])


def strengths_and_gaps(comparison: pd.DataFrame, count: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The `count` strengths (better than the peer median, highest standing first) and gaps
    (worse, lowest standing first) among the rows of `compare`."""
    strengths = comparison[comparison["position"] == "better"].sort_values(["standing", "label"],
                                                                           ascending=[False, True])
    gaps = comparison[comparison["position"] == "worse"].sort_values(["standing", "label"])
    return strengths.head(count), gaps.head(count)


def standard_twins(con, round: str, office: str | None = None, as_of=None, withheld: list[str] | None = None,
                   suppressed: list[str] | None = None) -> pd.DataFrame:
    """Per respondent of `round` (only `office` when given): each WIPO standard it answered and
    did not tick (`code`, `label`, in the codebook's order) and each other respondent of the same
    ST.3 kind or region that ticked it (`twin`, its `kind` and `region`, `same_kind`,
    `same_region`), with the twin's on-time rate (`on_time_rate`) and field completeness
    (`completeness`) as provider at `as_of` (default the data's as-of date; NULL when it delivers
    nothing on the calendar). Respondents in `withheld` ('round/office' keys) are left out and the
    cells in `suppressed` ('round/office/question/option' keys) are read as unknown, as in
    `queries.survey.option_matrix`: row level, so public views take it from
    `queries.release.public_standard_twins`."""
    matrix = survey.option_matrix(con, "standards", str(round), withheld=withheld, suppressed=suppressed)
    if office is not None:
        lacking = matrix[(matrix["office"] == office) & (matrix["state"] == "no")]
    else:
        lacking = matrix[matrix["state"] == "no"]
    users = matrix.loc[matrix["state"] == "yes", ["office", "code"]].rename(columns={"office": "twin"})
    offices = con.execute("SELECT code AS office, kind, region FROM offices").df()
    pairs = (lacking[["office", "code", "label", "ord"]].merge(users, on="code").merge(offices, on="office")
             .merge(offices.add_prefix("twin_"), left_on="twin", right_on="twin_office"))
    pairs = pairs[pairs["office"] != pairs["twin"]]
    pairs = pairs.assign(same_kind=pairs["kind"] == pairs["twin_kind"],
                         same_region=pairs["region"] == pairs["twin_region"])
    pairs = pairs[pairs["same_kind"] | pairs["same_region"]]
    as_of = as_of or delivery.data_as_of(con)
    on_time = provider_on_time_rate(con, as_of=as_of).set_index("office")["value"]
    complete = provider_completeness(con, as_of=as_of).set_index("office")["value"]
    twins = pd.DataFrame({
        "office": pairs["office"], "code": pairs["code"], "label": pairs["label"], "twin": pairs["twin"],
        "kind": pairs["twin_kind"], "region": pairs["twin_region"], "same_kind": pairs["same_kind"].astype(bool),
        "same_region": pairs["same_region"].astype(bool),
        "on_time_rate": pairs["twin"].map(on_time).astype("Float64"),
        "completeness": pairs["twin"].map(complete).astype("Float64"), "ord": pairs["ord"]})
    return twins.sort_values(["office", "ord", "code", "twin"]).drop(columns="ord").reset_index(drop=True)
