"""Every council form, fed hostile input: no 500, and a refused form changes nothing.

Hypothesis draws values from what breaks forms: very long strings, NUL, lone
surrogates (sent as the raw UTF-8-style bytes a careless client sends, since
no browser can encode one), right-to-left marks, emoji, huge, negative and
special numbers (NaN, sNaN, Infinity, 1e999999), impossible dates. Each
example runs in a savepoint rolled back afterwards, so every one starts from
the same bid. The limits themselves are held by the tests at the end.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote_plus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applications import services
from applications.models import Application, ApplicationState
from applications.sections import section_form, sections_for
from programmes.permissions import SYSTEM
from savings import services as savings_services
from savings.models import InvestmentSource, SavingsEntry
from tests import pdfs
from tests.applications.bids import bid_more_information
from tests.factories import CouncilFactory

EXAMPLES = 25
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\u202eevil\u202c",
    "\u200f\u200e",
    "😀" * 20,
    "-1",
    "-0",
    "0",
    "99999999999999999999",
    "-99999999999999999999",
    "9" * 40,
    "NaN",
    "sNaN",
    "-sNaN",
    "Infinity",
    "-Infinity",
    "1e999999",
    "-1e999999",
    "1e3",
    "1E-7",
    "0x10",
    "£1,000.50",
    "1,2,3",
    "2013-02-30",
    "31/31/2013",
    "2013/14",
    "2013/15",
    "13/14",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "x" * 201,
    "x" * 1001,
    "x" * 5001,
]
values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.integers(min_value=0, max_value=10_000).map(lambda n: "é" * n),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(allow_nan=True).map(str),
)


def _encoded(data: dict[str, str | list[str]]) -> bytes:
    """A urlencoded body; a lone surrogate goes out as the bytes b"\\xed\\xa0\\x80"."""
    pairs = []
    for name, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            raw = item.encode("utf-8", "surrogatepass")
            pairs.append(f"{quote_plus(name)}={quote_plus(raw)}")
    return "&".join(pairs).encode("ascii")


def _post(client: Client, url: str, data: dict) -> tuple[int, str]:
    response = client.post(
        url, data=_encoded(data), content_type="application/x-www-form-urlencoded"
    )
    return response.status_code, response.content.decode(errors="replace")


def _refused(status: int, content: str) -> bool:
    return status != 302 or "govuk-error-summary" in content


def _snapshot(application: Application) -> dict:
    """Everything a council form can write, as stored now."""
    bid = Application.objects.get(pk=application.pk)
    detail = bid.strand_detail()
    return {
        "bid": Application.objects.filter(pk=bid.pk).values().get(),
        "partners": sorted(bid.partner_councils.values_list("pk", flat=True)),
        "detail": type(detail).objects.filter(pk=detail.pk).values().first() if detail else None,
        "projections": list(detail.projections.order_by("pk").values())
        if hasattr(detail, "projections")
        else [],
        "documents": list(bid.documents.order_by("pk").values_list("pk", "original_name")),
        "events": bid.events.count(),
        "savings": list(SavingsEntry.objects.filter(council=bid.lead_council).values()),
    }


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _rolled_back(example):
    """Run one example in a savepoint and undo whatever it wrote."""
    savepoint = transaction.savepoint()
    try:
        example()
    finally:
        transaction.savepoint_rollback(savepoint)


SECTIONS = [
    (strand, slug)
    for strand, slugs in {
        "experts": ["about", "councils", "funding", "expertise", "savings"],
        "growth": ["about", "funding", "project", "support-areas", "local-partners"],
        "ope": ["about", "councils", "funding", "partner-bodies", "assets", "plan"],
    }.items()
    for slug in slugs
]


@pytest.fixture
def calls(strands, experts_call, growth_call, ope_call):
    return {"experts": experts_call, "growth": growth_call, "ope": ope_call}


def _choice_values(form, name) -> list[str]:
    field = form.fields[name]
    if hasattr(field, "queryset"):
        return [str(pk) for pk in field.queryset.values_list("pk", flat=True)[:3]]
    return [str(value) for value, _ in getattr(field, "choices", [])]


@pytest.mark.django_db
@pytest.mark.parametrize(("strand", "slug"), SECTIONS)
def test_question_pages_survive_hostile_answers(strand, slug, calls, applicant_a, council_a):
    CouncilFactory.create_batch(2)  # partner councils to choose from
    application = services.application_create(
        call=calls[strand], council=council_a, actor=applicant_a
    )
    section = next(s for s in sections_for(application) if s.slug == slug)
    form = section_form(application, section)
    client = _client(applicant_a)
    url = f"/bids/{application.reference}/questions/{slug}/"
    seen_500: list[str] = []

    @FUZZ
    @given(data=st.data(), later=st.booleans())
    def fuzz(data, later):
        answers: dict[str, str | list[str]] = {}
        for name in form.fields:
            real = _choice_values(form, name)
            if real:
                answers[name] = data.draw(st.lists(st.one_of(st.sampled_from(real), values)))
            else:
                answers[name] = data.draw(values, label=name)

        def example():
            before = _snapshot(application)
            answers["version"] = str(before["bid"]["version"])
            answers["later" if later else "continue"] = ""
            status, content = _post(client, url, answers)
            if status >= 500:
                seen_500.append(f"{url} {answers!r:.300}")
            elif _refused(status, content):
                assert _snapshot(application) == before, answers

        _rolled_back(example)

    fuzz()
    assert not seen_500, seen_500


@pytest.fixture
def asked(growth_call, council_a, applicant_a, officer):
    """A bid an officer has asked more information about."""
    return bid_more_information(growth_call, council_a, applicant_a, officer)


@pytest.mark.django_db
@FUZZ
@given(note=values)
def test_answering_an_officer_survives_hostile_notes(note, asked, applicant_a):
    client = _client(applicant_a)

    def example():
        before = _snapshot(asked)
        status, content = _post(client, f"/bids/{asked.reference}/respond/", {"note": note})
        assert status < 500, note
        if _refused(status, content):
            assert _snapshot(asked) == before
        else:
            assert len(Application.objects.get(pk=asked.pk).events.last().note) <= 5000

    _rolled_back(example)


@pytest.mark.django_db
@FUZZ
@given(note=values)
def test_withdrawing_survives_hostile_reasons(note, asked, applicant_a):
    client = _client(applicant_a)

    def example():
        before = _snapshot(asked)
        status, content = _post(client, f"/bids/{asked.reference}/withdraw/", {"note": note})
        assert status < 500, note
        if _refused(status, content):
            assert _snapshot(asked) == before
        else:
            assert Application.objects.get(pk=asked.pk).state == ApplicationState.WITHDRAWN

    _rolled_back(example)


@pytest.fixture
def named_partner(experts_call, council_a):
    """A draft naming a partner council; the partner's council lead."""
    from programmes.roles import APPLICANT
    from tests.applications.bids import bid_completed
    from tests.factories import UserFactory

    partner = CouncilFactory()
    lead = UserFactory(council=partner, role=APPLICANT, is_council_lead=True)
    bid = bid_completed(experts_call, council_a, SYSTEM)
    services.application_section_save(
        application=bid,
        actor=SYSTEM,
        section="councils",
        answers={"partner_councils": [partner]},
        version=None,
    )
    return bid, lead


