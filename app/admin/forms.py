"""Workspace forms. Choices that come from the database are filled in by the view."""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.models import AgreementKind, Audience, Channel, PartnerCategory, Role


def options(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def _coerce_optional_int(value: object) -> int | None:
    if value in (None, "", "None"):
        return None
    if not isinstance(value, (int, str)):
        raise TypeError(f"not a number: {value!r}")
    return int(value)


class WaveForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the wave a name."), Length(max=120)])
    opens_on = DateField(
        "Opens on", validators=[InputRequired("Enter the date the wave opens (YYYY-MM-DD).")]
    )
    closes_on = DateField(
        "Closes on", validators=[InputRequired("Enter the date the wave closes (YYYY-MM-DD).")]
    )
    copy_links = BooleanField("Copy every link of the last wave (with new link addresses)")

    def validate_closes_on(self, field: DateField) -> None:
        if self.opens_on.data and field.data and field.data < self.opens_on.data:
            raise ValidationError("The close date must be on or after the open date.")


class WaveEditForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the wave a name."), Length(max=120)])
    opens_on = DateField(
        "Opens on", validators=[InputRequired("Enter the date the wave opens (YYYY-MM-DD).")]
    )
    closes_on = DateField(
        "Closes on", validators=[InputRequired("Enter the date the wave closes (YYYY-MM-DD).")]
    )

    def validate_closes_on(self, field: DateField) -> None:
        if self.opens_on.data and field.data and field.data < self.opens_on.data:
            raise ValidationError("The close date must be on or after the open date.")


class LinkForm(FlaskForm):
    survey_id = SelectField("Survey", coerce=int, validators=[InputRequired("Choose a survey.")])
    wave_id = SelectField("Wave", coerce=int, validators=[InputRequired("Choose a wave.")])
    audience = SelectField(
        "Audience",
        choices=options((a.value, a.value.capitalize()) for a in Audience),
        validators=[InputRequired("Choose who answers.")],
    )
    partner_id = SelectField("Partner (optional)", coerce=_coerce_optional_int)
    channel = SelectField("Channel", validators=[InputRequired("Choose a channel.")])
    expected_n = IntegerField(
        "Expected number of responses (optional)",
        validators=[Optional(), NumberRange(min=1, max=1_000_000, message="Use 1 to 1,000,000.")],
    )


class LinkEditForm(FlaskForm):
    """What may change on a link once it is made (its survey, wave and audience are what
    its answers mean, so they stay)."""

    partner_id = SelectField("Partner (optional)", coerce=_coerce_optional_int)
    channel = SelectField("Channel", validators=[InputRequired("Choose a channel.")])
    expected_n = IntegerField(
        "Expected number of responses (optional)",
        validators=[Optional(), NumberRange(min=1, max=1_000_000, message="Use 1 to 1,000,000.")],
    )


class DeleteResponseForm(FlaskForm):
    reason = TextAreaField(
        "Why is this response deleted?",
        validators=[
            DataRequired("Say why this response is deleted."),
            Length(min=3, max=500, message="Use 3 to 500 characters."),
        ],
    )


class ExportForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: it changes nothing

    survey = SelectField("Survey", validators=[InputRequired("Choose a survey.")])
    wave = SelectField("Wave", coerce=_coerce_optional_int, validators=[Optional()])
    values = SelectField(
        "Answers as",
        choices=options([("labels", "Labels (the words people chose)"), ("codes", "Codes")]),
        default="labels",
    )
    format = SelectField(
        "File format", choices=options([("csv", "CSV"), ("xlsx", "Excel (XLSX)")]), default="csv"
    )


class ReportForm(FlaskForm):
    """Which report to show (a GET form). Partner users get no partner field: theirs is
    fixed. Choices are filled in by the view."""

    class Meta:
        csrf = False  # a GET form: it changes nothing

    wave = SelectField(
        "Wave",
        coerce=int,
        validators=[DataRequired("Choose a wave.")],
        invalid_choice_message="There is no such wave; choose one from the list.",
        invalid_value_message="There is no such wave; choose one from the list.",
    )
    survey = SelectField(
        "Survey",
        default="",
        invalid_choice_message="There is no such survey; choose one from the list.",
    )
    partner = SelectField(
        "Partner",
        coerce=_coerce_optional_int,
        invalid_choice_message="There is no such partner; choose one from the list.",
        invalid_value_message="There is no such partner; choose one from the list.",
    )
    figures = SelectField(
        "Figures",
        default="",
        choices=options(
            [
                ("", "As released to partners, once released"),
                ("live", "Live: every response so far"),
                ("released", "As released to partners"),
            ]
        ),
        invalid_choice_message="Choose live or released figures.",
    )


ROLE_CHOICES = options((r.value, r.value.capitalize()) for r in Role)


class UserEditForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES, validators=[InputRequired()])
    partner_id = SelectField("Partner (partner users only)", coerce=_coerce_optional_int)
    active = BooleanField("Active (may sign in)")


