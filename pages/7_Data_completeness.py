"""Data completeness: populated share of each field per provider and dataset, its trend, and
delivery volume anomalies.

Layout only: every figure comes from `queries.completeness` through `ui.data.query`.
"""
import plotly.graph_objects as go
import streamlit as st

from queries import completeness
from ui import common, data, delivery_views, i18n, page
from ui.i18n import _

page.page_header(_("Data completeness"), ":material/fact_check:",
                 _("How complete are the delivered records, field by field, per provider office and dataset; which "
                   "fields fall below the agreed threshold; and which deliveries have an unusual number of records."),
                 "deliveries")

filters = delivery_views.delivery_filters()
threshold_pct = common.url_select(_("Completeness threshold (%)"), list(range(50, 101)), key="threshold",
                                  default=round(completeness.DEFAULT_THRESHOLD * 100))
threshold = threshold_pct / 100
threshold_text = i18n.percent(threshold, 0)
period = {k: v for k, v in filters.items() if k != "as_of"}
st.caption(_("Period: scheduled dates {since} to {until}, inclusive, UTC. Completeness = populated / records over "
             "the period; below threshold = under {threshold}.").format(
    since=i18n.date(filters["where"].since) if filters["where"].since else _("start"),
    until=i18n.date(filters["where"].until) if filters["where"].until else _("end"), threshold=threshold_text))
names = common.office_names()

st.subheader(_("Provider office x field"))
caveats = data.query(completeness.xml_batch_warnings, **period)
if caveats["incomplete"].any():
    st.warning(_("Incomplete XML batches: {count}. Their measured completeness covers only the documents that "
                 "could be read to their end (see the Document coverage page).").format(
        count=i18n.number(int(caveats["incomplete"].sum()))), icon=":material/warning:")
if caveats["office_mismatch"].notna().any():
    st.warning(_("XML batches holding documents of an office other than their provider: {count} (see the "
                 "Document coverage page).").format(count=i18n.number(int(caveats["office_mismatch"].notna().sum()))),
               icon=":material/warning:")
fields = data.query(completeness.field_completeness, threshold=threshold, **period)
if fields.empty:
    st.info(_("No completeness figures are loaded for these filters."))
else:
    fields["row"] = [f"{common.office_axis_label(p, names)} · {common.chart_text(d)}"
                     for p, d in zip(fields["provider"], fields["dataset"])]
    full_rows = {row: common.chart_text(f"{common.office_label(p, names)} · {d}")
                 for row, p, d in zip(fields["row"], fields["provider"], fields["dataset"])}
    fields["cell"] = [i18n.percent(c) + (" ▼" if b else "") for c, b in zip(fields["completeness"],
                                                                            fields["below_threshold"])]
    columns = list(dict.fromkeys(fields.sort_values(["dataset", "field"])["field"]))
    rows = sorted(fields["row"].unique(), reverse=True)
    wide = fields.pivot(index="row", columns="field", values="completeness").reindex(index=rows, columns=columns)
    text = fields.pivot(index="row", columns="field", values="cell").reindex(index=rows, columns=columns)
    fig = go.Figure(go.Heatmap(
        z=wide.values, x=[common.chart_text(c) for c in columns], y=list(wide.index), text=text.values,
        texttemplate="%{text}", zmin=min(0.5, float(fields["completeness"].min())), zmax=1,
        colorscale=[[0, "#D55E00"], [0.5, "#F0E442"], [1, "#FFFFFF"]], colorbar=dict(tickformat=".0%"),
        hovertext=[[full_rows[row]] * len(columns) for row in rows],
        hovertemplate="%{hovertext}<br>%{x}: %{text}<extra></extra>", xgap=1, ygap=1))
    fig.update_layout(height=max(300, 28 * len(rows) + 160), xaxis=dict(side="top"), yaxis_automargin=True)
    common.chart(fig, fields.drop(columns=["row", "cell"]), "field-completeness", "completeness-heatmap")
    st.caption(_("▼ marks a field below {threshold} (the mark, not only the colour). Empty cells: the dataset "
                 "has no such field.").format(threshold=threshold_text))
    below = fields[fields["below_threshold"]]
    if below.empty:
        st.success(_("Every field is at or above {threshold}.").format(threshold=threshold_text))
    else:
        st.warning(i18n.ngettext("{count} provider/dataset field below {threshold}.",
                                 "{count} provider/dataset fields below {threshold}.", len(below)).format(
                       count=i18n.number(len(below)), threshold=threshold_text), icon=":material/warning:")
        common.show_table(below.assign(provider=[common.office_label(c, names) for c in below["provider"]])[
            ["provider", "dataset", "field", "deliveries", "populated", "records", "completeness"]],
            key="table-below-threshold",
            column_config={"completeness": st.column_config.NumberColumn(format="percent")})

