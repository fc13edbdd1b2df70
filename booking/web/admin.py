"""The campus manager's pages: spaces and their rules, opening hours, closures."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from booking.clock import booking_now, campus_zone
from booking.errors import DomainError
from booking.extensions import current_session, db
from booking.services import campus as campus_service
from booking.services import catalog as catalog_service
from booking.services import spaces as space_service
from booking.web import web
from booking.web.access import manager_only, me
from booking.web.forms import ClosureForm, EmptyForm, SpaceRulesForm

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")


@web.get("/admin")
@manager_only
def admin_index() -> Any:
    return render_template("web/admin/index.html")


@web.get("/admin/spaces")
@manager_only
def admin_spaces() -> Any:
    cat = catalog_service.load(current_session())
    return render_template("web/admin/spaces.html", spaces=cat.spaces)


def _hours_text(spans: list[list[str]] | None) -> str:
    return ", ".join(f"{a}-{b}" for a, b in spans or [])


def _parse_hours(form: SpaceRulesForm) -> dict[str, list[list[str]]] | None:
    """The opening hours typed as `08:00-12:00, 13:00-18:00` per day; None when always open.
    Marks the fields it cannot read and returns {} then (the caller re-shows the form)."""
    if form.always_open.data:
        return None
    hours: dict[str, list[list[str]]] = {}
    for day in DAYS:
        field = getattr(form, f"hours_{day}")
        spans = []
        for part in (field.data or "").split(","):
            if not part.strip():
                continue
            match = _RANGE.match(part)
            if not match or int(match[1]) > 24 or int(match[3]) > 24 or int(match[2]) > 59:
                field.errors = [*field.errors, _("Write times as 08:00-18:00.")]
                continue
            spans.append([f"{int(match[1]):02d}:{match[2]}", f"{int(match[3]):02d}:{match[4]}"])
        if spans:
            hours[day] = spans
    return hours


@web.route("/admin/spaces/<int:space_id>", methods=["GET", "POST"])
@manager_only
def admin_space(space_id: int) -> Any:
    session = current_session()
    view = space_service.get_space(session, me(), space_id)
    form = SpaceRulesForm()
    if request.method == "GET":
        rules = view.rules
        form.name.data = view.name
        form.kind.data = view.kind
        form.capacity.data = view.capacity
        form.area_m2.data = view.area_m2
        form.features.data = ", ".join(view.feature_list)
        form.bookable.data = rules.bookable
        form.requires_approval.data = rules.requires_approval
        form.always_open.data = view.opening_hours_json is None
        form.min_duration_min.data = rules.min_duration_min
        form.max_duration_min.data = rules.max_duration_min
        form.granularity_min.data = rules.granularity_min
        form.min_notice_min.data = rules.min_notice_min
        form.max_advance_days.data = rules.max_advance_days
        form.buffer_before_min.data = rules.buffer_before_min
        form.buffer_after_min.data = rules.buffer_after_min
        form.required_qualification.data = rules.required_qualification or ""
        form.hourly_rate_eur.data = view.hourly_rate_eur
        for day in DAYS:
            getattr(form, f"hours_{day}").data = _hours_text(
                (view.opening_hours_json or {}).get(day)
            )
        return render_template("web/admin/space.html", space=view, form=form)
    valid = form.validate_on_submit()
    hours = _parse_hours(form)
    if not valid or any(getattr(form, f"hours_{d}").errors for d in DAYS):
        return render_template("web/admin/space.html", space=view, form=form), 422
    fields: dict[str, Any] = {
        "name": (form.name.data or "").strip(),
        "kind": form.kind.data,
        "capacity": form.capacity.data,
        "area_m2": form.area_m2.data,
        "features": [f.strip() for f in (form.features.data or "").split(",") if f.strip()],
        "bookable": bool(form.bookable.data),
        "requires_approval": bool(form.requires_approval.data),
        "opening_hours": hours,
        "min_duration_min": form.min_duration_min.data,
        "max_duration_min": form.max_duration_min.data,
        "granularity_min": form.granularity_min.data,
        "min_notice_min": form.min_notice_min.data,
        "max_advance_days": form.max_advance_days.data,
        "buffer_before_min": form.buffer_before_min.data,
        "buffer_after_min": form.buffer_after_min.data,
        "required_qualification": (form.required_qualification.data or "").strip() or None,
        "hourly_rate_eur": form.hourly_rate_eur.data or 0,
    }
    try:
        campus_service.change_space(session, me(), space_id, fields)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return render_template("web/admin/space.html", space=view, form=form), err.status
    db.session.commit()
    flash(_("The space was saved."), "success")
    return redirect(url_for("web.admin_space", space_id=space_id))


def _closure_form() -> ClosureForm:
    session = current_session()
    form = ClosureForm()
    cat = catalog_service.load(session)
    form.where.choices = [("campus", _("The whole campus"))]
    form.where.choices += [
        (f"building:{b.code}", _("Building %(name)s", name=b.name))
        for b in campus_service.list_buildings(session)
    ]
    form.where.choices += [(f"space:{v.id}", f"{v.code} {v.name}") for v in cat.spaces if v.active]
    return form


def _render_closures(form: ClosureForm, status: int = 200) -> Any:
    now = booking_now()
    closures, more = campus_service.list_closures(
        current_session(),
        start=now - timedelta(days=1),
        end=None,
        space_id=None,
        limit=200,
        offset=0,
    )
    return (
        render_template(
            "web/admin/closures.html",
            form=form,
            closures=closures,
            more=more,
            delete_form=EmptyForm(),
        ),
        status,
    )


@web.route("/admin/closures", methods=["GET", "POST"])
@manager_only
def admin_closures() -> Any:
    form = _closure_form()
    if request.method == "GET":
        return _render_closures(form)
    if not form.validate_on_submit():
        return _render_closures(form, 422)
    tz = campus_zone()
    assert form.start.data is not None and form.end.data is not None
    kind, _sep, target = (form.where.data or "campus").partition(":")
    start: datetime = form.start.data.replace(tzinfo=tz)
    end: datetime = form.end.data.replace(tzinfo=tz)
    try:
        result = campus_service.create_closure(
            current_session(),
            me(),
            start=start,
            end=end,
            reason=(form.reason.data or "").strip(),
            space_id=int(target) if kind == "space" else None,
            building_code=target if kind == "building" else None,
        )
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return _render_closures(form, err.status)
    affected = [(b.id, b.title, b.start, b.end) for b in result.affected]
    db.session.commit()
    flash(_("The closure was added."), "success")
    if affected:
        flash(
            ngettext(
                "%(num)d active booking falls inside it: contact the booker or cancel it.",
                "%(num)d active bookings fall inside it: contact the bookers or cancel them.",
                len(affected),
            ),
            "error",
        )
    return redirect(url_for("web.admin_closures"))


@web.post("/admin/closures/<int:closure_id>/delete")
@manager_only
def admin_delete_closure(closure_id: int) -> Any:
    if not EmptyForm().validate_on_submit():
        flash(_("Please try again."), "error")
        return redirect(url_for("web.admin_closures"))
    campus_service.delete_closure(current_session(), me(), closure_id)
    db.session.commit()
    flash(_("The closure was removed."), "success")
    return redirect(url_for("web.admin_closures"))
