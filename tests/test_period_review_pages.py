"""A delivery period walked through its review with the real pages (AppTest): the secretariat
holds a month back on Manage data and moves it to review; the JP office user sees, on the Review
page, its own figures as provider of the month only and contests one schedule's; another office
sees none of it; the secretariat reads the contest and rejects it with a reason; the audit lists
the month's events; the public keeps seeing the month as it was published (and is told so), and
sees the current figures marked provisional once they are shown provisionally."""
from __future__ import annotations

import datetime as dt

from conftest import rows
from signin import open_page, users_secrets

from loaders import review as review_events

MONTH = "2026-10"
COMMENT = "The 2026-10-12 batch to US arrived on time <b>see log</b>"


def _table(at, columns: set):
    frames = [d.value for d in at.dataframe if columns <= set(d.value.columns)]
    assert len(frames) == 1, f"{len(frames)} tables with {columns}"
    return frames[0]


def _page(db, monkeypatch, page, username=None):
    at = open_page(db, page, monkeypatch, users_secrets(), username)
    assert not at.exception, at.exception
    return at


def _period_status(db):
    found = rows(db, "SELECT status FROM review_events WHERE period = $p ORDER BY load_seq DESC, source_row DESC "
                     "LIMIT 1", {"p": MONTH})
    return found[0][0] if found else None


def _scheduled_total(at) -> int:
    return int(_table(at, {"office", "scheduled", "on_time", "sla_met"})["scheduled"].sum())


def test_a_month_reviewed_through_the_pages(fresh_bundled_db, monkeypatch):
    db = fresh_bundled_db
    before = _scheduled_total(_page(db, monkeypatch, "pages/5_Delivery_reliability.py"))

    # ---- the secretariat holds the month back, then moves it to review
    manage = _page(db, monkeypatch, "pages/9_Manage_data.py", "secretariat-1")
    assert "Every month is published: no month was held back." in [c.value for c in manage.caption]
    manage.selectbox(key="manage-period-month").set_value(MONTH).run()
    assert manage.selectbox(key="manage-period-to").options == ["draft (the secretariat only)",
                                                                "in review by the offices"]
    manage.selectbox(key="manage-period-to").set_value("draft").run()
    manage.button(key="manage-period-set").click().run()
    assert not manage.exception and not manage.error, [e.value for e in manage.error]
    assert _period_status(db) == "draft"
    # The public saw the month: it keeps seeing the month as it was published, and is told so.
    held_on = rows(db, "SELECT held_on FROM held_periods WHERE period = $p", {"p": MONTH})[0][0].isoformat()
    public = _page(db, monkeypatch, "pages/5_Delivery_reliability.py")
    assert _scheduled_total(public) == before
    assert [i.value for i in public.info if "2026\\-10" in i.value] == [
        f"Deliveries scheduled in 2026\\-10 are shown as they were published on {held_on}, while they are revised."]
    secretariat = _page(db, monkeypatch, "pages/5_Delivery_reliability.py", "secretariat-1")
    assert _scheduled_total(secretariat) == before
    assert (f"Held back from the public: the current figures of deliveries scheduled in 2026\\-10. You see them as "
            f"the secretariat; the public sees them as published on {held_on}." in [i.value for i in secretariat.info])

    manage = _page(db, monkeypatch, "pages/9_Manage_data.py", "secretariat-1")
    manage.selectbox(key="manage-period-month").set_value(MONTH).run()
    manage.selectbox(key="manage-period-to").set_value("review").run()
    manage.date_input(key="manage-period-until").set_value(dt.date(2026, 12, 15))
    manage.button(key="manage-period-set").click().run()
    assert not manage.exception and not manage.error, [e.value for e in manage.error]
    assert _period_status(db) == "review"

    # ---- the JP office user: its own figures of the month, and a contest
    jp = _page(db, monkeypatch, "pages/14_Review.py", "jp-office")
    assert jp.selectbox(key="review-period").value == MONTH
    figures = _table(jp, {"due", "on_time", "late", "missed"})
    assert len(figures) > 0 and all(p.startswith("JP") for p in figures["provider"])
    jp.selectbox(key="review-period-contest-schedule").set_value("US|patent-bibliographic")
    jp.text_area(key="review-period-contest-comment").input(COMMENT)
    jp.button(key="review-period-contest-submit").click().run()
    assert not jp.exception, jp.exception
    assert any("Your contest of the figures of" in s.value for s in jp.success)
    own = _table(jp, {"contest_id", "comment", "decision", "recipient"})
    assert list(own["comment"]) == [COMMENT] and list(own["decision"]) == ["open"]
    assert all("<b>" not in m.value for m in jp.markdown)
    # The public sees the month as published; JP sees its own current figures of it.
    assert _scheduled_total(_page(db, monkeypatch, "pages/5_Delivery_reliability.py")) == before
    jp_delivery = _page(db, monkeypatch, "pages/5_Delivery_reliability.py", "jp-office")
    assert _scheduled_total(jp_delivery) == before
    assert (f"Under review: your office's current figures of deliveries scheduled in 2026\\-10. The public sees "
            f"them as published on {held_on}." in [i.value for i in jp_delivery.info])

    uy = _page(db, monkeypatch, "pages/14_Review.py", "uy-office")
    # UY provides no schedule: it sees no figures of the month, nor JP's contest.
    assert not [d for d in uy.dataframe if "due" in d.value.columns]
    assert "No delivery of this office as provider is scheduled in 2026\\-10." in [i.value for i in uy.info]
    assert not [d for d in uy.dataframe if "comment" in d.value.columns and COMMENT in set(d.value["comment"])]

    # ---- the secretariat answers
    secretariat = _page(db, monkeypatch, "pages/14_Review.py", "secretariat-1")
    assert secretariat.selectbox(key="review-period").value == MONTH
    assert len({p for p in _table(secretariat, {"due", "on_time", "late", "missed"})["provider"]}) > 1
    contests = _table(secretariat, {"contest_id", "comment", "decision", "recipient"})
    assert list(contests["comment"]) == [COMMENT]
    secretariat.radio(key="review-period-answer-decision").set_value("rejected").run()
    secretariat.text_area(key="review-period-answer-reason").input("The log shows 2026-10-14")
    secretariat.button(key="review-period-answer-submit").click().run()
    assert not secretariat.exception and not secretariat.error, [e.value for e in secretariat.error]
    jp = _page(db, monkeypatch, "pages/14_Review.py", "jp-office")
    own = _table(jp, {"contest_id", "comment", "decision", "recipient"})
    assert list(own["decision"]) == ["rejected"] and list(own["reason"]) == ["The log shows 2026-10-14"]

    # ---- the audit lists the month's events
    manage = _page(db, monkeypatch, "pages/9_Manage_data.py", "secretariat-1")
    audit = _table(manage, {"event", "what", "period"})
    assert list(audit.loc[audit["period"] == MONTH, "event"]) == ["status", "status", "contest", "answer"]

    # ---- shown provisionally: public, with the banner
    review_events.set_period_status(MONTH, "review", until="2026-12-15", show_provisional=True, loaded_by="sec",
                                    db_path=db)
    public = _page(db, monkeypatch, "pages/5_Delivery_reliability.py")
    assert _scheduled_total(public) == before
    assert "Provisional: under review by the offices until 2026-12-15 (deliveries scheduled in 2026\\-10)." in [
        w.value for w in public.warning]
