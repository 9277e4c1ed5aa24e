"""The kinds of input file and the handler that reads, checks and applies each.

A handler has `validate(scratch, request) -> Prepared` (stages the file, runs every rule,
raises LoadRejected listing all problems; the Prepared value carries all that apply needs) and
`apply(scratch, request, prepared, seq) -> counts` (writes into the attached snapshot `nxt`
inside the caller's transaction); a kind read in one pass also has `load_screened`. Handlers
keep no state between the two calls.
"""
from __future__ import annotations

from .kinds import CompletenessHandler, DeliveriesHandler, ScheduleHandler
from .notices import NoticesHandler
from .review_events import ReviewHandler
from .st37 import AuthorityHandler
from .survey import SurveyHandler
from .xml_batches import XmlBatchHandler

HANDLERS = {
    "survey": SurveyHandler(),
    "schedule": ScheduleHandler(),
    "deliveries": DeliveriesHandler(),
    "completeness": CompletenessHandler(),
    "xml": XmlBatchHandler(),
    "authority": AuthorityHandler(),
    "notices": NoticesHandler(),
    "review": ReviewHandler(),
}
KINDS = tuple(HANDLERS)
#: Kinds whose file load_file reads into memory once (hash, format, encoding, staging).
READ_ONCE_KINDS = ("schedule", "deliveries", "completeness")
#: Loads that change the schedule or the delivery log, after which the snapshot's scheduled
#: occurrences are brought up to date (db.calendar.materialise_scheduled_occurrences).
OCCURRENCE_KINDS = ("schedule", "deliveries")
