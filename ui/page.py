"""The frame of every page: page set-up, the sidebar (navigation, language picker, sign-in) and
the page header (title, caption, illustrative-data notice).

The top of the ui/ layers: it may import every other ui module, and none imports it but the
page helpers that draw a whole page top (`ui.survey_views.survey_page`). The credentials, the
throttle and who is looking stay in `ui.auth`, which draws nothing.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAuthError, StreamlitPageNotFoundError

from queries import review

from . import auth, data, i18n
from .auth import Viewer
from .common import illustrative_notice, plain, provisional_text, url_select
from .i18n import N_, _

#: The pages' names (msgids) by file name: the navigation and the home page's links say them in
#: the page's language (Streamlit's own page list, named from the file names, is switched off in
#: .streamlit/config.toml: client.showSidebarNavigation).
PAGE_LABELS = {"dashboard": N_("Home"), "1_Published_figures": N_("Published figures"),
               "2_Standards": N_("Standards"), "3_Exchanged_data": N_("Exchanged data"),
               "4_Challenges": N_("Challenges"), "5_Delivery_reliability": N_("Delivery reliability"),
               "6_Update_calendar": N_("Update calendar"), "7_Data_completeness": N_("Data completeness"),
               "8_Office_profile": N_("Office profile"), "9_Manage_data": N_("Manage data"),
               "10_Document_coverage": N_("Document coverage"), "11_Presentation": N_("Presentation"),
               "12_Incidents": N_("Incidents"), "13_Methodology": N_("Methodology"),
               "14_Review": N_("Review")}
PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"

#: The illustrative-data notice of a page's data (`page_header`'s `data_kind`): which flag of
#: `queries.provenance` says the data is the bundled sample, and what the notice calls it.
DATA_KINDS = {"survey": (("illustrative_survey",), N_("survey answers")),
              "deliveries": (("illustrative_deliveries",), N_("delivery data")),
              "all": (("illustrative_survey", "illustrative_deliveries"), N_("data"))}


def page(title: str, icon: str = ":material/monitoring:") -> None:
    """Page set-up, the first call of every page run; `title` is already in the page's language."""
    data.begin_run()
    app_name = _("IP Data Exchange Transparency Dashboard")
    st.set_page_config(page_title=f"{title} · {app_name}", page_icon=icon, layout="wide")


def page_files() -> list[Path]:
    """The files of pages/, in their number order."""
    def order(path: Path) -> tuple:
        number = path.stem.split("_", 1)[0]
        return (int(number) if number.isdigit() else 999, path.stem)
    return sorted(PAGES_DIR.glob("*.py"), key=order)


def page_label(stem: str) -> str:
    """A page's name in the page's language (a new page without a label: from its file name)."""
    label = PAGE_LABELS.get(stem)
    return _(label) if label else stem.split("_", 1)[-1].replace("_", " ")


def page_links() -> None:
    """The navigation in the sidebar: every page under its name in the page's language."""
    with st.sidebar:
        try:
            with st.container(key="ipdx-navigation"):
                st.page_link("dashboard.py", label=page_label("dashboard"), icon=":material/home:")
                for page_file in page_files():
                    st.page_link(f"pages/{page_file.name}", label=page_label(page_file.stem))
        except StreamlitPageNotFoundError:
            return  # a script run on its own (not from dashboard.py) has no pages to link to
        st.divider()


# ------------------------------------------------------------------ the language picker

def picker() -> str:
    """The language picker in the sidebar, mirrored in the URL as ?lang=xx; applies RTL for Arabic."""
    # Streamlit forgets a widget's state when another page draws it: the session's language is
    # kept under its own key and handed back to the picker on every page.
    if st.session_state.get(i18n.SESSION_KEY) in i18n.LANGUAGES:
        st.session_state[i18n.URL_KEY] = st.session_state[i18n.SESSION_KEY]
    with st.sidebar:
        lang = url_select(_("Language"), list(i18n.LANGUAGES), key=i18n.URL_KEY, format_func=i18n.LANGUAGES.get,
                          on_change=_remember_choice,
                          help=_("The interface in one of WIPO's six official languages. Data values "
                                 "(office codes, standard numbers, loaded labels) stay as loaded."))
    st.session_state[i18n.SESSION_KEY] = lang
    i18n.apply_direction(lang)
    return lang


def _remember_choice() -> None:
    """The picker's on_change: the new language holds from the run it triggers on."""
    st.session_state[i18n.SESSION_KEY] = st.session_state[i18n.URL_KEY]


# ------------------------------------------------------------------ the sidebar and sign-in

def sidebar() -> Viewer:
    """The navigation, the language picker and the sign-in area shown in the sidebar of every
    page; returns the viewer. Secrets that cannot be used stop the page with the reason."""
    page_links()
    picker()
    config = auth.secrets()
    refusal = auth.configuration_refusal(config)
    if refusal:
        st.error(refusal, icon=":material/error:")
        st.stop()
    if auth.oidc_configured(config):
        return _oidc_sidebar(config)
    who = auth.current_viewer()
    with st.sidebar:
        st.markdown("**" + _("Access") + "**")
        if who.signed_in:
            st.caption(plain(_signed_in_caption(who)))
            if st.button(_("Sign out"), key="ipdx-auth-sign-out"):
                auth.sign_out()
                st.rerun()
            return who
        users, problems = auth.configured_users()
        if not users:
            st.caption(plain(
                _("Public view. Sign-in is not enabled on this server. To enable office and secretariat roles, "
                  "copy {example} to .streamlit/secrets.toml and add users with password hashes made by: "
                  "{command}").format(example=auth.EXAMPLE_FILE, command="python -m ui.auth hash-password")))
        else:
            st.caption(_("Public view. Office users and the secretariat sign in here."))
            _sign_in_form()
        for problem in problems:
            st.warning(plain(_("Ignored in the secrets: {problem}").format(problem=problem)))
    return who


