"""One booking: its details, a change of time or title, and cancelling (one, following, all)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from booking.errors import DomainError, NotFound
from booking.extensions import current_session, db
from booking.services import bookings as booking_service
from booking.web import web
from booking.web.access import me, safe_next, signed_in
from booking.web.feedback import Problem, problem_of
from booking.web.forms import CancelForm, ChangeForm
from booking.web.pages import clock


def _render(
    booking: Any, form: ChangeForm, problem: Problem | None = None, status: int = 200
) -> Any:
    return (
        render_template(
            "web/booking.html",
            booking=booking,
            form=form,
            cancel_form=CancelForm(),
            problem=problem,
            can_change=booking.status in booking_service.ACTIVE
            and (booking.user_id == me().id or me().role == "manager"),
            can_cancel=booking.status in booking_service.ACTIVE,
        ),
        status,
    )


@web.route("/bookings/<int:booking_id>", methods=["GET", "POST"])
@signed_in
def booking_page(booking_id: int) -> Any:
    booking = booking_service.get_booking(current_session(), me(), booking_id)
    tz = clock().tz
    form = ChangeForm()
    if request.method == "GET":
        form.start.data = booking.start.astimezone(tz).replace(tzinfo=None)
        form.end.data = booking.end.astimezone(tz).replace(tzinfo=None)
        form.title.data = booking.title
        return _render(booking, form)
    if not form.validate_on_submit():
        return _render(booking, form, status=422)
    assert form.start.data is not None and form.end.data is not None
    try:
        booking_service.change(
            current_session(),
            me(),
            booking_id,
            booking_service.BookingChange(
                start=form.start.data.replace(tzinfo=tz),
                end=form.end.data.replace(tzinfo=tz),
                title=(form.title.data or "").strip(),
            ),
            clock(),
        )
    except DomainError as err:
        db.session.rollback()
        booking = booking_service.get_booking(current_session(), me(), booking_id)
        return _render(booking, form, problem_of(err, tz), status=err.status)
    db.session.commit()
    flash(_("The booking was changed."), "success")
    return redirect(url_for("web.booking_page", booking_id=booking_id))


@web.post("/bookings/<int:booking_id>/cancel")
@signed_in
def cancel_booking(booking_id: int) -> Any:
    form = CancelForm()
    back = safe_next(form.next.data or request.args.get("next"), url_for("web.home"))
    if not form.validate_on_submit():
        flash(_("Choose what to cancel."), "error")
        return redirect(back)
    try:
        cancelled = booking_service.cancel(
            current_session(), me(), booking_id, form.scope.data or "occurrence", clock()
        )
    except NotFound:
        raise
    except DomainError as err:
        db.session.rollback()
        problem = problem_of(err, clock().tz)
        flash(f"{problem.message} {problem.advice}", "error")
        return redirect(back)
    db.session.commit()
    flash(
        ngettext(
            "%(num)d booking was cancelled.", "%(num)d bookings were cancelled.", len(cancelled)
        ),
        "success",
    )
    return redirect(back)
