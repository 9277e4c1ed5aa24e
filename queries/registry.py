"""The metric registry: every metric function of `queries`, with its one-line meaning, its
output columns, the pages that show it and the calls the benchmark times.

`METRICS` is the one list the rest of the project reads: `bench/run.py` times the entries with
`bench` calls, `python -m loaders metrics --list` prints it, `docs/metrics.md` is written from it
(`python -m queries.registry --write docs/metrics.md`) and `ui.data.query` names its cache
entries after it. `tests/test_metrics_doc.py` fails when a public function of `queries` that reads
the database is neither here nor in `NOT_METRICS`, when a registered metric's columns differ from
what it returns on the bundled data, or when docs/metrics.md is stale.

To add a metric: write the function (docstring first, saying exactly what it counts), add one
`Metric(...)` line to `METRICS` under its section, run
`python -m queries.registry --write docs/metrics.md`.
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import (
    comparison,
    completeness,
    consistency,
    coverage,
    delivery,
    disclosure,
    feed,
    incidents,
    labels,
    manage,
    metrics_summary,
    peers,
    provenance,
    questionnaire,
    reference,
    release,
    review,
    status_summary,
    survey,
    update_calendar,
)
from .text import N_

#: The sections of docs/metrics.md and of the Methodology page, in order: (key, title (a msgid:
#: the page shows it translated), the module whose docstring defines them, or None when each
#: function's docstring is all there is).
SECTIONS = (
    ("delivery", N_("Delivery reliability"), "queries.delivery"),
    ("calendar", N_("Update calendar"), "queries.update_calendar"),
    ("incidents", N_("Notices and incidents"), "queries.incidents"),
    ("completeness", N_("Data completeness and volumes"), "queries.completeness"),
    ("coverage", N_("Document coverage and XML batches"), "queries.coverage"),
    ("survey", N_("Survey answers (row level: never shown directly on a public page)"), "queries.survey"),
    ("release", N_("Survey figures as a viewer may see them"), "queries.release"),
    ("review", N_("Review of survey rounds and delivery periods before publication"), "queries.review"),
    ("comparison", N_("Like-for-like round comparison"), "queries.comparison"),
    ("questionnaire", N_("Changes between rounds' questionnaires"), "queries.questionnaire"),
    ("consistency", N_("Consistency of survey answers"), "queries.consistency"),
    ("disclosure", N_("Consent to publication"), "queries.disclosure"),
    ("peers", N_("Peer comparison (office profile)"), "queries.peers"),
    ("status", N_("Data status and provenance"), "queries"),
    ("reference", N_("Labels and reference data"), None),
)

#: The modules whose docstrings state the disclosure rules, in order: the Methodology page shows
#: them, and docs/disclosure.md carries them between the markers below (`--disclosure PATH`).
DISCLOSURE_MODULES = ("queries.disclosure", "queries.release")
DISCLOSURE_BEGIN = ("<!-- Rules written by `python -m queries.registry --disclosure docs/disclosure.md` from the "
                    "docstrings of queries/disclosure.py and queries/release.py; do not edit by hand. -->")
DISCLOSURE_END = "<!-- End of the rules written from the docstrings. -->"

#: One bench call with no literal argument: the bench fills as_of, round and the like from the data.
TIMED = ({},)


@dataclass(frozen=True)
class Metric:
    """One metric function. `columns` are the output columns (a DataFrame's, or a dict's keys;
    none for a result without fixed keys);
    `pages` the pages and ui modules that show it; `bench` the literal keyword arguments of each
    call the benchmark times (none: not timed); `meaning` overrides the docstring's first sentence."""
    function: Callable
    section: str
    columns: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()
    bench: tuple[Mapping, ...] = field(default=(), compare=False)
    meaning: str = ""

    @property
    def name(self) -> str:
        """'module.function' ('function' for the package's own), the key the bench reports."""
        module = self.function.__module__
        return self.function.__name__ if module == "queries" else f"{module.rsplit('.', 1)[-1]}.{self.function.__name__}"

    @property
    def summary(self) -> str:
        """The one-line meaning: `meaning`, else the docstring's first sentence."""
        if self.meaning:
            return self.meaning
        text = " ".join(self.doc.split())
        end = text.find(". ")
        return text if end < 0 else text[:end + 1]

    @property
    def doc(self) -> str:
        """The function's docstring: what it counts, exactly."""
        return inspect.getdoc(self.function) or ""

    @property
    def call(self) -> str:
        """How it is called: 'name(con, arguments...)'."""
        params = list(inspect.signature(self.function).parameters.values())[1:]
        signature = ", ".join(str(p.replace(annotation=inspect.Parameter.empty)) for p in params)
        return f"{self.function.__name__}(con{', ' if signature else ''}{signature})"

    @property
    def returns_frame(self) -> bool:
        """True when it returns a DataFrame (its `columns` are columns, else keys)."""
        return "DataFrame" in str(inspect.signature(self.function).return_annotation)


