"""Leases on the admin pages: which tenant rents which offices, labs and cleanrooms, from when
to when, at what rent; a new lease, ending one, the history per tenant or per space."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from booking.clock import booking_now, campus_zone
from booking.errors import DomainError
from booking.extensions import current_session, db
from booking.models import LEASABLE_KINDS, Lease
from booking.services import catalog as catalog_service
from booking.services import leases as lease_service
from booking.services import people as people_service
from booking.services import spaces as space_service
from booking.web import web
from booking.web.access import manager_only, me
from booking.web.admin_feedback import show_on
from booking.web.admin_people import MAX_TENANTS, number_arg, page_link, today
from booking.web.display import format_date
from booking.web.forms import EndLeaseForm, LeaseForm

SHOWS = ("running", "upcoming", "ended", "all")
LEASES_PER_PAGE = 50
# Running (or coming) leases looked up at once to say which spaces are taken (more than any
# campus has).
MAX_TAKEN = 500

LEASE_STATUS_NAMES = {
    "upcoming": _l("Upcoming"),
    "running": _l("Running"),
    "ended": _l("Ended"),
}


@web.app_template_filter("lease_status")
def lease_status(lease: Lease) -> str:
    """`upcoming`, `running` or `ended` today (the CSS class of its badge)."""
    return lease_service.status_of(lease, today())


@web.app_template_filter("lease_status_name")
def lease_status_name(status: str) -> str:
    return str(LEASE_STATUS_NAMES.get(status, status))


# ---------------------------------------------------------------------------------------------
# The list and the history


@web.get("/admin/leases")
@manager_only
def admin_leases() -> Any:
    session = current_session()
    tenant_id, space_id = number_arg("tenant_id"), number_arg("space_id")
    show = request.args.get("show")
    if show not in SHOWS:
        # A tenant's or a space's page shows its whole history; the list what runs today.
        show = "all" if tenant_id or space_id else "running"
    day = today()
    flt = lease_service.LeaseFilter(
        tenant_id=tenant_id,
        space_id=space_id,
        on=day if show == "running" else None,
        starts_after=day if show == "upcoming" else None,
        ended_before=day if show == "ended" else None,
    )
    leases, next_cursor = lease_service.list_leases(
        session, me(), flt, limit=LEASES_PER_PAGE, cursor=request.args.get("after") or None
    )
    tenant = people_service.get_tenant(session, me(), tenant_id) if tenant_id else None
    space = space_service.get_space(session, me(), space_id) if space_id else None
    return render_template(
        "web/admin/leases.html",
        leases=leases,
        show=show,
        shows=SHOWS,
        tenant=tenant,
        space=space,
        tab_link=lambda name: page_link("web.admin_leases", show=name, after=None),
        next_link=page_link("web.admin_leases", show=show, after=next_cursor)
        if next_cursor
        else None,
        first_link=page_link("web.admin_leases", show=show, after=None)
        if request.args.get("after")
        else None,
    )


# ---------------------------------------------------------------------------------------------
# A new lease


def _lease_form(**data: Any) -> tuple[LeaseForm, list[Any]]:
    """The form with its choices, and the leasable spaces (active offices, labs, cleanrooms)."""
    session = current_session()
    form = LeaseForm(**data)
    tenants, _cursor = people_service.list_tenants(session, me(), limit=MAX_TENANTS, cursor=None)
    form.tenant_id.choices = [("", _("Choose a tenant"))] + [(str(t.id), t.name) for t in tenants]
    spaces = [
        v for v in catalog_service.load(session).spaces if v.active and v.kind in LEASABLE_KINDS
    ]
    form.space_ids.choices = [(v.id, v.code) for v in spaces]
    return form, spaces


def _render_new(form: LeaseForm, spaces: list[Any], status: int = 200, clashes: Any = ()) -> Any:
    # Which spaces are leased today or later, to say so beside each.
    taken: dict[int, list[Lease]] = defaultdict(list)
    for flt in (
        lease_service.LeaseFilter(on=today()),
        lease_service.LeaseFilter(starts_after=today()),
    ):
        leases, _cursor = lease_service.list_leases(
            current_session(), me(), flt, limit=MAX_TAKEN, cursor=None
        )
        for lease in leases:
            for space in lease.spaces:
                taken[space.id].append(lease)
    by_building: dict[str, list[Any]] = defaultdict(list)
    for view in spaces:
        by_building[view.building_name].append(view)
    chosen = set(form.space_ids.data or [])
    return render_template(
        "web/admin/lease_new.html",
        form=form,
        buildings=sorted(by_building.items()),
        taken=taken,
        chosen=chosen,
        clashes=clashes,
    ), status


def _clashes(err: DomainError, spaces: list[Any]) -> list[dict[str, Any]]:
    """The leases in the way of a new one (from the 409's details), in words and with links."""
    codes = {view.id: view.code for view in spaces}
    found: list[dict[str, Any]] = []
    for row in (err.details or {}).get("conflicts", [])[:10]:
        try:
            lease = lease_service.get_lease(current_session(), me(), int(row["lease_id"]))
        except (DomainError, KeyError, TypeError, ValueError):
            continue
        space = codes.get(row.get("space_id"), "?")
        if lease.end is None:
            text = _(
                "%(space)s is already leased to %(tenant)s from %(start)s, with no end date.",
                space=space,
                tenant=lease.tenant.name,
                start=format_date(lease.start),
            )
        else:
            text = _(
                "%(space)s is already leased to %(tenant)s from %(start)s to %(end)s.",
                space=space,
                tenant=lease.tenant.name,
                start=format_date(lease.start),
                end=format_date(lease.end),
            )
        found.append({"text": text, "lease_id": lease.id})
    return found


@web.route("/admin/leases/new", methods=["GET", "POST"])
@manager_only
def admin_lease_new() -> Any:
    if request.method == "GET":
        space_id = number_arg("space_id")
        form, spaces = _lease_form(
            tenant_id=request.args.get("tenant_id", ""),
            space_ids=[space_id] if space_id else [],
            start=today(),
        )
        return _render_new(form, spaces)
    form, spaces = _lease_form()
    if not form.validate_on_submit():
        return _render_new(form, spaces, 422)
    amount = form.rent_amount.data
    lease_request = lease_service.LeaseRequest(
        tenant_id=int(form.tenant_id.data),
        space_ids=tuple(form.space_ids.data or ()),
        start=form.start.data,
        end=form.end.data,
        rent_eur_per_m2_month=amount if form.rent_kind.data == "per_m2" else None,
        rent_eur_month=amount if form.rent_kind.data == "fixed" else None,
    )
    try:
        result = lease_service.create_lease(
            current_session(), me(), lease_request, now=booking_now(), tz=campus_zone()
        )
    except DomainError as err:
        db.session.rollback()
        clashes = _clashes(err, spaces) if err.code == "conflict" else []
        show_on(
            form,
            err,
            conflict=_("A chosen space is already leased on some of these days: see above."),
            conflict_field="space_ids",
        )
        return _render_new(form, spaces, err.status, clashes)
    lease_id, affected = result.lease.id, len(result.affected)
    db.session.commit()
    flash(_("The lease was created."), "success")
    if affected:
        flash(
            ngettext(
                "%(num)d active booking falls inside the lease: contact the booker or cancel it.",
                "%(num)d active bookings fall inside the lease: contact the bookers or cancel "
                "them.",
                affected,
            ),
            "error",
        )
    return redirect(url_for("web.admin_lease", lease_id=lease_id))


# ---------------------------------------------------------------------------------------------
# One lease, and ending it


def _render_lease(lease_id: int, form: EndLeaseForm, status: int = 200) -> Any:
    lease = lease_service.get_lease(current_session(), me(), lease_id)
    return render_template("web/admin/lease.html", lease=lease, form=form), status


@web.get("/admin/leases/<int:lease_id>")
@manager_only
def admin_lease(lease_id: int) -> Any:
    lease = lease_service.get_lease(current_session(), me(), lease_id)
    day = today()
    default = day if lease.end is None or lease.end > day else None
    return _render_lease(lease_id, EndLeaseForm(end=default))


@web.post("/admin/leases/<int:lease_id>/end")
@manager_only
def admin_lease_end(lease_id: int) -> Any:
    lease = lease_service.get_lease(current_session(), me(), lease_id)
    form = EndLeaseForm()
    if not form.validate_on_submit():
        return _render_lease(lease_id, form, 422)
    current_end = lease.end
    try:
        lease_service.end_lease(current_session(), me(), lease_id, form.end.data, today=today())
    except DomainError as err:
        db.session.rollback()
        show_on(
            form,
            err,
            conflict=_(
                "The lease already ends on %(date)s: choose an earlier day.",
                date=format_date(current_end),
            ),
            conflict_field="end",
        )
        return _render_lease(lease_id, form, err.status)
    last = form.end.data
    db.session.commit()
    flash(_("The lease now ends on %(date)s.", date=format_date(last)), "success")
    return redirect(url_for("web.admin_lease", lease_id=lease_id))