def _sign_in_form() -> None:
    with st.form("ipdx-sign-in", clear_on_submit=True):
        username = st.text_input(_("User name"), key="ipdx-auth-username")
        password = st.text_input(_("Password"), type="password", key="ipdx-auth-password")
        submitted = st.form_submit_button(_("Sign in"), key="ipdx-auth-submit")
    if submitted:
        result = auth.check_credentials(username, password, auth.session_token())
        if result.ok:
            auth.remember_sign_in(result.user)
            st.rerun()
        st.error(result.message)


def _signed_in_caption(who: Viewer) -> str:
    role = _(auth.ROLE_LABELS.get(who.role, who.role))
    return (_("Signed in as {user} ({role} for office {office}).") if who.office
            else _("Signed in as {user} ({role}).")).format(user=who.username, role=role, office=who.office)


def _oidc_sidebar(config: dict) -> Viewer:
    """The sign-in area when the identity provider signs users in (Streamlit's st.login)."""
    problems = auth.oidc_settings(config)[1]
    who, reason = auth.oidc_viewer(config)
    with st.sidebar:
        st.markdown("**" + _("Access") + "**")
        if problems:
            st.caption(_("Public view. Sign-in through the identity provider is not usable until the "
                         "secrets are corrected."))
            for problem in problems:
                st.warning(plain(_("Ignored in the secrets: {problem}").format(problem=problem)))
            return who
        if who.signed_in:
            st.caption(plain(_signed_in_caption(who)))
            if reason:
                st.info(plain(reason), icon=":material/info:")
            if st.button(_("Sign out"), key="ipdx-auth-sign-out"):
                st.logout()
            return who
        st.caption(_("Public view. Office users and the secretariat sign in with their organisation account."))
        if st.button(_("Sign in with the organisation account"), key="ipdx-auth-oidc-sign-in"):
            try:
                st.login()
            except StreamlitAuthError as error:  # Authlib missing, or secrets Streamlit cannot use
                st.error(plain(_("Sign-in through the identity provider failed: {problem}").format(
                    problem=" ".join(str(error).split()))))
    return who


# ------------------------------------------------------------------ the page header

def page_header(title: str, icon: str, caption: str | None, data_kind: str | None = "all",
                heading: str | None = None) -> Viewer:
    """The top of every page: page set-up, the sidebar (pages, language, sign-in), the title
    (`heading` when it differs from the browser tab's `title`), the caption, and the
    illustrative-data notice for the page's data: `data_kind` "survey", "deliveries" or "all"
    (either), or None where the page's data is not what `queries.provenance` describes (the page
    then shows its own notice right after). Returns the viewer."""
    page(title, icon)
    who = sidebar()
    st.title(heading or title)
    if caption:
        st.caption(caption)
    if data_kind is not None:
        flags, what = DATA_KINDS[data_kind]
        provenance = data.provenance()
        illustrative_notice(any(provenance[flag] for flag in flags), what)
    if data_kind in ("survey", "all"):
        provisional_banner()
    if data_kind in ("deliveries", "all"):
        provisional_period_banner(who)
    return who


def provisional_banner() -> None:
    """On every page that shows survey rounds: each public round still in review is provisional
    (`queries.review.provisional_rounds`), under review by the offices until its end date."""
    for row in data.query(review.provisional_rounds).itertuples():
        st.warning(provisional_text(row.round, row.until, plain), icon=":material/pending:")


def provisional_period_text(period, until, escape=str) -> str:
    """The notice of a month in review whose delivery figures the public sees
    (`queries.review.provisional_periods`), as `provisional_text` says it of a round."""
    return _("Provisional: under review by the offices until {date} (deliveries scheduled in {month}).").format(
        date=i18n.date(until), month=escape(period))


def provisional_period_banner(who: Viewer | None = None) -> None:
    """On every page that shows delivery figures: each month in review shown to the public is
    provisional, under review by its provider offices until its end date; each month held back
    after the public saw it is shown to the public as it was published (`db.held`), which the page
    says. A viewer who sees more than the public is told which months it sees that the public
    does not: the secretariat every month held back, an office user its own figures of the
    months in review."""
    for row in data.query(review.provisional_periods).itertuples():
        st.warning(provisional_period_text(row.period, row.until, plain), icon=":material/pending:")
    status = data.query(review.period_status)
    held = status[~status["public"].astype(bool)]
    if who is None or not (who.sees_everything or who.role == "office"):
        for row in held[held["held_on"].notna()].itertuples():
            st.info(_("Deliveries scheduled in {month} are shown as they were published on {date}, while they are "
                      "revised.").format(month=plain(row.period), date=i18n.date(row.held_on)),
                    icon=":material/history:")
        return
    if who.role == "office":
        held = held[held["status"] == "review"]
    for row in held.itertuples():
        if who.sees_everything:
            text = (_("Held back from the public: deliveries scheduled in {months}. You see them as the secretariat.")
                    if pd.isna(row.held_on) else
                    _("Held back from the public: the current figures of deliveries scheduled in {month}. You see "
                      "them as the secretariat; the public sees them as published on {date}."))
        else:
            text = (_("Under review: your office's figures of deliveries scheduled in {months}. The public does not "
                      "see them yet.")
                    if pd.isna(row.held_on) else
                    _("Under review: your office's current figures of deliveries scheduled in {month}. The public "
                      "sees them as published on {date}."))
        date = None if pd.isna(row.held_on) else i18n.date(row.held_on)
        st.info(text.format(month=plain(row.period), months=plain(row.period), date=date),
                icon=":material/visibility_off:")