@dataclass(frozen=True)
class Section:
    """A section of the definitions: `title` (in English; a msgid), the definitions its module's
    docstring gives ('' when it has no module) and its metrics, in registry order."""
    key: str
    title: str
    module: str | None
    definitions: str
    metrics: tuple[Metric, ...]


def M(function: Callable, section: str, columns: str = "", pages: str = "", bench=(), meaning: str = "") -> Metric:
    """A registry line: columns and pages as space-separated names."""
    return Metric(function, section, tuple(columns.split()), tuple(pages.split()), tuple(bench), meaning)


_OUTCOME_COLUMNS = "scheduled on_time late missed pending on_time_rate"

METRICS: tuple[Metric, ...] = (
    # delivery reliability
    M(delivery.delivery_outcomes, "delivery",
      "provider recipient dataset frequency grace_days on_time_target grace_unit holiday_calendar scheduled_date "
      "nominal_date deadline delivered_at records notice_given format standard notes outcome days_late",
      "5_Delivery_reliability", TIMED, "Every scheduled occurrence up to as_of with its outcome."),
    M(delivery.delivery_reliability_by_schedule, "delivery",
      f"provider recipient dataset frequency on_time_target {_OUTCOME_COLUMNS} sla_met",
      meaning="Per schedule: outcome counts, on-time rate and SLA met against its own target."),
    M(delivery.delivery_reliability_by_pair, "delivery",
      "provider recipient schedules scheduled on_time on_time_rate below_sla", "12_Incidents", TIMED,
      "Per provider-recipient pair: due and on-time deliveries summed over its schedules, and whether one is "
      "below its SLA."),
    M(delivery.delivery_reliability_by_office, "delivery", f"provider {_OUTCOME_COLUMNS} sla_met",
      "dashboard key_charts", TIMED,
      "Per provider office: outcome counts, on-time rate and SLA met (every schedule meets its target)."),
    M(delivery.overall_on_time_rate, "delivery", "on_time due on_time_rate delivering_offices last_delivery",
      "5_Delivery_reliability dashboard key_charts", TIMED,
      "All providers together: on time / (on time + late + missed), with the counts."),
    M(delivery.unscheduled_deliveries, "delivery",
      "provider recipient dataset format standard scheduled_date delivered_at records notice_given notes reason",
      "5_Delivery_reliability", TIMED, "Delivery rows that match no scheduled occurrence, with the reason."),
    M(delivery.delivery_delay_by_office, "delivery",
      "provider late delay_median_days delay_p90_days delay_max_days",
      meaning="Per provider office with late deliveries: their number, median, 90th percentile and longest delay."),
    M(delivery.delivery_interruptions, "delivery",
      "provider recipient dataset frequency first_missed last_missed missed announced unannounced ongoing notes",
      "5_Delivery_reliability", TIMED,
      "Every run of two or more consecutive missed occurrences of one schedule that overlaps the period."),
    M(delivery.delivery_irregularity, "delivery",
      "provider recipient dataset frequency deliveries intervals mean_interval_days mean_scheduled_interval_days "
      "irregularity",
      meaning="Per schedule: how much the intervals between deliveries wobble against the calendar."),
    M(delivery.delivery_freshness, "delivery",
      "provider recipient dataset frequency grace_days starts ends last_delivered days_since_last_delivery "
      "period_days ended stale",
      meaning="Per schedule at as_of: days since its last delivery, and stale when past one period plus grace."),
    M(delivery.monthly_on_time_trend, "delivery", f"month {_OUTCOME_COLUMNS} incomplete",
      "5_Delivery_reliability key_charts", TIMED,
      "Per calendar month of scheduled date: outcome counts, on-time rate, and whether the month is incomplete."),
    M(delivery.scheduled_occurrence_count, "delivery", "", "5_Delivery_reliability", TIMED,
      "Number of scheduled occurrences (any outcome) in the period and filters."),
    M(delivery.outcomes_by_provider_month, "delivery", f"provider month {_OUTCOME_COLUMNS}",
      "5_Delivery_reliability", TIMED, "Per provider office and calendar month: outcome counts and on-time rate."),
    M(delivery.upcoming_deliveries, "delivery",
      "provider provider_name recipient recipient_name dataset frequency grace_days grace_unit scheduled_date deadline "
      "status",
      "6_Update_calendar", TIMED,
      "The calendar ahead: occurrences after as_of up to as_of + days_ahead, and the pending ones."),
    M(delivery.overdue_deliveries, "delivery",
      "provider recipient dataset frequency scheduled_date deadline days_overdue notice_given notes",
      "6_Update_calendar", TIMED,
      "Deliveries outstanding now: missed occurrences after the schedule's last delivered one."),
    M(delivery.provider_scorecard, "delivery",
      f"provider {_OUTCOME_COLUMNS} sla_met delay_median_days delay_p90_days delay_max_days interruptions "
      "unannounced_interruptions irregularity_max stale_schedules days_since_last_delivery",
      "5_Delivery_reliability", TIMED,
      "One row per provider office joining reliability, delay, interruptions, irregularity and freshness."),
    M(delivery.schedule_scorecard, "delivery",
      f"provider recipient dataset frequency on_time_target {_OUTCOME_COLUMNS} sla_met mean_interval_days "
      "irregularity last_delivered days_since_last_delivery period_days grace_days ended stale",
      "5_Delivery_reliability 8_Office_profile", TIMED,
      "One row per schedule joining reliability, irregularity and freshness."),
    M(delivery.delivery_dimensions, "delivery", "provider recipient dataset first_date",
      "8_Office_profile delivery_views", TIMED,
      "The filter choices: every provider, recipient and dataset, with the earliest date it involves."),
    # update calendar
    M(update_calendar.calendar_ics, "calendar", "", "6_Update_calendar",
      meaning="The upcoming and pending deliveries as iCalendar (.ics) bytes, one all-day event each."),
    # notices and incidents
    M(incidents.incidents, "incidents",
      "provider recipient dataset frequency first_missed last_missed missed_occurrences ongoing recovered_at "
      "days_to_recover announced notice_given notice_id notice_announced_at notice_lead_days notice_kind notice_text "
      "notes", bench=TIMED,
      meaning="Every interruption with its recovery, whether it was announced and the notice's lead in days."),
    M(incidents.schedule_incident_metrics, "incidents",
      "provider recipient dataset scheduled on_time late missed on_time_rate announced_missed "
      "on_time_rate_excluding_announced incidents recovered_incidents mttr_days on_time_rate_30d on_time_rate_90d "
      "on_time_rate_365d", bench=TIMED,
      meaning="Per schedule: outcome counts, the on-time rate without announced misses, MTTR and rolling rates."),
    M(incidents.provider_incident_metrics, "incidents",
      "provider incidents announced_incidents share_announced median_notice_lead_days mttr_days on_time_rate_30d "
      "on_time_rate_90d on_time_rate_365d", bench=TIMED,
      meaning="Per provider office: incidents, share announced, median notice lead, MTTR and rolling rates."),
    M(incidents.notices, "incidents",
      "notice_id provider recipient dataset starts ends kind text announced_at load_seq", bench=TIMED,
      meaning="Every notice that passes the filter, newest first."),
    M(incidents.incidents_contract, "incidents",
      "provider recipient dataset first_missed missed_occurrences recovered_at days_to_recover announced "
      "notice_lead_days", "loaders.metrics",
      meaning="The incidents for scripts (`python -m loaders metrics --json`, key incidents)."),
    M(incidents.schedules_contract, "incidents",
      "provider recipient dataset scheduled on_time late missed on_time_rate on_time_rate_excluding_announced "
      "mttr_days", "loaders.metrics",
      meaning="The per-schedule measures for scripts (`python -m loaders metrics --json`, key schedules)."),
    M(feed.feed_atom, "incidents", "", meaning="The notices and incidents as Atom feed bytes (RFC 4287), one entry each."),
    # completeness and volumes
    M(completeness.field_completeness, "completeness",
      "provider dataset field deliveries source populated records completeness below_threshold",
      "7_Data_completeness 8_Office_profile key_charts", TIMED,
      "Per provider, dataset and field: populated / records, and whether it is below the threshold."),
    M(completeness.field_completeness_trend, "completeness",
      "month dataset field deliveries populated records completeness below_threshold",
      "7_Data_completeness", TIMED,
      "Per calendar month, dataset and field, all filtered providers together: populated / records."),
    M(completeness.delivery_volumes, "completeness",
      "provider recipient dataset scheduled_date delivered_on records notes history median mad band_low "
      "band_high ratio anomaly",
      "7_Data_completeness", TIMED, "Every delivered row with its volume band from the previous deliveries."),
    M(completeness.volume_anomalies, "completeness",
      "provider recipient dataset scheduled_date delivered_on records notes history median mad band_low "
      "band_high ratio anomaly",
      "7_Data_completeness", TIMED, "The deliveries whose record count lies outside their volume band."),
    M(completeness.xml_batch_warnings, "completeness",
      "provider recipient dataset scheduled_date original_name records lost_documents not_well_formed "
      "incomplete office_mismatch",
      "7_Data_completeness", TIMED,
      "XML batches whose measured completeness needs a caveat (incomplete, or another office's documents)."),
    # coverage and XML batches
    M(coverage.coverage_by_kind_year, "coverage",
      "office kind year expected covered missing excepted extra coverage", "10_Document_coverage", TIMED,
      "Per office, kind code and publication year: expected, covered, missing, excepted and extra documents."),
    M(coverage.missing_documents, "coverage", "office publication_number kind publication_date",
      "10_Document_coverage", TIMED, "Every expected publication number that no loaded batch delivered."),
    M(coverage.extra_documents, "coverage", "office publication_number kind publication_date file line",
      "10_Document_coverage", TIMED, "Delivered documents that the office's authority file does not list."),
    M(coverage.authority_files, "coverage", "office original_name form entries documents loaded_at bundled",
      "10_Document_coverage", TIMED, "The loaded ST.37 authority files."),
    M(coverage.xml_batch_summary, "coverage",
      "load_seq provider recipient dataset scheduled_date original_name files records not_well_formed "
      "missing_identifier standards lost_documents incomplete office_mismatch skipped_links bundled",
      "10_Document_coverage", TIMED, "One row per loaded XML batch: what it held and what was wrong with it."),
    M(coverage.xml_batch_problems, "coverage", "load_seq file line problem detail", "10_Document_coverage", TIMED,
      "Records or files of a batch that are not well-formed or lack a publication number."),
    M(coverage.measured_completeness, "coverage",
      "load_seq provider recipient dataset scheduled_date field populated records completeness",
      "10_Document_coverage", TIMED, "Completeness measured per XML batch and field."),
    M(coverage.xml_batches_contract, "coverage",
      "provider recipient dataset scheduled_date files records lost_documents dialects office_mismatch",
      "loaders.metrics", meaning="The XML batches for scripts (`python -m loaders metrics --json`, key xml_batches)."),
    M(coverage.measured_completeness_contract, "coverage",
      "provider recipient dataset scheduled_date field populated records", "loaders.metrics",
      meaning="Measured completeness for scripts (`python -m loaders metrics --json`, key measured_completeness)."),
    # survey, row level
    M(survey.survey_rounds, "survey", "round title fielded_from fielded_to bundled respondents",
      "1_Published_figures dashboard survey_views", TIMED,
      "Survey rounds with their respondents, fielding dates and whether they are the illustrative data."),
    M(survey.option_counts, "survey",
      "round question_id direction code label category ord offices no_answer base share",
      meaning="Per round and option of a section: offices that ticked it, left it blank, and the base."),
    M(survey.yes_no_counts, "survey", "round code text yes no no_answer base",
      meaning="Per round and yes/no question of a section: offices answering yes, no, and no answer."),
    M(survey.published_vs_computed, "survey",
      "round section direction category item code published computed published_base computed_base difference "
      "matches",
      meaning="Every published CWS/13/14 aggregate beside the value computed from the loaded answers."),
    M(survey.respondents_by_round, "survey", "round office name kind region", "survey_views", TIMED,
      "Every respondent of every round with its ST.3 kind and region."),
    M(survey.option_matrix, "survey", "round office direction code label category ord state",
      meaning="Office x option matrix of one round: the answer state of every cell."),
    M(survey.option_changes, "survey",
      "office direction code label category ord from_state to_state change",
      meaning="Round-to-round comparison per office and option: the two states and the change."),
    M(survey.option_change_summary, "survey",
      "direction code label category ord asked_from asked_to from_offices from_base to_offices to_base adopted "
      "dropped kept only_from only_to no_answer_in_one_round suppressed_cells",
      meaning="Per option, from one round to another: ticks in each round and offices that adopted, dropped, kept it."),
    M(survey.challenge_category_counts, "survey", "round direction category ord offices no_answer base share",
      meaning="Per round, direction and challenge category: offices that ticked at least one challenge of it."),
    M(survey.answer_cells, "survey", "office question_id section direction code category state",
      meaning="Every respondent x option of a round with its answer state: the microdata disclosure protects."),
    # survey, as released
    M(release.public_option_counts, "release",
      "round question_id direction code label category ord offices no_answer base share suppressed",
      "2_Standards 3_Exchanged_data 4_Challenges dashboard key_charts",
      meaning="`survey.option_counts` as a viewer may see it (suppressed counts NULL)."),
    M(release.public_option_matrix, "release", "round office direction code label category ord state",
      "2_Standards 3_Exchanged_data 4_Challenges 8_Office_profile survey_views",
      meaning="`survey.option_matrix` of the released respondents, suppressed cells marked."),
    M(release.public_category_counts, "release",
      "round direction category ord offices no_answer base share suppressed", "4_Challenges key_charts",
      meaning="`survey.challenge_category_counts` over the released respondents, suppressed counts NULL."),
    M(release.public_option_changes, "release",
      "office direction code label category ord from_state to_state change", "8_Office_profile survey_views",
      meaning="`survey.option_changes` of the released respondents of each round."),
    M(release.public_option_change_summary, "release",
      "direction code label category ord asked_from asked_to from_offices from_base to_offices to_base adopted "
      "dropped kept only_from only_to no_answer_in_one_round suppressed_cells suppressed", "survey_views",
      meaning="`survey.option_change_summary` of the released respondents of each round."),
    M(release.public_contradictions, "release", "round office rule description evidence", "1_Published_figures",
      meaning="`consistency.contradictions` of the released respondents, less those resting on a suppressed cell."),
    M(release.public_contradiction_rules, "release", "round rule description asked offices base suppressed",
      "1_Published_figures",
      meaning="`consistency.contradiction_rules` counted over the released respondents whose cells are all shown."),
    M(release.public_peer_values, "release", "metric source office kind region value", "8_Office_profile",
      meaning="`peers.metric_values` less the survey values of hidden offices and of suppressed cells."),
    M(release.public_standard_twins, "release",
      "office code label twin kind region same_kind same_region on_time_rate completeness", "8_Office_profile",
      meaning="`peers.standard_twins` of the released respondents, no suppressed cell read."),
    M(comparison.like_for_like_offices, "comparison", "office", "survey_views 11_Presentation",
      meaning="The offices a like-for-like comparison of two rounds counts: released respondents of both."),
    # questionnaires
    M(questionnaire.codebook_changes, "questionnaire",
      "from_round to_round question_id section direction code change before after",
      "13_Methodology survey_views 11_Presentation",
      meaning="Questions and options added, removed, reworded or retagged between two rounds' codebooks."),
    M(release.public_published_vs_computed, "release",
      "round section direction category item code published computed published_base computed_base difference "
      "matches suppressed",
      "1_Published_figures 2_Standards 3_Exchanged_data 4_Challenges dashboard key_charts",
      meaning="`survey.published_vs_computed` with the totals that suppression withholds set to NULL."),
    # consistency
    M(consistency.contradictions, "consistency", "round office rule description evidence",
      meaning="Per round, office and rule: the offices whose answers contradict each other, with the evidence."),
    M(consistency.contradiction_rules, "consistency", "round rule description asked offices base",
      meaning="Per round and rule: whether the codebook asks what it needs, the offices found and the base."),
    M(consistency.published_contradictions, "consistency",
      "rule description round premise_item premise_offices conflict_item conflict_offices base at_least",
      "1_Published_figures", TIMED,
      "The rules applied to the published aggregates: how many offices must have given both answers."),
    # disclosure
    M(disclosure.consent_by_office, "disclosure", "round office consented", "disclosure key_charts", TIMED,
      "Per round and respondent: consented = an explicit yes to every consent question of the round."),
    # peers: the per-office values the office profile compares (peers.METRICS), then all of them together
    *(M(peer.function, "peers", "office value", "8_Office_profile") for peer in peers.METRICS),
    M(peers.metric_values, "peers", "metric source office kind region value",
      meaning="Every peer metric for every office that has a value, long form, with kind and region."),
    M(peers.standard_twins, "peers",
      "office code label twin kind region same_kind same_region on_time_rate completeness",
      meaning="Per office: each WIPO standard it does not use, the offices of its kind or region that use it, "
              "and their delivery figures as provider."),
    # review of survey rounds
    M(review.round_status, "review",
      "round status until show_provisional status_since status_set_by bundled public", "9_Manage_data ui.review",
      meaning="Per loaded survey round: its status (draft, review, published), since when, set by whom, and "
              "whether public views show it."),
    M(review.public_rounds, "review", "", "survey release page", TIMED,
      "The rounds a public view may show: published, or in review and shown provisionally."),
    M(review.provisional_rounds, "review", "round until", "page key_charts",
      meaning="The public rounds still in review, with the end of their review (the provisional banner, "
              "also on the presentation's slides and in the meeting pack)."),
    M(review.period_status, "review",
      "period status until show_provisional status_since status_set_by public held_on", "9_Manage_data ui.review",
      meaning="Per month a status event names (every other month is published): its status, since when, set by "
              "whom, whether public views show its current delivery figures, and since when they show it as it "
              "was published (held back after the public saw it)."),
    M(review.provisional_periods, "review", "period until", "page",
      meaning="The months in review whose delivery figures the public sees marked provisional, with the end of "
              "their review."),
    M(review.correcting_loads, "review", "seq original_name", "ui.review",
      meaning="The loads that may correct a contest: made after it, of its round, or of the delivery log or "
              "schedule for a month's."),
    M(review.period_deliveries, "review", "period provider recipient dataset due on_time late missed pending",
      "14_Review ui.review",
      meaning="Per month in review and schedule of a provider office: its delivery figures, for its review."),
    M(review.office_entries, "review", "office question_id text type answer status", "14_Review ui.review",
      meaning="Per respondent and question of a round: the answer as loaded, for the office's review."),
    M(review.contests, "review",
      "contest_id round office question_id option_code period recipient dataset comment evidence_url contested_at "
      "contested_by decision "
      "reason correction_seq answered_at answered_by contest_seq evidence_file evidence_name",
      "14_Review 9_Manage_data ui.review",
      meaning="Every contest of an entry, with the office's comment and evidence, and its answer."),
    M(review.confirmations, "review", "round office confirmed_at confirmed_by period", "14_Review ui.review",
      meaning="The offices that confirmed their entries of a round, when and by whom."),
    M(review.review_audit, "review", "at by load_seq event round office what period", "9_Manage_data ui.review",
      meaning="Every status change, confirmation, contest, answer and load of a round: who, when, what."),
    # status
    M(provenance, "status", "rounds illustrative_survey illustrative_deliveries deliveries_as_of", "data", TIMED,
      "Where the shown data comes from: rounds, whether it is the bundled illustrative data, as-of dates."),
    M(status_summary, "status", "rounds periods tables loads", "loaders.status",
      meaning="What is loaded: rounds, row counts per table, and every load in the manifest."),
    M(metrics_summary, "status",
      "rounds respondents standards challenges reliability_as_of reliability", "loaders.metrics",
      meaning="The headline metrics as one JSON object (`python -m loaders metrics --json`)."),
    # labels and reference data
    M(labels.codebook_option_labels, "reference", "", "survey_views",
      meaning="Answer options' labels in the other languages, as the round's codebook gives them."),
    M(reference.office_list, "reference", "code name kind region", "data",
      meaning="The ST.3 office list: code, name, kind and region, by code."),
    M(reference.office_names, "reference", "", "key_charts",
      meaning="ST.3 code -> the office's English name, for every office of the list."),
    M(reference.office_name_translations, "reference", "", "common",
      meaning="ST.3 code -> {language -> name}: the regional and international offices' names in the "
              "interface's languages."),
    M(manage.load_history, "reference",
      "seq loaded_at loaded_by kind round original_name sha256 rows new_rows corrected_rows unchanged_rows bundled",
      "9_Manage_data", meaning="Every load in the snapshot (the loads table the manifest mirrors), oldest first."),
    M(manage.archived_codebooks, "reference", "seq round original_name codebook_archived_as", "9_Manage_data",
      meaning="The codebooks archived with survey loads that are not bundled files, oldest load first."),
)

