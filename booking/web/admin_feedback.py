"""The people and lease services' errors told on the admin pages: which field they are about
and what to do, in the reader's language (the services speak English, for the API)."""

from __future__ import annotations

from typing import Any

from flask import flash
from flask_babel import gettext

from booking.errors import DomainError


def _(text: str, **values: Any) -> str:
    return str(gettext(text, **values))


def _field_message(field: str, reason: str, err: DomainError) -> str | None:
    details = err.details or {}
    if field == "name":
        if reason == "required":
            return _("Give a name.")
        return _("Use at most 200 characters, without control characters.")
    if field == "vat_number":
        if reason == "checksum":
            return _("The check digits of this VAT number do not match: look for a typing error.")
        return _("Write a Belgian VAT number as BE0123456789.")
    if field == "free_hours_month":
        return _("Give a number of hours from 0 to 999999.99, with at most two decimals.")
    if field == "email":
        return _("This is not an e-mail address.")
    if field == "tenant_id":
        if reason == "required":
            return _("Members and tenant administrators belong to a tenant: choose one.")
        return _("This tenant is not active.")
    if field in ("role", "language"):
        return _("Choose one of the options.")
    if field == "code":
        return _("Write the code in lowercase with hyphens, for example cleanroom-gowning.")
    if field == "end":
        if "start" in reason:
            return _("The lease cannot end before its first day.")
        return _("The last day cannot be before the first day.")
    if field == "space_ids":
        spaces = details.get("spaces") or []
        if spaces:
            space = spaces[0]
            if space.get("kind") in ("office", "lab", "cleanroom"):
                return _("%(code)s is retired.", code=space.get("code", "?"))
            return _(
                "%(code)s cannot be leased: only offices, labs and cleanrooms can.",
                code=space.get("code", "?"),
            )
        if "twice" in reason:
            return _("A space is chosen twice.")
        return _("Choose at least one space.")
    return None


_FORBIDDEN = {
    "Only the campus manager makes a manager.": "manager",
    "You cannot deactivate yourself or change your own role.": "self",
    "You may change only your own name and language.": "own",
    "Only the campus manager moves a person to another tenant.": "move",
}


def _forbidden_message(err: DomainError) -> str:
    kind = _FORBIDDEN.get(err.message)
    if kind == "manager":
        return _("Only the campus manager makes someone a campus manager.")
    if kind == "self":
        return _("You cannot deactivate yourself or change your own role.")
    if kind == "own":
        return _("You may change only your own name and language here.")
    if kind == "move":
        return _("Only the campus manager moves someone to another tenant.")
    return _("You may not do this.")


def explain(
    err: DomainError, *, conflict: str | None = None, conflict_field: str | None = None
) -> tuple[str | None, str]:
    """(the form field the error is about or None, what to tell the person). `conflict` is
    the caller's words for a 409 (only it knows what was in the way), about `conflict_field`."""
    details = err.details or {}
    if err.code == "bad_request":
        fields: dict[str, Any] = details.get("fields") or {}
        for field, reason in fields.items():
            message = _field_message(field, str(reason), err)
            if message is not None:
                return field, message
        return None, err.message
    if err.code == "conflict":
        return conflict_field, conflict or err.message
    if err.code == "forbidden":
        return None, _forbidden_message(err)
    if err.code == "not_found":
        return None, _("This no longer exists, or is not yours to see.")
    return None, err.message


def show_on(
    form: Any,
    err: DomainError,
    *,
    conflict: str | None = None,
    conflict_field: str | None = None,
) -> None:
    """Put the error next to its field of the form, or flash it when it is about no field of
    this form (or there is no form)."""
    field, message = explain(err, conflict=conflict, conflict_field=conflict_field)
    target = getattr(form, field, None) if form is not None and field else None
    if target is not None and hasattr(target, "errors"):
        # The page's template says "check the fields marked below" for any field error.
        target.errors = [*list(target.errors or []), message]
    else:
        flash(message, "error")