@pytest.mark.django_db
@FUZZ
@given(answer=st.sampled_from(["confirm", "decline", "", "maybe", "\x00"]), reason=values)
def test_a_partners_answer_survives_hostile_reasons(answer, reason, named_partner):
    from applications.models import PartnerConfirmation

    bid, lead = named_partner
    client = _client(lead)

    def example():
        before = list(PartnerConfirmation.objects.values_list("status", "reason"))
        data = {"answer": answer, "reason": reason}
        status, content = _post(client, f"/bids/{bid.reference}/partner/", data)
        assert status < 500, data
        if _refused(status, content):
            assert list(PartnerConfirmation.objects.values_list("status", "reason")) == before
        else:
            assert len(PartnerConfirmation.objects.get().reason) <= 1000

    _rolled_back(example)


PDF = pdfs.PDF
file_names = st.one_of(
    st.sampled_from(
        [
            "../../etc/passwd.pdf",
            "..\\..\\boot.ini.pdf",
            "a\x00b.pdf",
            "\u202efdp.exe",
            "😀.pdf",
            ".pdf",
            "x" * 300 + ".pdf",
            "plan.PDF",
            "plan.pdf.exe",
            "CON.pdf",
            "plan",
            "report.csv",
        ]
    ),
    st.text(max_size=60).map(lambda s: s + ".pdf"),
)


@pytest.mark.django_db
@FUZZ
@given(name=file_names, content=st.sampled_from([PDF, b"", b"\x00" * 10, b"a,b\n1,2\n"]))
def test_document_upload_survives_odd_file_names(name, content, calls, council_a, applicant_a):
    application = services.application_create(
        call=calls["experts"], council=council_a, actor=applicant_a
    )
    client = _client(applicant_a)

    def example():
        before = _snapshot(application)
        response = client.post(
            f"/bids/{application.reference}/documents/",
            {"file": SimpleUploadedFile(name, content)},
        )
        assert response.status_code < 500, name
        if _refused(response.status_code, response.content.decode()):
            assert _snapshot(application) == before
        else:
            stored = application.documents.get()
            assert "/" not in stored.stored_name and len(stored.original_name) <= 255

    _rolled_back(example)


