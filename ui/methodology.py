"""The Methodology page's parts and the questionnaire-change notes the round comparisons share.

- Definitions: every section of the metric registry (`queries.registry.sections`, the source of
  docs/metrics.md) with its module's definitions and every metric's meaning, call, output
  columns and docstring. The titles are translated; the definitions are the docstrings, in
  English, under a note saying so in the page's language (a translation of code documentation
  would be a second source that drifts from the first).
- Disclosure rules: `queries.registry.disclosure_rules`, the docstrings docs/disclosure.md carries.
- How to contest an entry: the review process, in the page's language.
- What changed between rounds' questionnaires: `queries.questionnaire.codebook_changes`, shown
  as a table per pair of consecutive rounds here, and as a warning beside a round comparison
  (`comparison_warning`, used by `ui.survey_views` and the presentation).
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from queries import questionnaire, registry

from . import data
from .common import plain, show_table
from .i18n import N_, _

#: The kinds of questionnaire change (`queries.questionnaire.CHANGES`), as the page names them.
CHANGE_LABELS = {
    "question_added": N_("question added"), "question_removed": N_("question removed"),
    "question_reworded": N_("question reworded"), "question_type_changed": N_("answer type changed"),
    "question_retagged": N_("question moved to another section"), "option_added": N_("option added"),
    "option_removed": N_("option removed"), "option_reworded": N_("option reworded"),
    "option_recategorised": N_("option moved to another category"),
}
#: One sentence per kind of change, for the warning beside a comparison (whole sentences).
CHANGE_SENTENCES = {
    "question_added": N_("Question {question} is new in {to_round}: {after}"),
    "question_removed": N_("Question {question} is not asked in {to_round}: {before}"),
    "question_reworded": N_("Question {question} is worded differently: {before} ({from_round}) -> {after} "
                            "({to_round})"),
    "question_type_changed": N_("Question {question} has another answer type: {before} ({from_round}) -> "
                                "{after} ({to_round})"),
    "question_retagged": N_("Question {question} moved: {before} ({from_round}) -> {after} ({to_round})"),
    "option_added": N_("Option {option} of question {question} is new in {to_round}, so no office could tick it "
                       "in {from_round}: {after}"),
    "option_removed": N_("Option {option} of question {question} is not offered in {to_round}: {before}"),
    "option_reworded": N_("Option {option} of question {question} is worded differently: {before} "
                          "({from_round}) -> {after} ({to_round})"),
    "option_recategorised": N_("Option {option} of question {question} moved category: {before} ({from_round}) "
                               "-> {after} ({to_round})"),
}
#: The paragraphs of "How to contest an entry" (one msgid each).
CONTEST_PARAGRAPHS = (
    N_("Offices check their entries before they are published. The secretariat sets the status of each survey "
       "round: draft (seen only by the secretariat), review (each office sees its own entries) and published "
       "(public)."),
    N_("During a round's review, an office user signs in and opens its office's entries: its survey answers. It "
       "confirms them, or contests an entry with a comment and, optionally, a link to evidence."),
    N_("The secretariat answers every contest. Accepted: the data is corrected by a new load, which the answer "
       "links to. Rejected: the answer gives the reason. The office sees the answer."),
    N_("Every contest, answer and status change is kept as a record of who did what and when; nothing is edited "
       "in place. Public views show the last published figures; a round under review that the secretariat "
       "chooses to show is marked as provisional."),
)


def docstring_markdown(text: str) -> str:
    """A docstring of `queries` as Markdown: our own text, so its Markdown (code, lists, bold)
    renders; a dollar sign is escaped, since Streamlit reads $...$ as a formula."""
    return text.replace("$", "\\$")


def english_note() -> None:
    st.caption(_("Definitions are given in English: they are the descriptions written beside the code that "
                 "computes each figure, word for word, so that they cannot drift from what is computed."))


def show_definitions() -> None:
    """Every section of the metric registry: its definitions and each metric, one expander per section."""
    english_note()
    for section in registry.sections():
        with st.expander(_(section.title), icon=":material/functions:"):
            if section.definitions:
                st.markdown(docstring_markdown(section.definitions))
            for metric in section.metrics:
                st.markdown(f"##### `{metric.name}`\n\n`{metric.call}`\n\n{docstring_markdown(metric.summary)}")
                if metric.columns:
                    label = _("Columns") if metric.returns_frame else _("Keys")
                    st.markdown(f"{label}: " + ", ".join(f"`{c}`" for c in metric.columns))
                st.markdown(docstring_markdown(metric.doc))


def show_disclosure_rules() -> None:
    """Who sees what, in the page's language, then the rules as their docstrings state them."""
    st.markdown(_("An office's individual survey answers are shown only with its consent. The public sees no "
                  "office that did not consent; an office user also sees its own office; the secretariat sees "
                  "everything. The rules below keep every combination of the figures shown from giving away "
                  "the answers of an office that did not consent. Delivery and completeness figures are not "
                  "subject to consent."))
    english_note()
    with st.container(border=True, key="methodology-disclosure-rules"):
        st.markdown(docstring_markdown(registry.disclosure_rules()))