st.subheader(_("Trend per field"))
trend = data.query(completeness.field_completeness_trend, threshold=threshold, **period)
if not trend.empty:
    datasets = sorted(trend["dataset"].unique())
    dataset = common.url_select(_("Dataset"), datasets, key="trend_dataset")
    shown = trend[trend["dataset"] == dataset]
    fig = go.Figure()
    for i, (field, rows) in enumerate(shown.groupby("field")):
        fig.add_scatter(x=rows["month"], y=rows["completeness"], mode="lines+markers", name=common.chart_text(field),
                        line=dict(color=common.SERIES_COLOURS[i % len(common.SERIES_COLOURS)]),
                        customdata=rows[["populated", "records"]],
                        hovertemplate=common.chart_text(field) + " "
                        + _("%{x|%Y-%m}: %{customdata[0]} of %{customdata[1]} populated") + "<extra></extra>")
    fig.add_hline(y=threshold, line_dash="dash", line_color=common.PUBLISHED_COLOUR,
                  annotation_text=_("threshold {threshold}").format(threshold=threshold_text))
    fig.update_layout(yaxis_tickformat=".0%", xaxis_title=_("month of scheduled date"), yaxis_title=_("completeness"),
                      xaxis_tickformat="%Y-%m")
    common.chart(fig, shown, f"completeness-trend-{dataset}", "completeness-trend")
    st.caption(_("All filtered providers together, per month; use the provider filter for one office."))

st.subheader(_("Volume anomalies"))
anomalies = data.query(completeness.volume_anomalies, **period)
st.caption(_("A delivery is an anomaly when its record count lies outside median ± {k} × max(MAD, {floor} of the "
             "median) of the previous {window} deliveries of the same provider, recipient and dataset; judged only "
             "after at least {history} earlier deliveries.").format(
    k=i18n.number(completeness.ANOMALY_K), floor=i18n.percent(completeness.ANOMALY_MAD_FLOOR, 0),
    window=i18n.number(completeness.ANOMALY_WINDOW), history=i18n.number(completeness.ANOMALY_MIN_HISTORY)))
if anomalies.empty:
    st.success(_("No volume anomaly in the period."))
else:
    shown = anomalies.assign(provider=[common.office_label(c, names) for c in anomalies["provider"]],
                             recipient=[common.office_label(c, names) for c in anomalies["recipient"]])
    common.show_table(shown[["provider", "recipient", "dataset", "scheduled_date", "records", "median", "band_low",
                             "band_high", "ratio", "history"]], key="table-anomalies",
                      column_config={"ratio": st.column_config.NumberColumn(format="%.2f"),
                                     "median": st.column_config.NumberColumn(format="%.0f"),
                                     "band_low": st.column_config.NumberColumn(format="%.0f"),
                                     "band_high": st.column_config.NumberColumn(format="%.0f")})
    streams = [f"{p}|{r}|{d}" for p, r, d in
               zip(anomalies["provider"], anomalies["recipient"], anomalies["dataset"])]
    stream = common.url_select(_("Delivery stream"), list(dict.fromkeys(streams)), key="stream",
                               format_func=lambda s: " -> ".join(s.split("|")[:2]) + " · " + s.split("|")[2])
    provider, recipient, dataset = stream.split("|", 2)
    volumes = data.query(completeness.delivery_volumes,
                         where=filters["where"].replace(providers=[provider], recipients=[recipient], datasets=[dataset]))
    fig = go.Figure()
    fig.add_scatter(x=volumes["scheduled_date"], y=volumes["band_high"], mode="lines", line=dict(width=0),
                    showlegend=False, hoverinfo="skip")
    fig.add_scatter(x=volumes["scheduled_date"], y=volumes["band_low"], mode="lines", line=dict(width=0),
                    fill="tonexty", fillcolor="rgba(0,114,178,0.12)", name=_("expected band"), hoverinfo="skip")
    fig.add_scatter(x=volumes["scheduled_date"], y=volumes["records"], mode="lines+markers", name=_("records"),
                    line=dict(color=common.SERIES_COLOURS[0]),
                    hovertemplate=_("%{x|%Y-%m-%d}: %{y:,} records") + "<extra></extra>")
    flagged = volumes[volumes["anomaly"]]
    fig.add_scatter(x=flagged["scheduled_date"], y=flagged["records"], mode="markers+text", name=_("anomaly"),
                    text=[_("anomaly")] * len(flagged), textposition="top center",
                    marker=dict(symbol="x", size=13, color=common.OUTCOME_COLOURS["missed"]),
                    hovertemplate=_("%{x|%Y-%m-%d}: %{y:,} records (anomaly)") + "<extra></extra>")
    fig.update_layout(xaxis_title=_("scheduled date (UTC)"), yaxis_title=_("records"))
    common.chart(fig, volumes, f"volumes-{provider}-{recipient}", "volume-stream")
