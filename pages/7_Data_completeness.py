"""Data completeness: populated share of each field per provider and dataset, its trend, and
delivery volume anomalies.

Layout only: every figure comes from `queries.completeness` through `ui.data.query`.
"""
import plotly.graph_objects as go
import streamlit as st

from queries import completeness
from ui import auth, common, data

common.page("Data completeness", ":material/fact_check:")
auth.sidebar()
st.title("Data completeness")
st.caption("How complete are the delivered records, field by field, per provider office and dataset; which "
           "fields fall below the agreed threshold; and which deliveries have an unusual number of records.")
common.illustrative_notice(data.provenance()["illustrative_deliveries"], "delivery data")

filters = common.delivery_filters()
threshold_pct = common.url_select("Completeness threshold (%)", list(range(50, 101)), key="threshold",
                                  default=round(completeness.DEFAULT_THRESHOLD * 100))
threshold = threshold_pct / 100
period = {k: v for k, v in filters.items() if k != "as_of"}
st.caption(f"Period: scheduled dates {filters['since'] or 'start'} to {filters['until'] or 'end'}, inclusive, "
           f"UTC. Completeness = populated / records over the period; below threshold = under {threshold_pct} %.")
names = common.office_names()

st.subheader("Provider office x field")
fields = data.query(completeness.field_completeness, threshold=threshold, **period)
if fields.empty:
    st.info("No completeness figures are loaded for these filters.")
