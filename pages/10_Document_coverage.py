"""Document coverage against ST.37 authority files, and completeness measured from delivered
XML batches. Layout only: every figure comes from `queries.coverage` through `ui.data.query`."""
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from queries import coverage
from ui import common, data, i18n, page
from ui.i18n import N_, _

#: The coverage metrics: label, column, help (msgids).
COVERAGE_METRICS = [
    (N_("Expected"), "expected", N_("Publication numbers listed for which a document exists")),
    (N_("Covered"), "covered", N_("Expected numbers seen in at least one delivered batch")),
    (N_("Missing"), "missing", N_("Expected numbers no delivered batch contained")),
    (N_("Excepted"), "excepted", N_("Listed with an exception code (withdrawn, never published, ...)")),
    (N_("Unexpected extras"), "extra", N_("Delivered documents the authority file does not list"))]

page.page_header(_("Document coverage"), ":material/fact_check:",
                 _("Which published documents of an office reached the recipients (its WIPO ST.37 authority "
                   "file against the documents seen in delivered ST.36/ST.96 XML batches), and how complete "
                   "each batch's records are, measured from the XML itself."),
                 None, heading=_("Document coverage and measured completeness"))

files = data.query(coverage.authority_files)
batches = data.query(coverage.xml_batch_summary)
# Not data that `queries.provenance` describes: the page's own notice.
common.illustrative_notice(bool(files["bundled"].any() or batches["bundled"].any()),
                           N_("XML batches and authority files"))
names = common.office_names()
offices = sorted(set(files["office"]) | set(batches["provider"]))
if not offices:
    st.info(_("No XML batch or ST.37 authority file is loaded yet. Load them with {xml_command} and "
              "{authority_command}.").format(
        xml_command="`python -m loaders load xml BATCH --provider XX --dataset NAME --scheduled-date YYYY-MM-DD`",
        authority_command="`python -m loaders load authority FILE`"))
    st.stop()
office = common.url_select(_("Office"), offices, key="office",
                           format_func=lambda code: common.office_label(code, names))

st.subheader(_("Coverage against the authority file (ST.37)"))
if office not in set(files["office"]):
    st.info(_("No authority file of {office} is loaded, so coverage cannot be measured.").format(
        office=common.plain(common.office_label(office, names))))
else:
    cov = data.query(coverage.coverage_by_kind_year, office=office)
    columns = st.columns(5)
    for column, (label, name, help_text) in zip(columns, COVERAGE_METRICS):
        column.metric(_(label), i18n.number(int(cov[name].sum())), help=_(help_text))
    cov["year_label"] = cov["year"].map(lambda y: _("unknown") if pd.isna(y) else str(int(y)))
    cov["cell"] = cov.apply(lambda r: f"{r.covered}/{r.expected}" + (f" +{r.extra}" if r.extra else ""), axis=1)
    grid = cov.pivot_table(index="kind", columns="year_label", values="coverage", aggfunc="first")
    text = cov.pivot_table(index="kind", columns="year_label", values="cell", aggfunc="first").reindex_like(grid)
    fig = go.Figure(go.Heatmap(
        z=grid.values, x=list(grid.columns), y=[common.chart_text(k) for k in grid.index],
        text=text.fillna("").values, texttemplate="%{text}", zmin=0, zmax=1,
        colorscale=[[0, "#D55E00"], [0.5, "#F0E442"], [1, "#009E73"]], colorbar=dict(tickformat=".0%"),
        hovertemplate=_("kind %{y}, %{x}: coverage %{z:.1%} (covered/expected %{text})") + "<extra></extra>"))
    fig.update_layout(title=_("Coverage by kind code and publication year (covered/expected, +extras)"),
                      xaxis_title=_("publication year"), yaxis_title=_("kind code"), xaxis_type="category")
    common.chart(fig, cov.drop(columns=["year_label", "cell"]), f"coverage-{office}", key="coverage")

    missing = data.query(coverage.missing_documents, office=office)
    st.markdown(_("**Missing publication numbers** ({count})").format(count=i18n.number(len(missing))))
    common.show_table(missing, width="stretch", key="missing-table")
    common.download_csv(missing, f"missing-publication-numbers-{office}", key="missing")
    extras = data.query(coverage.extra_documents, office=office)
    st.markdown(_("**Unexpected extras** ({count}): delivered, but not in the authority file").format(
        count=i18n.number(len(extras))))
    common.show_table(extras, width="stretch", key="extras-table")
    common.download_csv(extras, f"unexpected-documents-{office}", key="extras")

st.subheader(_("Delivered XML batches"))
mine = batches[batches["provider"] == office]
if mine.empty:
    st.info(_("No XML batch of {office} is loaded.").format(office=common.plain(common.office_label(office, names))))
    st.stop()
incomplete = mine[mine["incomplete"]]
if not incomplete.empty:
    st.warning(_("Incomplete batches: {count}. Documents could not be read to their end, so these batches hold "
                 "fewer records than their files; the lost documents are listed with file and line below.").format(
        count=i18n.number(len(incomplete))), icon=":material/warning:")
common.show_table(mine.drop(columns=["bundled"]), width="stretch", key="batches-table")
labels = {int(r.load_seq): f"{r.dataset} · {r.recipient} · {r.scheduled_date} ({r.original_name})"
          for r in mine.itertuples()}
batch = common.url_select(_("Batch"), list(labels), key="batch", format_func=lambda s: labels[s])
chosen = mine[mine["load_seq"] == int(batch)].iloc[0]
if chosen["incomplete"]:
    st.warning(_("This batch is incomplete: documents lost: {lost}; not well-formed: {not_well_formed}. Its "
                 "measured completeness covers only the records that could be read.").format(
        lost=i18n.number(int(chosen["lost_documents"])), not_well_formed=i18n.number(int(chosen["not_well_formed"]))),
        icon=":material/warning:")
if isinstance(chosen["office_mismatch"], str):
    st.warning(_("The documents' office differs from the provider {provider}: {offices} (records per office). "
                 "They are counted as delivered by {provider}.").format(
        provider=common.plain(chosen["provider"]), offices=common.plain(chosen["office_mismatch"])),
        icon=":material/warning:")
if isinstance(chosen["skipped_links"], str):
    st.info(_("Symbolic links were left out of this directory batch and never followed: {links}.").format(
        links=common.plain(chosen["skipped_links"])))
measured = data.query(coverage.measured_completeness, load_seq=int(batch))
fig = go.Figure(go.Bar(x=measured["completeness"], y=[common.chart_text(f) for f in measured["field"]],
                       orientation="h", marker_color=common.SERIES_COLOURS[0],
                       customdata=measured[["populated", "records"]],
                       hovertemplate=_("%{y}: %{customdata[0]} of %{customdata[1]} records") + "<extra></extra>"))
fig.update_layout(title=_("Measured completeness per field (records with the field present and non-empty)"))
fig.update_xaxes(**common.rate_axis(measured["completeness"], _("share of the batch's records")))
common.chart(fig, measured, f"measured-completeness-{batch}", key="measured")
problems = data.query(coverage.xml_batch_problems, load_seq=int(batch))
st.markdown(_("**Records or files not well-formed or without a publication number** ({count})").format(
    count=i18n.number(len(problems))))
common.show_table(problems, width="stretch", key="problems-table")
common.download_csv(problems, f"batch-problems-{batch}", key="problems")
