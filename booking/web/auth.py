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
from flask_babel import get_locale
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

# Dutch first (the campus is in Flanders), English for everyone else.
TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "sign_in": "Aanmelden",
        "email": "E-mailadres",
        "password": "Wachtwoord",
        "remember": "Aangemeld blijven op dit toestel",
        "forgot": "Wachtwoord vergeten?",
        "wrong": "Verkeerd e-mailadres of wachtwoord.",
        "required": "Vul dit veld in.",
        "too_many": "Te veel mislukte pogingen. Probeer het over {seconds} seconden opnieuw.",
        "reset_title": "Nieuw wachtwoord aanvragen",
        "reset_intro": "Geef je e-mailadres. Als er een account bij hoort, sturen we je een "
        "link om een nieuw wachtwoord te kiezen.",
        "send_link": "Stuur de link",
        "link_sent": "Als er een account bij dit adres hoort, is er een e-mail onderweg.",
        "choose_title": "Kies je wachtwoord",
        "choose_intro": "Minstens {min} tekens.",
        "new_password": "Nieuw wachtwoord",
        "confirm": "Herhaal het wachtwoord",
        "mismatch": "De twee wachtwoorden verschillen.",
        "too_short": "Minstens {min} tekens.",
        "save": "Wachtwoord opslaan",
        "saved": "Je wachtwoord is opgeslagen; je bent aangemeld.",
        "bad_link": "Deze link werkt niet (meer): hij is verlopen of al gebruikt.",
        "new_link": "Vraag een nieuwe link aan",
        "signed_out": "Je bent afgemeld.",
        "back": "Terug naar aanmelden",
    },
    "en": {
        "sign_in": "Sign in",
        "email": "E-mail address",
        "password": "Password",
        "remember": "Keep me signed in on this device",
        "forgot": "Forgot your password?",
        "wrong": "Wrong e-mail address or password.",
        "required": "Please fill in this field.",
        "too_many": "Too many failed attempts. Try again in {seconds} seconds.",
        "reset_title": "Ask for a new password",
        "reset_intro": "Give your e-mail address. If it has an account, we send you a link "
        "to choose a new password.",
        "send_link": "Send the link",
        "link_sent": "If this address has an account, an e-mail is on its way.",
        "choose_title": "Choose your password",
        "choose_intro": "At least {min} characters.",
        "new_password": "New password",
        "confirm": "Repeat the password",
        "mismatch": "The two passwords differ.",
        "too_short": "At least {min} characters.",
        "save": "Save the password",
        "saved": "Your password is saved; you are signed in.",
        "bad_link": "This link does not work (any more): it has expired or was used already.",
        "new_link": "Ask for a new link",
        "signed_out": "You are signed out.",
        "back": "Back to sign in",
    },
}


def texts() -> dict[str, str]:
    language = str(get_locale() or "nl")
    return TEXTS.get(language, TEXTS["nl"])


class LoginForm(FlaskForm):  # type: ignore[misc]
    email = EmailField(validators=[DataRequired(), Length(max=254)])
    password = PasswordField(validators=[DataRequired(), Length(max=MAX_PASSWORD)])
    remember = BooleanField()


class ResetRequestForm(FlaskForm):  # type: ignore[misc]
    email = EmailField(validators=[DataRequired(), Length(max=254)])


class NewPasswordForm(FlaskForm):  # type: ignore[misc]
    password = PasswordField(validators=[DataRequired(), Length(max=MAX_PASSWORD)])
    confirm = PasswordField(validators=[DataRequired(), EqualTo("password")])


def _labelled(form: FlaskForm, t: dict[str, str], labels: dict[str, str]) -> None:
    """Put the page's language on the labels and on the validators' messages."""
    for name, key in labels.items():
        field = form[name]
        field.label.text = t[key]
        for validator in field.validators:
            if isinstance(validator, DataRequired):
                validator.message = t["required"]
            elif isinstance(validator, EqualTo):
                validator.message = t["mismatch"]


def _login_form() -> LoginForm:
    form = LoginForm()
    _labelled(form, texts(), {"email": "email", "password": "password", "remember": "remember"})
    return form


def _render_login(form: LoginForm, *, error: str | None = None, status: int = 200) -> Any:
    return render_template("auth/login.html", form=form, t=texts(), error=error), status


@web.errorhandler(RateLimitExceeded)
def _too_many(err: RateLimitExceeded) -> Response:
    seconds = retry_after_seconds()
    t = texts()
    message = t["too_many"].format(seconds=seconds)
    if request.endpoint == "web.reset_request":
        form: FlaskForm = ResetRequestForm()
        _labelled(form, t, {"email": "email"})
        body = render_template("auth/reset_request.html", form=form, t=t, error=message)
    else:
        body = render_template("auth/login.html", form=_login_form(), t=t, error=message)
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
    form = _login_form()
    if not form.validate_on_submit():
        return _render_login(form, status=400 if request.method == "POST" else 200)
    try:
        user = auth_service.authenticate(current_session(), form.email.data, form.password.data)
    except Unauthenticated:
        mark_failed_signin()
        return _render_login(form, error=texts()["wrong"])
    login_user(user, remember=bool(form.remember.data))
    return redirect(_home())


@web.post("/logout")
def logout() -> Any:
    # The CSRF token is checked by CSRFProtect before this runs (400 without a valid one).
    logout_user()
    flash(texts()["signed_out"], "success")
    return redirect(url_for("web.login"))


def _links() -> LinkSettings:
    return LinkSettings(
        secret=str(current_app.config["SECRET_KEY"]),
        base_url=str(current_app.config["BOOKING_BASE_URL"]),
        now=datetime.now(UTC),
    )


@web.route("/reset", methods=["GET", "POST"])
@signin_limits
def reset_request() -> Any:
    t = texts()
    form = ResetRequestForm()
    _labelled(form, t, {"email": "email"})
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("auth/reset_request.html", form=form, t=t), status
    mark_failed_signin()
    auth_service.request_password_reset(current_session(), form.email.data, _links())
    db.session.commit()
    # The same answer whether or not the address has an account.
    flash(t["link_sent"], "success")
    return redirect(url_for("web.login"))


@web.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Any:
    t = texts()
    user = auth_service.user_for_password_link(
        current_session(), token, str(current_app.config["SECRET_KEY"]), now=datetime.now(UTC)
    )
    if user is None:
        return render_template("auth/reset_password.html", form=None, t=t, bad_link=True), 400
    form = NewPasswordForm()
    _labelled(form, t, {"password": "new_password", "confirm": "confirm"})
    if form.validate_on_submit():
        try:
            auth_service.set_password(current_session(), user, form.password.data)
        except BadRequest:
            form.password.errors = [t["too_short"].format(min=MIN_PASSWORD)]
        else:
            db.session.commit()
            login_user(user)
            flash(t["saved"], "success")
            return redirect(url_for("web.home"))
    status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "auth/reset_password.html", form=form, t=t, bad_link=False, min=MIN_PASSWORD
        ),
        status,
    )
