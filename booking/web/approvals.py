"""The campus manager's queue: approve or reject pending bookings, one or a whole series."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from booking.errors import DomainError
from booking.extensions import current_session, db
from booking.services import bookings as booking_service
from booking.web import web
from booking.web.access import manager_only, me
from booking.web.feedback import problem_of
from booking.web.forms import SCOPES, DecisionForm
from booking.web.pages import clock


@web.get("/approvals")
@manager_only
def approvals() -> Any:
    pending, _cursor = booking_service.pending_approvals(
        current_session(), me(), limit=200, cursor=None
    )
    return render_template("web/approvals.html", pending=pending, form=DecisionForm())


@web.post("/approvals/<int:booking_id>")
@manager_only
def decide(booking_id: int) -> Any:
    form = DecisionForm()
    # "approve" or "reject", for the whole series with ":series".
    choice, _sep, scope = (form.decision.data or "").partition(":")
    if not form.validate_on_submit() or choice not in ("approve", "reject"):
        flash(_("Choose Approve or Reject."), "error")
        return redirect(url_for("web.approvals"))
    scope = scope if scope in SCOPES else "occurrence"
    approve = choice == "approve"
    try:
        decided = booking_service.decide(
            current_session(),
            me(),
            booking_id,
            approve=approve,
            scope=scope,
            reason=(form.reason.data or "").strip() or None,
            clock=clock(),
        )
    except DomainError as err:
        db.session.rollback()
        problem = problem_of(err, clock().tz)
        flash(f"{problem.message} {problem.advice}", "error")
        return redirect(url_for("web.approvals"))
    db.session.commit()
    if approve:
        message = ngettext("%(num)d booking approved.", "%(num)d bookings approved.", len(decided))
    else:
        message = ngettext("%(num)d booking rejected.", "%(num)d bookings rejected.", len(decided))
    flash(message, "success")
    return redirect(url_for("web.approvals"))
