"""Presentation view for task-force meetings: the key charts one per screen, each with its
takeaway and provenance, and the meeting pack (HTML, XLSX) with the filters in force.

`?present=1` (or the toggle) hides the filters, the sidebar and Streamlit's chrome; the round,
the as-of date and the like-for-like slide then come from the URL
(`?round=2026&as_of=2026-11-20&like=1&slide=2`). Layout only: the
charts come from `ui.key_charts`, which reads `queries` through `ui.data.query`.
"""
import datetime as dt

import plotly.graph_objects as go
import streamlit as st

from ui import common, data, exports, i18n, key_charts, page, survey_views
from ui.i18n import _

#: Hides Streamlit's chrome (sidebar, header, toolbar) and enlarges text; constant, no data in it.
PRESENT_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stSidebarNav"],
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"], footer
  { display: none !important; }
[data-testid="stMainBlockContainer"] { padding-top: 1.5rem; max-width: 1500px; }
[data-testid="stMarkdownContainer"] p { font-size: 1.45rem; }
[data-testid="stCaptionContainer"] { font-size: 1.05rem; }
h1 { font-size: 2.6rem !important; }
</style>"""

present = st.query_params.get("present") == "1"
if present:  # no header and no sidebar (no picker): the language comes from ?lang=
    page.page(_("Presentation"), ":material/slideshow:")
else:
    page.page_header(_("Presentation"), ":material/slideshow:", None, "all",
                     heading=_("Presentation and meeting pack"))
provenance = data.provenance()


def _url_as_of():
    try:
        return dt.date.fromisoformat(st.query_params.get("as_of", ""))
    except ValueError:
        return None


if present:
    st.html(PRESENT_CSS)
    i18n.apply_direction()
    context = key_charts.app_context(st.query_params.get("round"), _url_as_of())
    like_for_like = st.query_params.get("like") == "1"
else:
    if common.url_toggle(_("Presentation mode"), key="present",
                         help=_("Full screen, large fonts, one key chart per screen; also ?present=1 in the URL")):
        st.rerun()  # the URL now says present=1: the next run lays out the presentation
    rounds = [str(r["round"]) for r in provenance["rounds"]]
    columns = st.columns(3)
    with columns[0]:
        round_ = survey_views.round_select(rounds, label=_("Survey round (challenges chart)")) if rounds else None
    with columns[1]:
        as_of = common.url_date(_("Deliveries as of (UTC)"), key="as_of", default=provenance["deliveries_as_of"])
    with columns[2]:
        like_for_like = common.url_toggle(
            _("Like-for-like round comparison"), key="like",
            help=_("Adds a key chart of the standards over the offices that answered both this round and the one "
                   "before"))
    context = key_charts.app_context(round_, as_of)

charts = key_charts.build_all(context)
if like_for_like:
    extra = survey_views.like_for_like_key_chart(context)
    if extra is not None:
        charts.append(extra)

if "slide" not in st.session_state:
    wanted = st.query_params.get("slide", "1")
    st.session_state["slide"] = min(max(int(wanted) if wanted.isdigit() else 1, 1), len(charts))


def _go(step: int) -> None:
    st.session_state["slide"] = min(max(st.session_state["slide"] + step, 1), len(charts))
    st.query_params["slide"] = str(st.session_state["slide"])


def _exit() -> None:
    if "present" in st.query_params:
        del st.query_params["present"]
    st.session_state["present"] = False


index = st.session_state["slide"]
chart = charts[index - 1]
if not present:
    st.subheader(_("Key charts ({count}): preview").format(count=i18n.number(len(charts))))
st.markdown(f"{'#' if present else '###'} {common.plain(chart.title)}")
st.markdown(f"**{common.plain(chart.takeaway)}**")
for notice in context.provisional_notices(chart.rounds, common.plain):
    st.warning(notice, icon=":material/pending:")
figure = chart.figure
if present:
    figure = go.Figure(figure).update_layout(font=dict(size=20), height=640, title_font_size=24,
                                             legend=dict(font=dict(size=18)))
st.plotly_chart(figure, width="stretch", key=f"slide-chart-{chart.key}")
common.chart_alternative(figure, chart.frame, f"slide-{chart.key}")
st.caption(_("{provenance} · slide {index} of {count}").format(provenance=common.plain(chart.provenance),
                                                               index=index, count=len(charts)))
buttons = st.columns([1, 1, 6, 1])
buttons[0].button(_("Previous"), key="slide-previous", on_click=_go, args=(-1,), disabled=index == 1,
                  icon=":material/chevron_left:")
buttons[1].button(_("Next"), key="slide-next", on_click=_go, args=(1,), disabled=index == len(charts),
                  icon=":material/chevron_right:")
if present:
    buttons[3].button(_("Exit"), key="present-exit", on_click=_exit, icon=":material/close_fullscreen:")
    st.stop()

st.subheader(_("Meeting pack"))
filters = key_charts.filters_in_force(context)
st.markdown(_("Every key chart (interactive), the reconciliation with the published CWS/13/14 figures, the "
              "provenance and these filters in force: {filters}").format(
    filters="; ".join(f"{common.plain(k)}: **{common.plain(v)}**" for k, v in filters)))
makers = key_charts.meeting_pack_makers(context, charts)
with st.container(horizontal=True, key="meeting-pack-downloads"):
    st.download_button(_("Meeting pack (HTML, works offline)"), data=makers["html"], file_name="meeting-pack.html",
                       mime="text/html", key="meeting-pack-html", on_click="ignore", icon=":material/download:")
    st.download_button(_("Meeting pack (XLSX, one sheet per table)"), data=makers["xlsx"],
                       file_name="meeting-pack.xlsx", mime=exports.XLSX_MIME, key="meeting-pack-xlsx",
                       on_click="ignore", icon=":material/table:")
st.caption(_("The pack follows the public view's disclosure rules: every key chart is an aggregate, and no office "
             "that did not consent to publication is named."))
