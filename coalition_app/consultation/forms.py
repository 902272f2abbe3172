from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, NumberRange, Optional
from wtforms.widgets import HiddenInput

from models import ConsultationStatus

from ..core.forms import Form, PlainText, choices, newlines, optional_id, strip

STATUS_LABELS = {
    ConsultationStatus.DRAFT: _l("Draft (only coordinators see it)"),
    ConsultationStatus.OPEN: _l("Open (between its dates)"),
    ConsultationStatus.CLOSED: _l("Closed"),
}


class ConsultationForm(Form):
    title = StringField(
        _l("Title"), filters=[strip], validators=[DataRequired(_l("Give a title.")), PlainText(200)]
    )
    slug = StringField(
        _l("Address (optional)"),
        filters=[strip],
        validators=[Optional(), PlainText(80)],
        description=_l("The end of the public link, e.g. ia-2027; made from the title."),
    )
    introduction = TextAreaField(
        _l("Introduction"),
        filters=[strip, newlines],
        validators=[PlainText(5000, multiline=True)],
        render_kw={"rows": 5},
    )
    opens_on = DateField(
        _l("Opens on"), validators=[DataRequired(_l("Give the opening date (YYYY-MM-DD)."))]
    )
    closes_on = DateField(
        _l("Closes on"), validators=[DataRequired(_l("Give the closing date (YYYY-MM-DD)."))]
    )
    status = SelectField(
        _l("Status"),
        choices=choices([(s.value, label) for s, label in STATUS_LABELS.items()]),
    )
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class StatementForm(Form):
    text_es = TextAreaField(
        _l("Statement (Spanish)"),
        filters=[strip, newlines],
        validators=[DataRequired(_l("Write the statement.")), PlainText(400, multiline=True)],
        render_kw={"rows": 2},
    )
    text_en = TextAreaField(
        _l("Statement (English, optional)"),
        filters=[strip, newlines],
        validators=[Optional(), PlainText(400, multiline=True)],
        render_kw={"rows": 2},
    )
    group_id = SelectField(_l("Working group"), coerce=optional_id, validate_choice=False)
    allow_similar = BooleanField(_l("Add it anyway, even if a similar statement exists"))


class QuestionForm(Form):
    text_es = TextAreaField(
        _l("Open question (Spanish)"),
        filters=[strip, newlines],
        validators=[DataRequired(_l("Write the question.")), PlainText(400, multiline=True)],
        render_kw={"rows": 2},
    )
    text_en = TextAreaField(
        _l("Open question (English, optional)"),
        filters=[strip, newlines],
        validators=[Optional(), PlainText(400, multiline=True)],
        render_kw={"rows": 2},
    )


class ModerationForm(Form):
    decision = HiddenField(validators=[InputRequired()])
    duplicate_of = SelectField(
        _l("Duplicate of"), coerce=optional_id, validate_choice=False, validators=[Optional()]
    )


class FlagForm(Form):
    participant_id = IntegerField(
        _l("Participant number"),
        validators=[InputRequired(_l("Give the participant's number.")), NumberRange(min=1)],
    )
    reason = StringField(_l("Reason"), filters=[strip], validators=[PlainText(300)])
    flagged = HiddenField(default="yes")


class ThemesForm(Form):
    count = IntegerField(
        _l("Number of themes"),
        default=4,
        validators=[InputRequired(), NumberRange(min=2, max=8, message=_l("From 2 to 8."))],
    )


class ThemeForm(Form):
    name = StringField(
        _l("Name"), filters=[strip], validators=[DataRequired(_l("Give a name.")), PlainText(200)]
    )
    group_id = SelectField(_l("Working group"), coerce=optional_id, validate_choice=False)


class MergeForm(Form):
    into = SelectField(_l("Merge into"), coerce=optional_id, validate_choice=False)


# --- participants ------------------------------------------------------------------------------


class JoinForm(Form):
    consent = BooleanField(
        _l("I have read the privacy notice and agree to take part anonymously"),
        validators=[DataRequired(_l("Accept the privacy notice to take part."))],
    )


class VoteForm(Form):
    # Hidden fields, never labelled: an explicit empty label spares every vote the loading
    # of WTForms' own catalogue, which a default label's translation costs once per request.
    statement = IntegerField("", widget=HiddenInput(), validators=[InputRequired()])
    vote = HiddenField("", validators=[InputRequired()])


class ProposeForm(Form):
    text = TextAreaField(
        _l("Your statement"),
        filters=[strip, newlines],
        validators=[DataRequired(_l("Write a statement.")), PlainText(300, multiline=True)],
        render_kw={"rows": 3},
    )


class AnswerForm(Form):
    text = TextAreaField(
        _l("Your answer"),
        filters=[strip, newlines],
        validators=[DataRequired(_l("Write an answer.")), PlainText(2000, multiline=True)],
        render_kw={"rows": 4},
    )


class ProfileForm(Form):
    sector = SelectField(_l("Sector"), validate_choice=False)
    state = SelectField(_l("State"), validate_choice=False)
    age_range = SelectField(_l("Age range"), validate_choice=False)
    gender = SelectField(_l("Gender"), validate_choice=False)
    consent = BooleanField(
        _l("I agree that this profile is kept with my anonymous answers to break down the results")
    )


class EmailForm(Form):
    email = EmailField(
        _l("E-mail"),
        filters=[strip],
        validators=[
            DataRequired(_l("Give an e-mail address.")),
            Email(_l("Give a valid e-mail address.")),
            PlainText(254),
        ],
    )
