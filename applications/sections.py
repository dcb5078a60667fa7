"""The question pages of a bid: the generic ones, then the strand's own from the registry."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.http import Http404

from applications.forms import AboutForm, CouncilsForm, FundingForm, SectionForm
from applications.models import Application
from programmes.forms import PoundsField


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    form_class: type[SectionForm]


def sections_for(application: Application) -> list[Section]:
    spec = application.call.strand.spec
    classes: list[type[SectionForm]] = [AboutForm]
    if spec.partner_councils_label:
        classes.append(CouncilsForm)
    classes.append(FundingForm)
    classes += list(spec.bid_detail_forms)
    sections = []
    for form_class in classes:
        title = form_class.title
        if form_class is CouncilsForm:
            title = spec.partner_councils_label
        elif form_class is FundingForm and application.call.awards_days:
            title = "Adviser days"
        sections.append(Section(form_class.slug, title, form_class))
    return sections


def section_get(application: Application, slug: str) -> Section:
    for section in sections_for(application):
        if section.slug == slug:
            return section
    raise Http404("No such question page")


def section_instance(application: Application, section: Section) -> models.Model:
    """The row a section's answers live on: the bid, or the strand's detail row."""
    if section.form_class._meta.model is Application:
        return application
    return application.strand_detail()


def section_form(
    application: Application, section: Section, data=None, *, partial: bool = False
) -> SectionForm:
    return section.form_class(
        data,
        instance=section_instance(application, section),
        application=application,
        partial=partial,
    )


def stored_form(application: Application, section: Section) -> SectionForm:
    """The section's form bound to what is saved, to check it or show it back."""
    unbound = section_form(application, section)
    data = {}
    for name in unbound.fields:
        value = unbound[name].value()
        if value is not None:
            data[name] = value
    return section_form(application, section, data)


@dataclass(frozen=True)
class SectionStatus:
    section: Section
    complete: bool
    started: bool

    @property
    def label(self) -> str:
        if self.complete:
            return "Completed"
        return "Incomplete" if self.started else "Not yet started"


def section_statuses(application: Application) -> list[SectionStatus]:
    statuses = []
    for section in sections_for(application):
        form = stored_form(application, section)
        started = any(value not in (None, "", [], False) for value in form.data.values())
        statuses.append(SectionStatus(section, form.is_valid(), started))
    return statuses


def answer_rows(form: SectionForm) -> list[tuple[str, str]]:
    """(question, answer as text) for each field of a section bound to saved answers."""
    rows = []
    form.is_valid()
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else None
        if hasattr(value, "all"):
            text = ", ".join(str(item) for item in value)
        elif isinstance(value, list):
            choices = dict(field.choices)
            text = ", ".join(str(choices.get(item, item)) for item in value)
        elif name == "days_requested" and value is not None:
            text = f"{value} days"
        elif value is not None and isinstance(field, PoundsField):
            text = f"£{value:,.2f}"
        else:
            text = "" if value is None else str(value)
        rows.append((str(field.label), text))
    return rows


def answers_by_section(application: Application) -> list[tuple[Section, list[tuple[str, str]]]]:
    """Every section's saved answers as (question, answer) rows: what the
    council sent, as officers and the council read it."""
    return [
        (section, answer_rows(stored_form(application, section)))
        for section in sections_for(application)
    ]