@pytest.fixture
def award(calls, council_a, applicant_a):
    application = services.application_create(
        call=calls["experts"], council=council_a, actor=applicant_a
    )
    return savings_services.investment_record(
        actor=SYSTEM,
        strand=calls["experts"].strand,
        council=council_a,
        source=InvestmentSource.LGA_GRANT,
        financial_year="2013/14",
        amount=Decimal("10000"),
        application=application,
    )


@pytest.mark.django_db
@FUZZ
@given(
    financial_year=values,
    amount=values,
    recurrence=st.one_of(st.sampled_from(["one_off", "recurring"]), values),
    evidence=values,
)
def test_savings_return_survives_hostile_figures(
    financial_year, amount, recurrence, evidence, award, applicant_a
):
    client = _client(applicant_a)
    data = {
        "financial_year": financial_year,
        "amount": amount,
        "recurrence": recurrence,
        "evidence": evidence,
    }

    def example():
        before = _snapshot(award.application)
        status, content = _post(client, f"/savings/awards/{award.pk}/report/", data)
        assert status < 500, data
        if _refused(status, content):
            assert _snapshot(award.application) == before

    _rolled_back(example)


@pytest.fixture
def savings_return(council_a, strands):
    from tests.savings.returns import award, first_return

    return first_return(award(council_a, strand=strands["experts"]))


def _return_snapshot(savings_return) -> dict:
    from programmes.returns.models import SavingsReturn

    return {
        "return": SavingsReturn.objects.filter(pk=savings_return.pk).values().get(),
        "lines": list(SavingsEntry.objects.filter(savings_return=savings_return).values()),
    }


@pytest.mark.django_db
@FUZZ
@given(
    kind=st.one_of(st.sampled_from(["realised", "projected"]), values),
    financial_year=st.one_of(st.sampled_from(["2013/14", "2014/15"]), values),
    amount=values,
    recurrence=st.one_of(st.sampled_from(["one_off", "recurring"]), values),
    evidence=values,
)
def test_a_return_line_survives_hostile_figures(
    kind, financial_year, amount, recurrence, evidence, savings_return, applicant_a
):
    client = _client(applicant_a)
    data = {
        "submission": "6f1c1f4e-8a52-4b9e-9d35-0d3f7c8e2a11",
        "kind": kind,
        "financial_year": financial_year,
        "amount": amount,
        "recurrence": recurrence,
        "evidence": evidence,
    }

    def example():
        before = _return_snapshot(savings_return)
        status, content = _post(client, f"/savings/returns/{savings_return.pk}/lines/add/", data)
        assert status < 500, data
        if _refused(status, content):
            assert _return_snapshot(savings_return) == before

    _rolled_back(example)


@pytest.mark.django_db
@FUZZ
@given(name=values, confirmed=st.one_of(st.sampled_from(["on", ""]), values))
def test_a_return_declaration_survives_hostile_input(name, confirmed, savings_return, applicant_a):
    client = _client(applicant_a)
    data = {"declaration_name": name, "confirmed": confirmed}

    def example():
        before = _return_snapshot(savings_return)
        status, content = _post(client, f"/savings/returns/{savings_return.pk}/check/", data)
        assert status < 500, data
        if _refused(status, content):
            assert _return_snapshot(savings_return) == before

    _rolled_back(example)


@pytest.fixture
def finance_officer_a(council_a):
    from programmes.roles import APPLICANT
    from tests.factories import UserFactory

    return UserFactory(council=council_a, role=APPLICANT, is_finance_officer=True)


@pytest.fixture
def return_to_certify(council_a, strands, applicant_a):
    from programmes.returns import services as return_services
    from tests.savings.returns import award, first_return, line

    savings_return = first_return(
        award(council_a, strand=strands["experts"], returns_need_certification=True)
    )
    line(savings_return, "5000")
    return return_services.return_submit(
        actor=applicant_a, savings_return=savings_return, declaration_name="A Name", confirmed=True
    )


@pytest.mark.django_db
@FUZZ
@given(confirmed=st.one_of(st.sampled_from(["on", ""]), values), reason=values)
def test_certifying_or_sending_back_survives_hostile_input(
    confirmed, reason, return_to_certify, finance_officer_a
):
    client = _client(finance_officer_a)
    pk = return_to_certify.pk

    def example():
        for path, data in [
            (f"/savings/returns/{pk}/certify/send-back/", {"send_back-reason": reason}),
            (f"/savings/returns/{pk}/certify/", {"certify-confirmed": confirmed}),
        ]:
            before = _return_snapshot(return_to_certify)
            status, content = _post(client, path, data)
            assert status < 500, data
            if _refused(status, content):
                assert _return_snapshot(return_to_certify) == before

    _rolled_back(example)