def show_contest_process() -> None:
    for paragraph in CONTEST_PARAGRAPHS:
        st.markdown(_(paragraph))


def change_table(changes: pd.DataFrame) -> pd.DataFrame:
    """The changes of one pair of rounds as the page lists them: question, option, change (in the
    page's language), wording before and after."""
    return pd.DataFrame({
        "question": changes["question_id"], "option": changes["code"].fillna(""),
        "change": [_(CHANGE_LABELS.get(c, c)) for c in changes["change"]],
        "before": changes["before"].fillna(""), "after": changes["after"].fillna("")})


def show_questionnaire_changes() -> None:
    """Per pair of consecutive rounds: what changed in the questionnaire (codebook)."""
    changes = data.query(questionnaire.codebook_changes)
    rounds = data.provenance()["rounds"]
    if len(rounds) < 2:
        st.info(_("Fewer than two survey rounds are loaded: there is no change to list yet."))
        return
    st.markdown(_("Questions are matched across rounds by their identifier in the codebook, options by their "
                  "code. A comparison of two rounds counts a new option as not asked in the earlier round, and "
                  "a reworded question as the same question, with a warning beside its figures."))
    ordered = [str(r["round"]) for r in rounds]
    for from_round, to_round in zip(ordered, ordered[1:]):
        pair = changes[(changes["from_round"] == from_round) & (changes["to_round"] == to_round)]
        st.markdown("**" + _("{from_round} -> {to_round}").format(from_round=plain(from_round),
                                                                  to_round=plain(to_round)) + "**")
        if pair.empty:
            st.caption(_("The two questionnaires ask the same questions in the same words."))
            continue
        show_table(change_table(pair), key=f"questionnaire-changes-{from_round}-{to_round}")


def change_sentences(changes: pd.DataFrame, markdown: bool = True) -> list[str]:
    """One sentence per change, in the page's language; with `markdown`, the codebooks' words
    are made inert for Markdown (else the caller escapes the whole sentence)."""
    inert = plain if markdown else str
    sentences = []
    for row in changes.itertuples():
        template = _(CHANGE_SENTENCES.get(row.change, "{question}: {before} -> {after}"))
        sentences.append(template.format(
            question=inert(row.question_id), option=inert(row.code if isinstance(row.code, str) else ""),
            before=inert(row.before if isinstance(row.before, str) else ""),
            after=inert(row.after if isinstance(row.after, str) else ""),
            from_round=inert(row.from_round), to_round=inert(row.to_round)))
    return sentences


def section_changes(from_round: str, to_round: str, section: str, direction: str | None = None,
                    run=data.query) -> pd.DataFrame:
    """The questionnaire changes between two rounds that touch the questions tagged `section`
    (and `direction`); `run` runs the metric (`ui.data.query`, or a key chart context's run)."""
    changes = run(questionnaire.codebook_changes, from_round=str(from_round), to_round=str(to_round))
    keep = changes["section"] == section
    if direction is not None:
        keep &= changes["direction"].fillna("") == direction
    return changes[keep]


def comparison_warning(from_round: str, to_round: str, section: str, direction: str | None = None) -> bool:
    """A warning beside a comparison of two rounds where the questions of `section` changed
    between their codebooks; returns whether there was one."""
    changes = section_changes(from_round, to_round, section, direction)
    if changes.empty:
        return False
    st.warning(_("The questionnaire changed between {from_round} and {to_round}; compare these figures with "
                 "care:").format(from_round=plain(from_round), to_round=plain(to_round)) + "\n\n"
               + "\n".join(f"- {sentence}" for sentence in change_sentences(changes)),
               icon=":material/warning:")
    return True
