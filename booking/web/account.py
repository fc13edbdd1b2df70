"""My account: language, and the calendar subscription links (copy, webcal://, rotate)."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _

from booking.extensions import current_session, db
from booking.services import account as account_service
from booking.web import web
from booking.web.access import me, signed_in
from booking.web.forms import EmptyForm, LanguageForm


def _render(form: LanguageForm, status: int = 200) -> Any:
    links = account_service.feed_links(me(), current_app.config["BOOKING_BASE_URL"])
    return (
        render_template("web/account.html", form=form, rotate_form=EmptyForm(), links=links),
        status,
    )


@web.get("/account")
@signed_in
def account() -> Any:
    form = LanguageForm(language=me().language)
    return _render(form)


@web.post("/account")
@signed_in
def account_language() -> Any:
    form = LanguageForm()
    if not form.validate_on_submit():
        return _render(form, 422)
    account_service.set_language(current_session(), me(), form.language.data or "nl")
    db.session.commit()
    # The choice also overrides an earlier ?lang= of this browser session.
    session["lang"] = me().language
    flash(_("Your language was saved."), "success")
    return redirect(url_for("web.account"))


@web.post("/account/feed-token")
@signed_in
def rotate_feed() -> Any:
    if not EmptyForm().validate_on_submit():
        flash(_("Please try again."), "error")
        return redirect(url_for("web.account"))
    account_service.rotate_feed_token(current_session(), me())
    db.session.commit()
    flash(_("New calendar links made; the old ones no longer work."), "success")
    return redirect(url_for("web.account"))