# The limits themselves: every text field of every council form has one.

COUNCIL_FORMS = [
    "applications.forms.AboutForm",
    "applications.forms.RespondForm",
    "applications.forms.WithdrawForm",
    "applications.forms.PartnerAnswerForm",
    "programmes.returns.forms.SavingsReturnForm",
    "programmes.returns.forms.ReturnLineForm",
    "programmes.returns.forms.ReturnDeclarationForm",
    "programmes.returns.forms.ReturnNotCertifiedForm",
]


def _section_form_classes() -> list[str]:
    from programmes.strands import strands

    return [
        f"{form.__module__}.{form.__qualname__}"
        for spec in strands().values()
        for form in spec.bid_detail_forms
    ]


@pytest.mark.parametrize("path", COUNCIL_FORMS + _section_form_classes())
def test_every_text_field_of_a_council_form_has_a_limit(path):
    from django import forms
    from django.utils.module_loading import import_string

    form_class = import_string(path)
    for name, field in form_class.base_fields.items():
        if type(field) is forms.CharField:
            assert field.max_length, f"{path}.{name} has no max_length"
            message = field.error_messages["max_length"]
            # Django's own "Ensure this value has at most…" names no field.
            assert "Ensure this value" not in str(message), f"{path}.{name}: {message}"


@pytest.mark.django_db
def test_a_title_over_200_characters_is_refused_and_nothing_is_saved(
    experts_call, council_a, applicant_a
):
    application = services.application_create(
        call=experts_call, council=council_a, actor=applicant_a
    )
    before = _snapshot(application)
    response = _client(applicant_a).post(
        f"/bids/{application.reference}/questions/about/",
        {"title": "x" * 201, "summary": "Short", "version": application.version, "later": ""},
    )
    assert response.status_code == 200
    assert "Title of the bid must be 200 characters or fewer" in response.content.decode()
    assert "govuk-error-summary" in response.content.decode()
    assert _snapshot(application) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("strand", "slug", "field", "limit", "message"),
    [
        ("experts", "about", "summary", 1000, "Summary must be 1,000 characters or fewer"),
        ("experts", "expertise", "expert_role", 5000, "What the expert will do must be 5,000"),
        ("growth", "project", "project", 5000, "The description of the project must be 5,000"),
        # A round opening now asks for the body in the LEP's role (issue 27).
        ("growth", "local-partners", "lep", 200, "Local growth body must be 200"),
        ("growth", "local-partners", "lep_deal", 1000, "The growth deal must be 1,000"),
        ("ope", "partner-bodies", "partner_bodies", 1000, "The partner public bodies must be"),
        ("ope", "assets", "assets", 5000, "The assets in scope must be 5,000"),
        ("ope", "plan", "outline_plan", 5000, "Your outline plan must be 5,000"),
    ],
)
def test_an_answer_over_its_limit_is_refused_and_one_at_it_is_saved(
    strand, slug, field, limit, message, calls, council_a, applicant_a
):
    application = services.application_create(
        call=calls[strand], council=council_a, actor=applicant_a
    )
    client = _client(applicant_a)
    url = f"/bids/{application.reference}/questions/{slug}/"
    before = _snapshot(application)
    data = {field: "é" * (limit + 1), "version": str(application.version), "later": ""}
    status, content = _post(client, url, data)
    assert status == 200 and message in content
    assert _snapshot(application) == before

    status, _ = _post(client, url, {**data, field: "é" * limit})
    assert status == 302
    saved = _snapshot(application)
    stored = saved["bid"] if field in saved["bid"] else saved["detail"]
    assert stored[field] == "é" * limit


@pytest.mark.django_db
def test_long_answers_show_the_govuk_character_count(calls, council_a, applicant_a):
    application = services.application_create(
        call=calls["ope"], council=council_a, actor=applicant_a
    )
    response = _client(applicant_a).get(f"/bids/{application.reference}/questions/plan/")
    content = response.content.decode()
    assert 'data-module="govuk-character-count" data-maxlength="5000"' in content
    assert 'id="id_outline_plan-info"' in content


@pytest.mark.django_db
def test_an_answer_to_an_officer_over_5000_characters_is_refused(asked, applicant_a):
    before = _snapshot(asked)
    status, content = _post(
        _client(applicant_a), f"/bids/{asked.reference}/respond/", {"note": "x" * 5001}
    )
    assert status == 200 and "Your answer must be 5,000 characters or fewer" in content
    assert _snapshot(asked) == before
