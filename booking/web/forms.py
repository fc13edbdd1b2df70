"""The pages' forms (Flask-WTF: every one carries a CSRF token)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    Form,
    HiddenField,
    IntegerField,
    RadioField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from booking.models import SPACE_KINDS
from booking.web.display import KIND_NAMES, WEEKDAY_NAMES

# What a datetime-local input sends: minutes, or seconds when the browser adds them.
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
SCOPES = ("occurrence", "following", "series")


class MultiCheckboxField(SelectMultipleField):  # type: ignore[misc]
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _no_control_characters(form: Any, field: Any) -> None:
    from wtforms.validators import ValidationError

    if field.data and any(ord(c) < 32 for c in str(field.data)):
        raise ValidationError(_l("Remove the control characters."))


class ChangeForm(FlaskForm):  # type: ignore[misc]
    """A booking's time and title (the change form on a booking's page)."""

    start = DateTimeLocalField(
        _l("Start"), format=LOCAL_FORMATS, validators=[InputRequired(_l("Choose a start."))]
    )
    end = DateTimeLocalField(
        _l("End"), format=LOCAL_FORMATS, validators=[InputRequired(_l("Choose an end."))]
    )
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Give the booking a title.")),
            Length(max=200),
            _no_control_characters,
        ],
    )


class BookingForm(ChangeForm):
    """A new booking on a space's page, once or every week: a change form's fields, then
    attendees and the repeat."""

    attendees = IntegerField(
        _l("Attendees"), validators=[Optional(), NumberRange(min=1, max=100000)]
    )
    repeat = BooleanField(_l("Repeat every week"))
    weekdays = MultiCheckboxField(
        _l("On"),
        choices=[(code, name) for code, name in zip(WEEKDAY_CODES, WEEKDAY_NAMES, strict=True)],
        validate_choice=True,
    )
    until = DateField(_l("Until"), validators=[Optional()])
    skip_conflicts = BooleanField(_l("Skip the weeks that are taken; book the rest"))

    def rrule(self) -> str | None:
        """The recurrence in words turned into an RRULE (weekly on the chosen days, until a
        date); None for a single booking. The start's own weekday when no day is ticked."""
        if not self.repeat.data:
            return None
        days = [d for d in WEEKDAY_CODES if d in (self.weekdays.data or [])]
        if not days and self.start.data is not None:
            days = [WEEKDAY_CODES[self.start.data.weekday()]]
        until = self.until.data
        return f"FREQ=WEEKLY;BYDAY={','.join(days)};UNTIL={until:%Y%m%d}"

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)
        if self.repeat.data and self.until.data is None and not self.until.errors:
            self.until.errors = [*self.until.errors, _l("Choose the last day of the series.")]
            valid = False
        return valid


class CancelForm(FlaskForm):  # type: ignore[misc]
    scope = RadioField(
        _l("What to cancel"),
        choices=[
            ("occurrence", _l("Only this one")),
            ("following", _l("This one and the following ones")),
            ("series", _l("The whole series")),
        ],
        default="occurrence",
    )
    next = HiddenField()


class DecisionForm(FlaskForm):  # type: ignore[misc]
    decision = HiddenField(validators=[DataRequired()])
    scope = HiddenField(default="occurrence")
    reason = StringField(_l("Reason (sent to the booker)"), validators=[Length(max=2000)])


class LanguageForm(FlaskForm):  # type: ignore[misc]
    language = SelectField(
        _l("Language"), choices=[("nl", "Nederlands"), ("en", "English")], default="nl"
    )


class EmptyForm(FlaskForm):  # type: ignore[misc]
    """A button that only needs its CSRF token (rotate, delete)."""


class SpaceRulesForm(FlaskForm):  # type: ignore[misc]
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[(k, KIND_NAMES[k]) for k in SPACE_KINDS])
    capacity = IntegerField(_l("Capacity (people)"), validators=[InputRequired(), NumberRange(0)])
    area_m2 = DecimalField(_l("Area (m²)"), validators=[InputRequired(), NumberRange(0)])
    features = StringField(_l("Features (comma-separated)"), validators=[Length(max=2000)])
    bookable = BooleanField(_l("Bookable"))
    requires_approval = BooleanField(_l("Bookings need the manager's approval"))
    always_open = BooleanField(_l("Always open (ignore the opening hours below)"))
    min_duration_min = IntegerField(
        _l("Shortest booking (minutes)"), validators=[Optional(), NumberRange(1, 100000)]
    )
    max_duration_min = IntegerField(
        _l("Longest booking (minutes)"), validators=[Optional(), NumberRange(1, 100000)]
    )
    granularity_min = IntegerField(
        _l("Time grid (minutes)"), validators=[Optional(), NumberRange(1, 1440)]
    )
    min_notice_min = IntegerField(
        _l("Notice needed (minutes)"), validators=[Optional(), NumberRange(0, 1000000)]
    )
    max_advance_days = IntegerField(
        _l("Bookable at most this many days ahead"), validators=[Optional(), NumberRange(0, 3650)]
    )
    buffer_before_min = IntegerField(
        _l("Buffer before (minutes)"), validators=[Optional(), NumberRange(0, 1440)]
    )
    buffer_after_min = IntegerField(
        _l("Buffer after (minutes)"), validators=[Optional(), NumberRange(0, 1440)]
    )
    required_qualification = StringField(
        _l("Qualification needed (code)"), validators=[Optional(), Length(max=100)]
    )
    hourly_rate_eur = DecimalField(
        _l("Hourly rate (EUR)"), places=2, validators=[Optional(), NumberRange(0)]
    )
    hours_mon = StringField(WEEKDAY_NAMES[0], validators=[Length(max=200)])
    hours_tue = StringField(WEEKDAY_NAMES[1], validators=[Length(max=200)])
    hours_wed = StringField(WEEKDAY_NAMES[2], validators=[Length(max=200)])
    hours_thu = StringField(WEEKDAY_NAMES[3], validators=[Length(max=200)])
    hours_fri = StringField(WEEKDAY_NAMES[4], validators=[Length(max=200)])
    hours_sat = StringField(WEEKDAY_NAMES[5], validators=[Length(max=200)])
    hours_sun = StringField(WEEKDAY_NAMES[6], validators=[Length(max=200)])


