"""People on the admin pages: tenants (the manager), users and their qualifications (the
manager, and a tenant admin for its own members: the services decide who may see and change
whom)."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from booking.clock import booking_now, campus_zone
from booking.errors import DomainError
from booking.extensions import current_session, db
from booking.models import ROLES, User
from booking.services import bookings as booking_service
from booking.services import leases as lease_service
from booking.services import people as people_service
from booking.services.auth import LinkSettings
from booking.web import web
from booking.web.access import manager_only, me, people_admin
from booking.web.admin_feedback import show_on
from booking.web.forms import (
    EmptyForm,
    PersonForm,
    QualificationForm,
    TenantForm,
    UserFilterForm,
)

USERS_PER_PAGE = 50
TENANTS_PER_PAGE = 100
GRANTS_PER_PAGE = 100
# Coming bookings read to tell what a deactivation cancels (the page lists the first ten).
DEACTIVATION_PREVIEW = 200
# Enough for every tenant of a campus in one select.
MAX_TENANTS = 500


def today() -> date:
    return booking_now().astimezone(campus_zone()).date()


def page_link(endpoint: str, **args: Any) -> str:
    """The same list with other query arguments (the empty ones left out)."""
    kept = {k: v for k, v in {**request.args.to_dict(), **args}.items() if v not in (None, "")}
    return url_for(endpoint) + ("?" + urlencode(kept) if kept else "")


def number_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and 0 < int(value) < 2**31 else None


# ---------------------------------------------------------------------------------------------
# Tenants


def _render_tenants(form: TenantForm, status: int = 200) -> Any:
    tenants, next_cursor = people_service.list_tenants(
        current_session(), me(), limit=TENANTS_PER_PAGE, cursor=request.args.get("after") or None
    )
    return render_template(
        "web/admin/tenants.html", form=form, tenants=tenants, next_cursor=next_cursor
    ), status


@web.route("/admin/tenants", methods=["GET", "POST"])
@manager_only
def admin_tenants() -> Any:
    form = TenantForm()
    if request.method == "GET":
        return _render_tenants(form)
    if not form.validate_on_submit():
        return _render_tenants(form, 422)
    name = (form.name.data or "").strip()
    try:
        tenant = people_service.create_tenant(
            current_session(),
            me(),
            name=name,
            vat_number=form.vat_number.data,
            free_hours_month=form.free_hours_month.data,
            address=(form.address.data or "").strip() or None,
        )
    except DomainError as err:
        db.session.rollback()
        show_on(
            form,
            err,
            conflict=_("There is already a tenant called %(name)s.", name=name),
            conflict_field="name",
        )
        return _render_tenants(form, err.status)
    tenant_id, tenant_name = tenant.id, tenant.name
    db.session.commit()
    flash(_("Tenant %(name)s was added.", name=tenant_name), "success")
    return redirect(url_for("web.admin_tenant", tenant_id=tenant_id))


def _render_tenant(tenant_id: int, form: TenantForm, status: int = 200) -> Any:
    session = current_session()
    tenant = people_service.get_tenant(session, me(), tenant_id)
    leases, more = lease_service.list_leases(
        session, me(), lease_service.LeaseFilter(tenant_id=tenant_id), limit=100, cursor=None
    )
    return render_template(
        "web/admin/tenant.html",
        tenant=tenant,
        form=form,
        leases=leases,
        more_leases=more is not None,
        today=today(),
    ), status


@web.route("/admin/tenants/<int:tenant_id>", methods=["GET", "POST"])
@manager_only
def admin_tenant(tenant_id: int) -> Any:
    session = current_session()
    tenant = people_service.get_tenant(session, me(), tenant_id)
    if request.method == "GET":
        form = TenantForm(
            name=tenant.name,
            vat_number=tenant.vat_number or "",
            free_hours_month=tenant.free_hours_month,
            address=tenant.address or "",
        )
        return _render_tenant(tenant_id, form)
    form = TenantForm()
    if not form.validate_on_submit():
        return _render_tenant(tenant_id, form, 422)
    name = (form.name.data or "").strip()
    try:
        people_service.update_tenant(
            session,
            me(),
            tenant_id,
            people_service.TenantChange(
                name=name,
                vat_number=form.vat_number.data or None,
                free_hours_month=form.free_hours_month.data,
                address=(form.address.data or "").strip() or None,
                fields=frozenset({"name", "vat_number", "free_hours_month", "address"}),
            ),
        )
    except DomainError as err:
        db.session.rollback()
        show_on(
            form,
            err,
            conflict=_("There is already a tenant called %(name)s.", name=name),
            conflict_field="name",
        )
        return _render_tenant(tenant_id, form, err.status)
    db.session.commit()
    flash(_("The tenant was saved."), "success")
    return redirect(url_for("web.admin_tenant", tenant_id=tenant_id))


# ---------------------------------------------------------------------------------------------
# Users


def _role_choices() -> list[tuple[str, str]]:
    from booking.web.display import ROLE_NAMES

    # A tenant admin is never offered "manager" (the service refuses it anyway).
    roles = ROLES if me().role == "manager" else ("member", "tenant_admin")
    return [(role, str(ROLE_NAMES[role])) for role in roles]


def _tenant_choices(blank: str | None) -> list[tuple[str, str]]:
    tenants, _cursor = people_service.list_tenants(
        current_session(), me(), limit=MAX_TENANTS, cursor=None
    )
    choices = [("", blank)] if blank is not None else []
    return choices + [(str(t.id), t.name) for t in tenants]


def _person_form(**data: Any) -> PersonForm:
    form = PersonForm(**data)
    form.role.choices = _role_choices()
    if me().role == "manager":
        form.tenant_id.choices = _tenant_choices(_("None (campus manager)"))
    else:
        # A tenant admin's people are of its own tenant: the service puts them there.
        del form.tenant_id
    return form


def _tenant_of(form: PersonForm) -> int | None:
    field = getattr(form, "tenant_id", None)
    value = (field.data if field is not None else None) or ""
    return int(value) if value.isdigit() else None


@web.get("/admin/users")
@people_admin
def admin_users() -> Any:
    filters = UserFilterForm(request.args)
    filters.role.choices = [("", _("Every role")), *_role_choices()]
    if me().role == "manager":
        filters.tenant_id.choices = _tenant_choices(_("Every tenant"))
    active = {"yes": True, "no": False}.get(request.args.get("active", ""))
    role = request.args.get("role") or None
    users, next_cursor = people_service.list_users(
        current_session(),
        me(),
        tenant_id=number_arg("tenant_id"),
        role=role if role in ROLES else None,
        active=active,
        search=(request.args.get("q") or "")[:200] or None,
        limit=USERS_PER_PAGE,
        cursor=request.args.get("after") or None,
    )
    return render_template(
        "web/admin/users.html",
        filters=filters,
        users=users,
        next_link=page_link("web.admin_users", after=next_cursor) if next_cursor else None,
        first_link=page_link("web.admin_users", after=None) if request.args.get("after") else None,
        today=today(),
    )


@web.route("/admin/users/new", methods=["GET", "POST"])
@people_admin
def admin_user_new() -> Any:
    if request.method == "GET":
        form = _person_form(tenant_id=request.args.get("tenant_id", ""))
        return render_template("web/admin/user_new.html", form=form)
    form = _person_form()
    if not form.validate_on_submit():
        return render_template("web/admin/user_new.html", form=form), 422
    email = (form.email.data or "").strip()
    try:
        user = people_service.create_user(
            current_session(),
            me(),
            email=email,
            name=form.name.data or "",
            role=form.role.data or "member",
            tenant_id=_tenant_of(form),
            language=form.language.data or "nl",
            invite_with=LinkSettings.of_app(),
        )
    except DomainError as err:
        db.session.rollback()
        show_on(
            form,
            err,
            conflict=_("There is already someone with the e-mail address %(email)s.", email=email),
            conflict_field="email",
        )
        return render_template("web/admin/user_new.html", form=form), err.status
    user_id, name, address = user.id, user.name, user.email
    db.session.commit()
    flash(
        _(
            "%(name)s was added. An e-mail with a link to choose a password went to %(email)s.",
            name=name,
            email=address,
        ),
        "success",
    )
    return redirect(url_for("web.admin_user", user_id=user_id))


def _render_user(
    user: User,
    form: PersonForm,
    grant_form: QualificationForm | None = None,
    status: int = 200,
) -> Any:
    return render_template(
        "web/admin/user.html",
        user=user,
        form=form,
        grant_form=grant_form or QualificationForm(),
        button=EmptyForm(),
        codes=people_service.qualification_codes(current_session()),
        grants=sorted(user.qualifications, key=lambda g: g.code),
        today=today(),
    ), status


@web.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@people_admin
def admin_user(user_id: int) -> Any:
    session = current_session()
    user = people_service.get_user(session, me(), user_id)
    if request.method == "GET":
        form = _person_form(
            name=user.name,
            email=user.email,
            role=user.role,
            tenant_id=str(user.tenant_id or ""),
            language=user.language,
        )
        return _render_user(user, form)
    form = _person_form()
    if not form.validate_on_submit():
        return _render_user(user, form, status=422)
    fields = {"name", "email", "role", "language"}
    if me().role == "manager":
        fields.add("tenant_id")
    email = (form.email.data or "").strip()
    try:
        people_service.update_user(
            session,
            me(),
            user_id,
            people_service.UserChange(
                name=form.name.data,
                email=email,
                role=form.role.data,
                language=form.language.data,
                tenant_id=_tenant_of(form),
                fields=frozenset(fields),
            ),
            now=booking_now(),
        )
    except DomainError as err:
        db.session.rollback()
        show_on(
            form,
            err,
            conflict=_("There is already someone with the e-mail address %(email)s.", email=email),
            conflict_field="email",
        )
        user = people_service.get_user(session, me(), user_id)
        return _render_user(user, form, status=err.status)
    db.session.commit()
    flash(_("The changes were saved."), "success")
    return redirect(url_for("web.admin_user", user_id=user_id))


@web.route("/admin/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@people_admin
def admin_user_deactivate(user_id: int) -> Any:
    session = current_session()
    user = people_service.get_user(session, me(), user_id)
    if request.method == "GET":
        now = booking_now()
        upcoming, more = booking_service.list_bookings(
            session,
            me(),
            booking_service.BookingFilter(user_id=user.id, start=now),
            limit=DEACTIVATION_PREVIEW,
            cursor=None,
        )
        # What deactivation cancels: the active bookings that have not started yet.
        return render_template(
            "web/admin/user_deactivate.html",
            user=user,
            upcoming=[
                b for b in upcoming if b.status in ("pending", "confirmed") and b.start >= now
            ],
            more=more is not None,
            button=EmptyForm(),
        )
    return _set_active(
        user,
        active=False,
        done=_(
            "%(name)s can no longer sign in, and their bookings from now on were cancelled.",
            name=user.name,
        ),
    )


@web.post("/admin/users/<int:user_id>/invite")
@people_admin
def admin_user_invite(user_id: int) -> Any:
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        user = people_service.invite_again(current_session(), me(), user_id, LinkSettings.of_app())
    except DomainError as err:
        db.session.rollback()
        show_on(
            None, err, conflict=_("This person is deactivated or has chosen a password already.")
        )
        return redirect(url_for("web.admin_user", user_id=user_id))
    address = user.email
    db.session.commit()
    flash(_("A new invitation went to %(email)s.", email=address), "success")
    return redirect(url_for("web.admin_user", user_id=user_id))


@web.post("/admin/users/<int:user_id>/reactivate")
@people_admin
def admin_user_reactivate(user_id: int) -> Any:
    user = people_service.get_user(current_session(), me(), user_id)
    return _set_active(
        user,
        active=True,
        done=_(
            "%(name)s can sign in again. Bookings cancelled at the deactivation stay cancelled.",
            name=user.name,
        ),
        conflict=_("Someone whose data was removed cannot come back."),
    )


def _set_active(user: User, *, active: bool, done: str, conflict: str | None = None) -> Any:
    """Deactivate or reactivate (a POST with its CSRF token), then back to the person's page."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    user_id = user.id
    try:
        people_service.update_user(
            current_session(),
            me(),
            user_id,
            people_service.UserChange(active=active, fields=frozenset({"active"})),
            now=booking_now(),
        )
    except DomainError as err:
        db.session.rollback()
        show_on(None, err, conflict=conflict)
        return redirect(url_for("web.admin_user", user_id=user_id))
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("web.admin_user", user_id=user_id))


