"""Forms of the council journey and of the officers' assessment. They validate
and render; `applications.services` does the writing."""

from __future__ import annotations

from typing import cast

from crispy_forms_gds.layout import Field, Layout, Size
from django import forms

from applications.models import Application, Call, Recommendation
from programmes.admin_tools import SafeModelMultipleChoiceField
from programmes.forms import (
    LONG_ANSWER_CHARS,
    SHORT_ANSWER_CHARS,
    PoundsField,
    counted_textarea,
    gds_helper,
    limited_text,
    max_length_of,
    numeric_input,
    too_long,
)
from programmes.models import Council, User


class SectionForm(forms.ModelForm):
    """One question page of a bid. Strand apps subclass it for their own pages.

    Every field is optional while the bid is a draft, so "Save and come back
    later" keeps whatever has been typed. `required_fields` are enforced when
    the user chooses "Save and continue" and again when the bid is submitted.
    """

    slug: str = ""
    title: str = ""
    required_fields: tuple[str, ...] = ()
    error_texts: dict[str, str] = {}

    def __init__(self, *args, application: Application, partial: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.application = application
        self.partial = partial
        for field in self.fields.values():
            field.required = False

    @property
    def helper(self):
        """Built when the page renders, so that fields a subclass adds in its
        own __init__ (the Experts projection years) are laid out too."""
        helper = gds_helper()
        fields = self.layout_fields()
        helper.layout = Layout(*fields) if fields else None
        return helper

    def layout_fields(self) -> list:
        return []

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        if not self.partial:
            for name in self.required_fields:
                if name in self.errors:
                    continue
                if cleaned.get(name) in (None, "", [], ()) or (
                    hasattr(cleaned.get(name), "exists") and not cleaned[name].exists()
                ):
                    self.add_error(name, self.error_texts.get(name, "Answer this question"))
        return cleaned

    def _post_clean(self) -> None:
        # The form checks the answers; the service saves them on a fresh, locked
        # row. Model validation of a half-finished draft would only repeat the
        # field checks above.
        pass


class AboutForm(SectionForm):
    slug = "about"
    title = "About the bid"

    summary = limited_text(
        label="Summary",
        max_length=SHORT_ANSWER_CHARS,
        help_text="In a few sentences: what you want to do and what difference it will make",
    )

    class Meta:
        model = Application
        fields = ["title", "summary"]
        labels = {"title": "Title of the bid"}
        help_texts = {
            "title": "A short name officers will know it by, like 'Renegotiating our contracts'",
        }
        error_messages = {
            "title": {
                "max_length": too_long("Title of the bid", max_length_of(Application, "title"))
            }
        }

    required_fields = ("title", "summary")
    error_texts = {"title": "Enter a title for the bid", "summary": "Enter a summary of the bid"}

    def layout_fields(self) -> list:
        return [Field.text("title"), counted_textarea(self, "summary")]


class CouncilsForm(SectionForm):
    slug = "councils"
    title = "Other councils"

    class Meta:
        model = Application
        fields = ["partner_councils"]
        widgets = {"partner_councils": forms.CheckboxSelectMultiple}
        # An id too big for the column is "not a valid choice", not a database error.
        field_classes = {"partner_councils": SafeModelMultipleChoiceField}
        help_texts = {"partner_councils": "Select all that apply, or none if it serves only yours"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelMultipleChoiceField, self.fields["partner_councils"])
        field.queryset = Council.objects.filter(abolished_on__isnull=True).exclude(
            pk=self.application.lead_council_id
        )
        field.label = self.application.call.strand.spec.partner_councils_label
        self.title = field.label

    def layout_fields(self) -> list:
        return [Field.checkboxes("partner_councils", small=True)]


class FundingForm(SectionForm):
    """Pounds or adviser days, as the call awards, within the call's limit."""

    slug = "funding"
    title = "Funding requested"

    amount_requested = PoundsField(
        label="How much funding are you asking for?",
        subject="the funding you are asking for",
        required=False,
    )
    days_requested = forms.IntegerField(
        label="How many days of adviser support do you need?",
        required=False,
        widget=numeric_input(attrs={"class": "govuk-input--width-3"}),
        error_messages={"invalid": "Enter the number of days as a whole number, like 10"},
    )

    class Meta:
        model = Application
        fields = ["amount_requested", "days_requested"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        call: Call = self.application.call
        if call.awards_days:
            del self.fields["amount_requested"]
            self.title = "Adviser days"
            self.required_fields = ("days_requested",)
            self.error_texts = {"days_requested": "Enter the number of days you need"}
            window = ""
            if call.support_from and call.support_until:
                window = (
                    f", used between {call.support_from:%-d %B %Y} "
                    f"and {call.support_until:%-d %B %Y}"
                )
            self.fields["days_requested"].help_text = f"From 1 to {call.max_days} days{window}"
        else:
            del self.fields["days_requested"]
            self.required_fields = ("amount_requested",)
            self.error_texts = {"amount_requested": "Enter the amount of funding in pounds"}
            if call.max_amount is not None:
                self.fields[
                    "amount_requested"
                ].help_text = f"In pounds, up to £{call.max_amount:,.0f}"

    def layout_fields(self) -> list:
        return [Field.text(name) for name in self.fields]

    def clean_days_requested(self) -> int | None:
        days = self.cleaned_data.get("days_requested")
        call = self.application.call
        if days is not None and not 1 <= days <= call.max_days:
            raise forms.ValidationError(f"Enter a number of days from 1 to {call.max_days}")
        return days

    def clean_amount_requested(self):
        amount = self.cleaned_data.get("amount_requested")
        call = self.application.call
        if amount is not None and amount <= 0:
            raise forms.ValidationError("Enter an amount greater than £0")
        if amount is not None and call.max_amount is not None and amount > call.max_amount:
            raise forms.ValidationError(
                f"Enter an amount of £{call.max_amount:,.0f} or less: the most this call awards"
            )
        return amount


class DeclarationForm(forms.Form):
    confirm = forms.BooleanField(
        label="I confirm that the information in this bid is correct and that I may "
        "submit it on behalf of my council",
        required=True,
        error_messages={"required": "Confirm the declaration to send your bid"},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(Field.checkbox("confirm"), submit="Accept and send bid")


class DocumentUploadForm(forms.Form):
    file = forms.FileField(
        label="Upload a file",
        required=True,
        error_messages={
            "required": "Select a file to upload",
            "empty": "The selected file is empty",
            "invalid": "The selected file could not be read: upload it again",
        },
        help_text="PDF, Word (DOCX), Excel (XLSX), OpenDocument text (ODT) or CSV",
    )

    def __init__(self, *args, max_bytes: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        size = f"{max_bytes / (1024 * 1024):g} MB"
        self.fields["file"].help_text += f", up to {size}"
        self.helper = gds_helper(Field("file"), submit="Upload file")


class RespondForm(forms.Form):
    """The answer to a request for more information, with its documents on the
    same form: "Upload file" keeps the answer typed so far on the page, so
    nothing is lost on the way to sending it."""

    note = limited_text(
        label="Your answer",
        subject="Your answer",
        rows=6,
        help_text="Answer the questions the officer asked",
        max_length=LONG_ANSWER_CHARS,
    )
    file = forms.FileField(
        label="Upload a document with your answer (optional)",
        required=False,
        error_messages={
            "empty": "The selected file is empty",
            "invalid": "The selected file could not be read: upload it again",
        },
        help_text="PDF, Word (DOCX), Excel (XLSX), OpenDocument text (ODT) or CSV",
    )

    def __init__(self, *args, sending: bool, max_bytes: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sending = sending
        self.fields["file"].help_text += f", up to {max_bytes / (1024 * 1024):g} MB"
        self.helper = gds_helper()
        self.helper.layout = Layout(counted_textarea(self, "note"), Field("file"))

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        if self.sending and not (cleaned.get("note") or "").strip() and "note" not in self.errors:
            self.add_error("note", "Enter your answer to the officer's questions")
        if not self.sending and not cleaned.get("file") and "file" not in self.errors:
            self.add_error("file", "Select a file to upload")
        return cleaned


class WithdrawForm(forms.Form):
    note = limited_text(
        label="Why are you withdrawing the bid? (optional)",
        subject="Your reason",
        rows=3,
        help_text="This helps us improve the programme",
        max_length=SHORT_ANSWER_CHARS,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(counted_textarea(self, "note"), submit="Withdraw bid")


class PartnerAnswerForm(forms.Form):
    """A partner council's lead confirms or declines; declining needs a reason."""

    answer = forms.TypedChoiceField(
        label="Is your council a partner on this bid?",
        choices=[
            ("confirm", "Yes, confirm that my council is a partner"),
            ("decline", "No, decline"),
        ],
        coerce=lambda value: value == "confirm",
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether your council is a partner on this bid"},
    )
    reason = limited_text(
        label="Why does your council decline? (if you decline)",
        subject="Your reason",
        rows=3,
        help_text="The lead council sees this",
        max_length=SHORT_ANSWER_CHARS,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(
            Field.radios("answer", legend_size=Size.SMALL),
            counted_textarea(self, "reason"),
            submit="Send your answer",
        )

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("answer") is False and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "Enter why your council declines to be a partner on this bid")
        return cleaned


# The officers' forms (Django admin).

SCORE_CHOICES = [("", "Not scored yet"), ("na", "Not applicable")] + [
    (str(n), str(n)) for n in range(1, 6)
]


def criteria_scores(cleaned: dict, criteria: tuple[tuple[str, str], ...]) -> dict[str, int | None]:
    """Criterion to score (None for not applicable); unscored criteria left out."""
    result: dict[str, int | None] = {}
    for key, _ in criteria:
        value = cleaned.get(f"score_{key}")
        if value == "na":
            result[key] = None
        elif value:
            result[key] = int(value)
    return result


class AssessmentForm(forms.Form):
    """Scores per criterion from the strand registry, a recommendation and notes."""

    recommendation = forms.ChoiceField(
        choices=[("", "No recommendation yet"), *Recommendation.choices], required=False
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False)

    def __init__(self, *args, criteria: tuple[tuple[str, str], ...], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for key, label in criteria:
            self.fields[f"score_{key}"] = forms.ChoiceField(
                label=label,
                choices=SCORE_CHOICES,
                required=False,
                help_text="1 (poor) to 5 (excellent); not applicable is left out of the mean",
            )
        # The scores first, then the recommendation and notes.
        self.order_fields([f"score_{key}" for key, _ in criteria])

    def scores(self) -> dict[str, int | None]:
        return criteria_scores(self.cleaned_data, self.criteria)


class ModerationForm(AssessmentForm):
    """The lead's moderated scores, recommendation and the reason for them."""

    reason = forms.CharField(
        label="Reason for the moderated scores and recommendation",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Required once assessors have submitted scores",
    )


class ConflictForm(forms.Form):
    conflict = forms.TypedChoiceField(
        label="Do you have a conflict of interest with this council?",
        choices=[("no", "No conflict of interest"), ("yes", "Yes, I have a conflict")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether you have a conflict of interest"},
    )
    conflict_note = forms.CharField(
        label="What is the conflict? (for the lead officer)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=1000,
        error_messages={"max_length": too_long("What the conflict is", 1000)},
    )


class ReviewForm(forms.Form):
    """An assessor's own scores: each criterion 1-5 or not applicable, with a note."""

    recommendation = forms.ChoiceField(
        choices=[("", "No recommendation yet"), *Recommendation.choices], required=False
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args, criteria: tuple[tuple[str, str], ...], **kwargs) -> None:
        # Its own ids: the lead's moderation form may be on the same page.
        kwargs.setdefault("auto_id", "review_%s")
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        scored: dict[str, forms.Field] = {}
        for key, label in criteria:
            scored[f"score_{key}"] = forms.ChoiceField(
                label=label, choices=SCORE_CHOICES, required=False
            )
            scored[f"note_{key}"] = forms.CharField(
                label=f"Note on {label.lower()}",
                required=False,
                max_length=1000,
                widget=forms.TextInput(attrs={"size": 40}),
            )
        self.fields = {**scored, **self.fields}

    def scores(self) -> dict[str, int | None]:
        return criteria_scores(self.cleaned_data, self.criteria)

    def score_notes(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(f"note_{key}", "") for key, _ in self.criteria}

    def criterion_rows(self) -> list:
        return [(self[f"score_{key}"], self[f"note_{key}"]) for key, _ in self.criteria]


class AssignForm(forms.Form):
    """The bid's lead officer and assessors, from the officers given (read
    once for both fields: the page runs one query for them, not two)."""

    lead_officer = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Lead officer"
    )
    assessors = forms.TypedMultipleChoiceField(
        required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, officers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.officers = {user.pk: user for user in officers}
        choices = [(pk, user.display_name) for pk, user in self.officers.items()]
        lead = cast(forms.TypedChoiceField, self.fields["lead_officer"])
        lead.choices = [("", "No lead officer"), *choices]
        cast(forms.TypedMultipleChoiceField, self.fields["assessors"]).choices = choices

    def clean_lead_officer(self) -> User | None:
        pk = self.cleaned_data.get("lead_officer")
        return None if pk is None else self.officers[pk]

    def clean_assessors(self) -> list[User]:
        return [self.officers[pk] for pk in self.cleaned_data.get("assessors", [])]


class InformationRequestForm(forms.Form):
    message = forms.CharField(
        label="What do you need from the council?",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter the information you need"},
    )
    respond_by = forms.DateField(
        label="Answer by",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Leave blank for two weeks from today",
        error_messages={"invalid": "Enter the date as day, month and year, like 2026-12-14"},
    )


def over_budget_reason_field() -> forms.CharField:
    """The budget holder's reason to approve an award beyond the strand's
    budget (docs/money.md); left blank, an award over budget is refused."""
    return forms.CharField(
        label="Reason to approve over the strand's budget (only if it would go over)",
        help_text="Only an officer who holds the budget can approve an award over it",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        error_messages={"max_length": too_long("The reason", 1000)},
    )


class ApproveForm(forms.Form):
    award_amount = PoundsField(label="Award (£)", required=False)
    award_days = forms.IntegerField(label="Award (adviser days)", required=False, min_value=1)
    note = forms.CharField(
        label="Note to the council (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    over_budget_reason = over_budget_reason_field()

    def __init__(self, *args, call: Call, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if call.awards_days:
            del self.fields["award_amount"]
            self.fields["award_days"].required = True
            self.fields["award_days"].help_text = f"At most {call.max_days} days"
        else:
            del self.fields["award_days"]
            self.fields["award_amount"].required = True
            if call.max_amount is not None:
                self.fields["award_amount"].help_text = f"At most £{call.max_amount:,.2f}"


class DeclineForm(forms.Form):
    reasons = forms.CharField(
        label="Reasons, for the council",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter the reasons the bid is declined"},
    )


class CloseScoringForm(forms.Form):
    reason = forms.CharField(
        label="Why scoring is closed before every assessor has scored",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        error_messages={
            "required": "Give the reason you are closing scoring",
            "max_length": too_long("The reason", 1000),
        },
    )


class SecondDecisionForm(forms.Form):
    agree = forms.ChoiceField(
        label="Do you agree to this approval?",
        choices=[
            ("yes", "Yes: make the approval final"),
            ("no", "No: return it to be decided again"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether you agree to this approval"},
    )
    reason = forms.CharField(
        label="Reason (needed if you do not agree)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
        error_messages={"max_length": too_long("The reason", 1000)},
    )
    over_budget_reason = over_budget_reason_field()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("agree") == "no" and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "Give the reason you do not agree")
        return cleaned