def channel_choices() -> list[tuple[str, str]]:
    from app.admin.services.links import CHANNEL_LABELS

    return options((c.value, CHANNEL_LABELS[c]) for c in Channel)


INVITE_ROLE_CHOICES = options(
    [
        ("coordinator", "Coordinator: runs waves, links, responses and reports"),
        ("partner", "Partner user: sees their own partner's released results"),
        ("admin", "Admin: also manages people and reads the audit log"),
    ]
)


class InvitationForm(FlaskForm):
    email = StringField(
        "Email address of the person you invite",
        validators=[DataRequired("Enter an email address."), Length(max=254)],
        render_kw={"autocomplete": "off", "spellcheck": "false", "inputmode": "email"},
    )
    role = SelectField(
        "Role",
        choices=INVITE_ROLE_CHOICES,
        validators=[InputRequired("Choose a role.")],
        invalid_choice_message="Choose one of the roles in the list.",
    )
    partner_id = SelectField(
        "Partner (partner users only)",
        coerce=_coerce_optional_int,
        invalid_choice_message="There is no such partner; choose one from the list.",
        invalid_value_message="There is no such partner; choose one from the list.",
    )


class ButtonForm(FlaskForm):
    """A button that posts: nothing but the CSRF token."""


class PartnerForm(FlaskForm):
    """A partner in the directory. The service checks the rules that need the database
    (a unique name) or several fields together (agreement dates)."""

    name = StringField(
        "Name", validators=[DataRequired("Give the name of the partner."), Length(max=200)]
    )
    category = SelectField(
        "Category",
        choices=options((c.value, c.label) for c in PartnerCategory),
        validators=[InputRequired("Choose a category.")],
    )
    contact_name = StringField("Contact person (optional)", validators=[Length(max=200)])
    contact_email = StringField(
        "Contact email (optional)",
        validators=[Length(max=254)],
        render_kw={"autocomplete": "off", "inputmode": "email"},
    )
    contact_phone = StringField(
        "Contact phone (optional)",
        validators=[Length(max=40)],
        render_kw={"autocomplete": "off", "inputmode": "tel"},
    )
    services = TextAreaField(
        "Services offered to students and families (optional)",
        validators=[Length(max=5000, message="Keep it to 5,000 characters.")],
    )
    agreement_kind = SelectField(
        "Agreement with the school",
        choices=options((k.value, k.label) for k in AgreementKind),
        default=AgreementKind.NONE.value,
        validators=[InputRequired("Choose the kind of agreement.")],
    )
    agreement_signed_on = DateField(
        "Signed on (optional)",
        validators=[Optional()],
        format="%Y-%m-%d",
    )
    agreement_renews_on = DateField(
        "Renewal due on (optional)",
        validators=[Optional()],
        format="%Y-%m-%d",
    )
    notes = TextAreaField(
        "Notes (optional)", validators=[Length(max=5000, message="Keep it to 5,000 characters.")]
    )
    active = BooleanField("Active (takes new links)", default=True)
    share_results = BooleanField(
        "Its agreement lets its own results appear in the packet the whole partnership reads"
    )


class ConfirmForm(FlaskForm):
    """A button that changes something (CSRF-protected POST, no fields)."""


class SurveyUploadForm(FlaskForm):
    """A survey definition to check: a YAML file or an XLSForm, or YAML text pasted."""

    definition_file = FileField(
        "A definition file (.yaml, .yml, or an XLSForm as .xlsx or .csv)",
        render_kw={"accept": ".yaml,.yml,.xlsx,.csv,.md"},
    )
    definition_text = TextAreaField("Or paste the definition (YAML)")


class SurveyPublishForm(FlaskForm):
    """The checked definition travels with the Publish button and is checked again."""

    definition_text = TextAreaField(validators=[DataRequired("The definition is missing.")])
    filename = StringField(validators=[DataRequired(), Length(max=120)])