# ---------------------------------------------------------------------------------------------
# Qualifications


@web.post("/admin/users/<int:user_id>/qualifications")
@manager_only
def admin_grant(user_id: int) -> Any:
    session = current_session()
    user = people_service.get_user(session, me(), user_id)
    grant_form = QualificationForm()
    person = _person_form(
        name=user.name,
        email=user.email,
        role=user.role,
        tenant_id=str(user.tenant_id or ""),
        language=user.language,
    )
    if not grant_form.validate_on_submit():
        return _render_user(user, person, grant_form, 422)
    code = (grant_form.code.data or "").strip()
    try:
        people_service.grant_qualification(
            session, me(), user=user, code=code, expires=grant_form.expires.data
        )
    except DomainError as err:
        db.session.rollback()
        show_on(grant_form, err)
        user = people_service.get_user(session, me(), user_id)
        return _render_user(user, person, grant_form, err.status)
    db.session.commit()
    flash(_("%(code)s was granted.", code=code), "success")
    return redirect(url_for("web.admin_user", user_id=user_id) + "#qualifications")


@web.post("/admin/users/<int:user_id>/qualifications/<string:code>/revoke")
@manager_only
def admin_revoke(user_id: int, code: str) -> Any:
    session = current_session()
    user = people_service.get_user(session, me(), user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        people_service.revoke_qualification(session, me(), user=user, code=code)
    except DomainError as err:
        db.session.rollback()
        show_on(None, err)
        return redirect(url_for("web.admin_user", user_id=user_id))
    db.session.commit()
    flash(_("%(code)s was revoked.", code=code), "success")
    return redirect(url_for("web.admin_user", user_id=user_id) + "#qualifications")


@web.get("/admin/qualifications")
@manager_only
def admin_qualifications() -> Any:
    session = current_session()
    codes = people_service.qualification_codes(session)
    code = request.args.get("code") or None
    page = number_arg("page") or 1
    grants, more = people_service.list_grants(
        session,
        me(),
        code=code if code in codes else None,
        limit=GRANTS_PER_PAGE,
        offset=(page - 1) * GRANTS_PER_PAGE,
    )
    return render_template(
        "web/admin/qualifications.html",
        codes=codes,
        code=code if code in codes else None,
        grants=grants,
        next_link=page_link("web.admin_qualifications", page=page + 1) if more else None,
        previous_link=page_link("web.admin_qualifications", page=page - 1) if page > 1 else None,
        today=today(),
    )