class ClosureForm(FlaskForm):  # type: ignore[misc]
    where = SelectField(_l("What closes"), choices=[], validate_choice=True)
    start = DateTimeLocalField(
        _l("Start"), format=LOCAL_FORMATS, validators=[InputRequired(_l("Choose a start."))]
    )
    end = DateTimeLocalField(
        _l("End"), format=LOCAL_FORMATS, validators=[InputRequired(_l("Choose an end."))]
    )
    reason = StringField(
        _l("Reason"), validators=[DataRequired(), Length(max=200), _no_control_characters]
    )


class AmountField(DecimalField):  # type: ignore[misc]
    """A decimal number that also takes a decimal comma (12,50), as people in Flanders type it."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            valuelist = [str(valuelist[0]).strip().replace(" ", "").replace(",", ".")]
        super().process_formdata(valuelist)


class TenantForm(FlaskForm):  # type: ignore[misc]
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Give the tenant a name.")),
            Length(max=200),
            _no_control_characters,
        ],
    )
    vat_number = StringField(_l("VAT number"), validators=[Optional(), Length(max=30)])
    free_hours_month = AmountField(
        _l("Free hours per month"),
        places=2,
        validators=[Optional(), NumberRange(0, 999999.99, _l("From 0 to 999999.99 hours."))],
    )
    address = TextAreaField(_l("Address (for invoices)"), validators=[Length(max=2000)])


class UserFilterForm(Form):  # type: ignore[misc]
    """The filter above the list of people (a GET form: it changes nothing)."""

    q = SearchField(_l("Name or e-mail contains"), validators=[Optional(), Length(max=200)])
    tenant_id = SelectField(_l("Tenant"), choices=[], validate_choice=False)
    role = SelectField(_l("Role"), choices=[], validate_choice=False)
    active = SelectField(
        _l("Status"),
        choices=[("", _l("Everyone")), ("yes", _l("Active")), ("no", _l("Deactivated"))],
        validate_choice=False,
    )


class PersonForm(FlaskForm):  # type: ignore[misc]
    """A person's name, e-mail, role, tenant and language (new, or changed)."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Give a name.")), Length(max=200), _no_control_characters],
    )
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(_l("Give an e-mail address.")), Length(max=254)],
    )
    role = SelectField(_l("Role"), choices=[], validate_choice=True)
    tenant_id = SelectField(_l("Tenant"), choices=[], validate_choice=True, default="")
    language = SelectField(
        _l("Language"), choices=[("nl", "Nederlands"), ("en", "English")], default="nl"
    )


class QualificationForm(FlaskForm):  # type: ignore[misc]
    code = StringField(
        _l("Qualification (code)"),
        validators=[DataRequired(_l("Give the qualification's code.")), Length(max=100)],
    )
    expires = DateField(_l("Valid until (optional)"), validators=[Optional()])


class LeaseForm(FlaskForm):  # type: ignore[misc]
    tenant_id = SelectField(
        _l("Tenant"),
        choices=[],
        validate_choice=True,
        validators=[DataRequired(_l("Choose a tenant."))],
    )
    space_ids = MultiCheckboxField(_l("Spaces"), choices=[], coerce=int, validate_choice=True)
    start = DateField(_l("First day"), validators=[InputRequired(_l("Choose the first day."))])
    end = DateField(_l("Last day (optional)"), validators=[Optional()])
    rent_kind = RadioField(
        _l("Rent"),
        choices=[
            ("per_m2", _l("Per m² per month")),
            ("fixed", _l("A fixed amount per month")),
            ("none", _l("Rent-free")),
        ],
        default="per_m2",
    )
    rent_amount = AmountField(
        _l("Amount (EUR)"), places=2, validators=[Optional(), NumberRange(0, 99999999)]
    )

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)
        if not self.space_ids.data and not self.space_ids.errors:
            self.space_ids.errors = [*self.space_ids.errors, _l("Choose at least one space.")]
            valid = False
        if self.rent_kind.data != "none" and self.rent_amount.data is None:
            if not self.rent_amount.errors:
                self.rent_amount.errors = [*self.rent_amount.errors, _l("Give the rent.")]
            valid = False
        return valid


class EndLeaseForm(FlaskForm):  # type: ignore[misc]
    end = DateField(_l("Last day"), validators=[InputRequired(_l("Choose the last day."))])