#: Public functions of `queries` that read the database but are not metrics, and why.
NOT_METRICS = {
    "delivery.data_as_of": "the default reference date, a parameter of the delivery metrics",
    "feed.write_feeds": "writes the feed files of feed_atom (python -m loaders feed)",
    "delivery.interruption_runs_sql": "the SQL of delivery_interruptions' runs, which queries.incidents builds on",
    "delivery.announced_outcomes_sql": "the SQL of the outcomes with their announcement, which queries.incidents counts",
    "delivery.outcomes_sql": "the SQL of every occurrence with its outcome, the base of the delivery metrics",
    "consistency.rule_facts": "the facts each consistency rule reads, used by queries.release",
    "release.round_release": "the suppression decided for one round, used by the public_ functions",
    "open_data.published_scope": "which survey rounds and delivery periods are public (the open data release's scope)",
    "open_data.public_tables": "the open data release's tables, each made by the metric the public pages call",
    "open_data.build_release": "the open data release as files (python -m loaders publish, the home page's download)",
    "open_data.write_release": "writes the open data release into a folder (python -m loaders publish)",
}

BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}
BY_FUNCTION: dict[Callable, Metric] = {m.function: m for m in METRICS}


def metric_of(function: Callable) -> Metric | None:
    """The registry entry of `function`, or None when it is not a registered metric."""
    return BY_FUNCTION.get(function)


