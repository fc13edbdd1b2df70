"""Sign-in pages: /login (e-mail, password, "remember me"), /logout (POST with CSRF), and the
e-mailed links that set a password (/reset asks for one, /reset/{token} uses it).

Failed sign-ins count against the same limits as the API's (booking/ratelimits.py); so does
every request for a reset link, so that nobody can flood someone's mailbox.
The session cookie carries User.get_id() ("id:session_version"): deactivation and a new
password end every session at once (the user loader is in web/login.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from booking.errors import BadRequest, Unauthenticated
from booking.extensions import current_session, db, login_manager
from booking.ratelimits import (
    RateLimitExceeded,
    mark_failed_signin,
    retry_after_seconds,
    signin_limits,
)
from booking.services import auth as auth_service
from booking.services.auth import MAX_PASSWORD, MIN_PASSWORD, LinkSettings
from booking.web import web
from booking.web.access import safe_next

login_manager.login_view = "web.login"

REQUIRED = _l("Please fill in this field.")


class LoginForm(FlaskForm):  # type: ignore[misc]
    email = EmailField(_l("E-mail address"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(REQUIRED), Length(max=MAX_PASSWORD)]
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class ResetRequestForm(FlaskForm):  # type: ignore[misc]
    email = EmailField(_l("E-mail address"), validators=[DataRequired(REQUIRED), Length(max=254)])


class NewPasswordForm(FlaskForm):  # type: ignore[misc]
    password = PasswordField(
        _l("New password"), validators=[DataRequired(REQUIRED), Length(max=MAX_PASSWORD)]
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("password", _l("The two passwords differ.")),
        ],
    )


def _render_login(form: LoginForm, *, error: str | None = None, status: int = 200) -> Any:
    return render_template("auth/login.html", form=form, error=error), status


@web.errorhandler(RateLimitExceeded)
def _too_many(err: RateLimitExceeded) -> Response:
    seconds = retry_after_seconds()
    message = _("Too many failed attempts. Try again in %(seconds)d seconds.", seconds=seconds)
    if request.endpoint == "web.reset_request":
        body = render_template("auth/reset_request.html", form=ResetRequestForm(), error=message)
    else:
        body = render_template("auth/login.html", form=LoginForm(), error=message)
    response = Response(body, status=429, mimetype="text/html")
    response.headers["Retry-After"] = str(seconds)
    return response


def _home() -> str:
    return safe_next(request.args.get("next"), url_for("web.home"))


@web.route("/login", methods=["GET", "POST"])
@signin_limits
def login() -> Any:
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_home())
    form = LoginForm()
    if not form.validate_on_submit():
        return _render_login(form, status=400 if request.method == "POST" else 200)
    try:
        user = auth_service.authenticate(current_session(), form.email.data, form.password.data)
    except Unauthenticated:
        mark_failed_signin()
        return _render_login(form, error=_("Wrong e-mail address or password."))
    login_user(user, remember=bool(form.remember.data))
    return redirect(_home())


@web.post("/logout")
def logout() -> Any:
    # The CSRF token is checked by CSRFProtect before this runs (400 without a valid one).
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(url_for("web.login"))


@web.route("/reset", methods=["GET", "POST"])
@signin_limits
def reset_request() -> Any:
    form = ResetRequestForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("auth/reset_request.html", form=form), status
    mark_failed_signin()
    auth_service.request_password_reset(current_session(), form.email.data, LinkSettings.of_app())
    db.session.commit()
    # The same answer whether or not the address has an account.
    flash(_("If this address has an account, an e-mail is on its way."), "success")
    return redirect(url_for("web.login"))


@web.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    user = auth_service.user_for_password_link(
        current_session(), token, str(current_app.config["SECRET_KEY"]), now=datetime.now(UTC)
    )
    if user is None:
        return render_template("auth/reset_password.html", form=None, bad_link=True), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            auth_service.set_password(current_session(), user, form.password.data)
        except BadRequest:
            form.password.errors = [_("At least %(min)d characters.", min=MIN_PASSWORD)]
        else:
            db.session.commit()
            login_user(user)
            flash(_("Your password is saved; you are signed in."), "success")
            return redirect(url_for("web.home"))
    status = 400 if request.method == "POST" else 200
    return (
        render_template("auth/reset_password.html", form=form, bad_link=False, min=MIN_PASSWORD),
        status,
    )
