"""The pages people use: forms (Flask-WTF, CSRF on every form), views, no business rules."""

from flask import Blueprint

web = Blueprint("web", __name__)

from booking.web import (  # noqa: E402,F401
    account,
    admin,
    admin_leases,
    admin_people,
    approvals,
    auth,
    bookings,
    display,
    invoices,
    login,
    pages,
    reports,
    spaces,
)