def _module_definitions(module_name: str) -> str:
    doc = inspect.getdoc(importlib.import_module(module_name)) or ""
    return doc.strip()


def sections() -> tuple[Section, ...]:
    """Every section of SECTIONS with its definitions and metrics: what docs/metrics.md and the
    Methodology page show."""
    return tuple(Section(key, title, module, _module_definitions(module) if module else "",
                         tuple(m for m in METRICS if m.section == key)) for key, title, module in SECTIONS)


def disclosure_rules() -> str:
    """The disclosure rules: the docstrings of DISCLOSURE_MODULES, one after the other."""
    return "\n\n".join(_module_definitions(module) for module in DISCLOSURE_MODULES)


def with_disclosure_rules(text: str, where: str = "docs/disclosure.md") -> str:
    """`text` with what lies between DISCLOSURE_BEGIN and DISCLOSURE_END replaced by the rules."""
    head, begin, rest = text.partition(DISCLOSURE_BEGIN)
    if not begin or DISCLOSURE_END not in rest:
        raise ValueError(f"{where}: no block between the markers {DISCLOSURE_BEGIN!r} and {DISCLOSURE_END!r}")
    tail = rest.split(DISCLOSURE_END, 1)[1]
    return f"{head}{DISCLOSURE_BEGIN}\n\n{disclosure_rules()}\n\n{DISCLOSURE_END}{tail}"