else:
    fields["row"] = [common.chart_text(f"{common.office_label(p, names)} · {d}")
                     for p, d in zip(fields["provider"], fields["dataset"])]
    fields["cell"] = [f"{c:.1%}" + (" ▼" if b else "") for c, b in zip(fields["completeness"],
                                                                        fields["below_threshold"])]
    columns = list(dict.fromkeys(fields.sort_values(["dataset", "field"])["field"]))
    rows = sorted(fields["row"].unique(), reverse=True)
    wide = fields.pivot(index="row", columns="field", values="completeness").reindex(index=rows, columns=columns)
    text = fields.pivot(index="row", columns="field", values="cell").reindex(index=rows, columns=columns)
    fig = go.Figure(go.Heatmap(
        z=wide.values, x=[common.chart_text(c) for c in columns], y=list(wide.index), text=text.values,
        texttemplate="%{text}", zmin=min(0.5, float(fields["completeness"].min())), zmax=1,
        colorscale=[[0, "#D55E00"], [0.5, "#F0E442"], [1, "#FFFFFF"]], colorbar=dict(tickformat=".0%"),
        hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>", xgap=1, ygap=1))
    fig.update_layout(height=max(300, 28 * len(rows) + 160), xaxis=dict(side="top"))
    common.chart(fig, fields.drop(columns=["row", "cell"]), "field-completeness", "completeness-heatmap")
    st.caption(f"▼ marks a field below {threshold_pct} % (the mark, not only the colour). Empty cells: the dataset "
               "has no such field.")
    below = fields[fields["below_threshold"]]
    if below.empty:
        st.success(f"Every field is at or above {threshold_pct} %.")
    else:
        st.warning(f"{len(below)} provider/dataset field(s) below {threshold_pct} %.", icon=":material/warning:")
        st.dataframe(below.assign(provider=[common.office_label(c, names) for c in below["provider"]])[
            ["provider", "dataset", "field", "deliveries", "populated", "records", "completeness"]],
            hide_index=True, key="table-below-threshold",
            column_config={"completeness": st.column_config.NumberColumn(format="percent")})

st.subheader("Trend per field")
trend = data.query(completeness.field_completeness_trend, threshold=threshold, **period)
if not trend.empty:
    datasets = sorted(trend["dataset"].unique())
    dataset = common.url_select("Dataset", datasets, key="trend_dataset")
    shown = trend[trend["dataset"] == dataset]
    fig = go.Figure()
    for i, (field, rows) in enumerate(shown.groupby("field")):
        fig.add_scatter(x=rows["month"], y=rows["completeness"], mode="lines+markers", name=common.chart_text(field),
                        line=dict(color=common.SERIES_COLOURS[i % len(common.SERIES_COLOURS)]),
                        customdata=rows[["populated", "records"]],
                        hovertemplate=common.chart_text(field)
                        + " %{x|%Y-%m}: %{customdata[0]} of %{customdata[1]} populated<extra></extra>")
    fig.add_hline(y=threshold, line_dash="dash", line_color=common.PUBLISHED_COLOUR,
                  annotation_text=f"threshold {threshold_pct} %")
    fig.update_layout(yaxis_tickformat=".0%", xaxis_title="month of scheduled date", yaxis_title="completeness")
    common.chart(fig, shown, f"completeness-trend-{dataset}", "completeness-trend")
    st.caption("All filtered providers together, per month; use the provider filter for one office.")

st.subheader("Volume anomalies")
anomalies = data.query(completeness.volume_anomalies, **period)
st.caption(f"A delivery is an anomaly when its record count lies outside median ± {completeness.ANOMALY_K:g} × "
           f"max(MAD, {completeness.ANOMALY_MAD_FLOOR:.0%} of the median) of the previous "
           f"{completeness.ANOMALY_WINDOW} deliveries of the same provider, recipient and dataset; judged only "
           f"after at least {completeness.ANOMALY_MIN_HISTORY} earlier deliveries.")
if anomalies.empty:
    st.success("No volume anomaly in the period.")
else:
    shown = anomalies.assign(provider=[common.office_label(c, names) for c in anomalies["provider"]],
                             recipient=[common.office_label(c, names) for c in anomalies["recipient"]])
    st.dataframe(shown[["provider", "recipient", "dataset", "scheduled_date", "records", "median", "band_low",
                        "band_high", "ratio", "history"]], hide_index=True, key="table-anomalies",
                 column_config={"ratio": st.column_config.NumberColumn("records / median", format="%.2f"),
                                "median": st.column_config.NumberColumn(format="%.0f"),
                                "band_low": st.column_config.NumberColumn(format="%.0f"),
                                "band_high": st.column_config.NumberColumn(format="%.0f")})
    streams = [f"{p}|{r}|{d}" for p, r, d in
               zip(anomalies["provider"], anomalies["recipient"], anomalies["dataset"])]
    stream = common.url_select("Delivery stream", list(dict.fromkeys(streams)), key="stream",
                               format_func=lambda s: " -> ".join(s.split("|")[:2]) + " · " + s.split("|")[2])
    provider, recipient, dataset = stream.split("|", 2)
    volumes = data.query(completeness.delivery_volumes, since=filters["since"], until=filters["until"],
                         providers=[provider], recipients=[recipient], datasets=[dataset])
    fig = go.Figure()
    fig.add_scatter(x=volumes["scheduled_date"], y=volumes["band_high"], mode="lines", line=dict(width=0),
                    showlegend=False, hoverinfo="skip")
    fig.add_scatter(x=volumes["scheduled_date"], y=volumes["band_low"], mode="lines", line=dict(width=0),
                    fill="tonexty", fillcolor="rgba(0,114,178,0.12)", name="expected band", hoverinfo="skip")
    fig.add_scatter(x=volumes["scheduled_date"], y=volumes["records"], mode="lines+markers", name="records",
                    line=dict(color=common.SERIES_COLOURS[0]),
                    hovertemplate="%{x|%Y-%m-%d}: %{y:,} records<extra></extra>")
    flagged = volumes[volumes["anomaly"]]
    fig.add_scatter(x=flagged["scheduled_date"], y=flagged["records"], mode="markers+text", name="anomaly",
                    text=["anomaly"] * len(flagged), textposition="top center",
                    marker=dict(symbol="x", size=13, color=common.OUTCOME_COLOURS["missed"]),
                    hovertemplate="%{x|%Y-%m-%d}: %{y:,} records (anomaly)<extra></extra>")
    fig.update_layout(xaxis_title="scheduled date (UTC)", yaxis_title="records")
    common.chart(fig, volumes, f"volumes-{provider}-{recipient}", "volume-stream")