def markdown() -> str:
    """docs/metrics.md: per section, its definitions (the module docstring) and every metric
    with its meaning, arguments, output columns, the pages that show it and its docstring."""
    out = ["# Metrics", "",
           "<!-- Written by `python -m queries.registry --write docs/metrics.md` from queries/registry.py and the",
           "     docstrings in queries/; tests/test_metrics_doc.py fails when it is stale. Do not edit by hand. -->",
           "",
           "Every number the dashboard shows comes from one of these functions of `queries` (SQL over the",
           "loaded tables, one function per metric). Each takes a DuckDB connection first.",
           ""]
    out += ["| Metric | Meaning | Shown on |", "| --- | --- | --- |"]
    for section in sections():
        for m in section.metrics:
            out.append(f"| [`{m.name}`](#{m.name.replace('.', '')}) | {m.summary} | {', '.join(m.pages)} |")
    for section in sections():
        out += ["", f"## {section.title}"]
        if section.module:
            out += ["", f"Definitions (`{section.module}`):", ""]
            out += ["> " + line if line else ">" for line in section.definitions.splitlines()]
        for m in section.metrics:
            out += ["", f"### {m.name}", "", f"`{m.call}`", "", m.summary, ""]
            if m.columns:
                label = "Keys" if not m.returns_frame else "Columns"
                out.append(f"{label}: " + ", ".join(f"`{c}`" for c in m.columns) + ".")
                out.append("")
            if m.pages:
                out.append("Shown on: " + ", ".join(m.pages) + ("; timed by the bench." if m.bench else "."))
                out.append("")
            out += m.doc.splitlines()
    return "\n".join(out).rstrip() + "\n"


def listing() -> str:
    """One line per metric: name and meaning (`python -m loaders metrics --list`)."""
    width = max(len(m.name) for m in METRICS)
    return "\n".join(f"{m.name.ljust(width)}  {m.summary}" for m in METRICS) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m queries.registry", description="Write docs/metrics.md.")
    p.add_argument("--write", metavar="PATH", help="write the Markdown there (default: print it)")
    p.add_argument("--check", metavar="PATH", help="exit 1 when PATH differs from what would be written")
    p.add_argument("--disclosure", metavar="PATH",
                   help="rewrite the rules between the markers of PATH (docs/disclosure.md) from the docstrings")
    args = p.parse_args(argv)
    if args.disclosure:
        path = Path(args.disclosure)
        path.write_text(with_disclosure_rules(path.read_text(encoding="utf-8"), str(path)), encoding="utf-8")
        return 0
    text = markdown()
    if args.check:
        same = Path(args.check).is_file() and Path(args.check).read_text(encoding="utf-8") == text
        if not same:
            print(f"{args.check} is stale: run python -m queries.registry --write {args.check}", file=sys.stderr)
        return 0 if same else 1
    if args.write:
        Path(args.write).write_text(text, encoding="utf-8")
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
