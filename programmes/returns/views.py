"""A council's awards and its savings returns, as the council sees them (the
"savings" pages). Applicants only; own council only."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from programmes.access import AuthenticatedRequest, applicant_council, role_required
from programmes.documents import safe_download_name
from programmes.forms import posted, refusals, service_errors
from programmes.pagination import paginate
from programmes.returns import schedule, selectors, services
from programmes.returns.forms import (
    ReturnCertifyForm,
    ReturnDeclarationForm,
    ReturnLineForm,
    ReturnNotCertifiedForm,
    SavingsReturnForm,
)
from programmes.returns.models import CORRECTABLE_STATES, SavingsReturn
from programmes.roles import APPLICANT, OFFICER
from programmes.selectors import council_ids_readable
from savings import selectors as facts
from savings import services as fact_services
from savings.models import SavingsEntry

GET_POST = require_http_methods(["GET", "POST"])


@role_required(APPLICANT)
def award_list(request: AuthenticatedRequest) -> HttpResponse:
    council = applicant_council(request)
    awards = paginate(request, facts.awards_for_council(council=council))
    context = {
        "awards": awards.object_list,
        "pagination": awards,
        "returns_due": selectors.returns_due_for_council(council=council),
    }
    return render(request, "savings/award_list.html", context)


@role_required(APPLICANT)
def award_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The award; read-only for a successor of its council and for a partner
    council that confirmed its bid (docs/security.md)."""
    award = selectors.award_get_for_reader(user=request.user, pk=pk)
    assert award.application_id is not None, "an award has a bid"
    read_only = award.council_id != request.user.council_id
    # A partner reads the award and reports on its own council's returns,
    # not the lead council's savings and returns (a successor reads them:
    # they are its predecessor's; docs/savings.md, "Shared awards").
    readable = council_ids_readable(request.user.council_id)
    if read_only and award.council_id not in readable:
        # Its own council's returns, and those of the partners it succeeded
        # (it reads what their users read).
        returns = selectors.returns_for_application(
            application_id=award.application_id, council_ids=readable
        )
        context = {
            "award": award,
            "read_only": True,
            "partner": True,
            "returns": returns,
            "show_council": any(item.council_id != request.user.council_id for item in returns),
            "returns_due": selectors.returns_due_for_council(
                council=applicant_council(request), application_id=award.application_id
            ),
        }
        return render(request, "savings/award_detail.html", context)
    # Every council's returns in one query: the award's council's, then its
    # partners' (each list in the selector's order).
    every = selectors.returns_for_application(application_id=award.application_id)
    context = {
        "read_only": read_only,
        "award": award,
        "entries": facts.realised_savings_for_award(award=award),
        "returns": [item for item in every if item.council_id == award.council_id],
        "partner_returns": [item for item in every if item.council_id != award.council_id],
        "returns_due": selectors.returns_due_for_council(
            council=award.council, application_id=award.application_id
        ),
    }
    return render(request, "savings/award_detail.html", context)


@role_required(APPLICANT)
def return_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    award = facts.award_get_for_user(user=request.user, pk=pk)
    form = SavingsReturnForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            fact_services.savings_return_submit(
                actor=request.user, award=award, **form.cleaned_data
            )
        except ValidationError as error:
            service_errors(form, error)
        else:
            # A repeated sending of the same form lands here too, with one return.
            messages.success(request, "Your savings return has been sent for verification")
            return redirect("savings:award_detail", pk=award.pk)
    return render(request, "savings/return_form.html", {"award": award, "form": form})


@role_required(APPLICANT, OFFICER)
def evidence_download(request: AuthenticatedRequest, pk: int) -> FileResponse:
    """A return's supporting document, for officers and the council that sent it."""
    entry = facts.evidence_get_for_user(user=request.user, pk=pk)
    try:
        handle = entry.document.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing") from None
    extension = entry.document.name.rsplit(".", 1)[-1]
    name = safe_download_name(f"{entry.council.short_name} savings evidence {entry.pk}.{extension}")
    response = FileResponse(handle, as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    return response


# A periodic return, as the council makes it (docs/savings.md, "Returns").


def _line_get(savings_return: SavingsReturn, line_pk: int) -> SavingsEntry:
    line = savings_return.lines.filter(pk=line_pk).first()
    if line is None:
        raise Http404("No line of this return has this number")
    return line


def _line_form(request: AuthenticatedRequest, savings_return: SavingsReturn, **kwargs):
    call = savings_return.application.call
    awarded = schedule.award_date(savings_return.application) or savings_return.period_start
    return ReturnLineForm(
        posted(request),
        request.FILES or None,
        limit=call.return_line_limit or fact_services.DEFAULT_LINE_LIMIT,
        years=schedule.reporting_years(call, awarded),
        **kwargs,
    )


def _line_fields(form: ReturnLineForm) -> dict:
    data = form.cleaned_data
    return {
        name: data.get(name)
        for name in ("financial_year", "kind", "amount", "recurrence", "evidence", "document")
    }


@role_required(APPLICANT)
def return_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The return: its lines (to change while it is open), its state, and
    what the council can do next."""
    savings_return = selectors.return_get_for_user(user=request.user, pk=pk, read_only=True)
    reader = selectors.return_reader(user=request.user, savings_return=savings_return)
    context = {
        "read_only": reader is not None,
        "reader": reader,
        "savings_return": savings_return,
        "lines": selectors.return_lines(savings_return=savings_return),
        "award": facts.award_for_application(application_id=savings_return.application_id),
        "may_certify": (
            savings_return.is_awaiting_certification
            and selectors.may_certify(request.user)
            and savings_return.prepared_by_id != request.user.pk
            and savings_return.council_id == request.user.council_id
        ),
        # Overdue as everywhere else: `is_late`, annotated by the selector
        # (selectors.returns_with_status, as at today).
        "overdue": getattr(savings_return, "is_late", False),
    }
    return render(request, "savings/return_detail.html", context)


@role_required(APPLICANT)
@GET_POST
def return_line_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    savings_return = selectors.return_get_for_user(user=request.user, pk=pk)
    if not savings_return.is_open:
        return redirect("savings:return_detail", pk=savings_return.pk)
    form = _line_form(request, savings_return)
    if request.method == "POST" and form.is_valid():
        try:
            services.return_line_add(
                actor=request.user,
                savings_return=savings_return,
                submission=form.cleaned_data["submission"],
                **_line_fields(form),
            )
        except ValidationError as error:
            service_errors(form, error)
        else:
            messages.success(request, "The line has been added to your return")
            return redirect("savings:return_detail", pk=savings_return.pk)
    context = {"savings_return": savings_return, "form": form, "adding": True}
    return render(request, "savings/return_line.html", context)


@role_required(APPLICANT)
@GET_POST
def return_line_change(request: AuthenticatedRequest, pk: int, line_pk: int) -> HttpResponse:
    savings_return = selectors.return_get_for_user(user=request.user, pk=pk)
    line = _line_get(savings_return, line_pk)
    if not savings_return.is_open or line.is_verified:
        return redirect("savings:return_detail", pk=savings_return.pk)
    initial = {
        name: getattr(line, name)
        for name in ("financial_year", "kind", "amount", "recurrence", "evidence")
    }
    form = _line_form(request, savings_return, initial=initial, submit="Save the change")
    if request.method == "POST" and form.is_valid():
        try:
            services.return_line_change(actor=request.user, line=line, **_line_fields(form))
        except ValidationError as error:
            service_errors(form, error)
        else:
            messages.success(request, "The line has been changed")
            return redirect("savings:return_detail", pk=savings_return.pk)
    context = {"savings_return": savings_return, "form": form, "line": line}
    return render(request, "savings/return_line.html", context)


@role_required(APPLICANT)
@GET_POST
def return_line_remove(request: AuthenticatedRequest, pk: int, line_pk: int) -> HttpResponse:
    savings_return = selectors.return_get_for_user(user=request.user, pk=pk)
    line = _line_get(savings_return, line_pk)
    error = None
    if request.method == "POST":
        try:
            services.return_line_remove(actor=request.user, line=line)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(request, "The line has been removed from your return")
            return redirect("savings:return_detail", pk=savings_return.pk)
    context = {"savings_return": savings_return, "line": line, "error": error}
    return render(request, "savings/return_line_remove.html", context)


def _declaration_key(savings_return: SavingsReturn) -> str:
    return f"returns:declaration:{savings_return.pk}"


@role_required(APPLICANT)
@GET_POST
def return_check(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Check your answers, then the declaration: sending it twice (a second
    tab, a replayed POST) finds it sent and shows the same confirmation.

    Every POST answers a redirect (Post/Redirect/Get): a declaration with an
    error is kept in the session and shown by the GET that follows, so Back
    after sending never lands on a POST's page ("Confirm form resubmission")."""
    savings_return = selectors.return_get_for_user(user=request.user, pk=pk)
    if savings_return.state in CORRECTABLE_STATES and request.method == "POST":
        return redirect("savings:return_confirmation", pk=savings_return.pk)
    if not savings_return.is_open:
        return redirect("savings:return_detail", pk=savings_return.pk)
    key = _declaration_key(savings_return)
    if request.method == "POST":
        form = ReturnDeclarationForm(request.POST)
        refused: dict[str, list[str]] = {}
        if form.is_valid():
            try:
                services.return_submit(
                    actor=request.user,
                    savings_return=savings_return,
                    declaration_name=form.cleaned_data["declaration_name"],
                    confirmed=form.cleaned_data["confirmed"],
                )
            except ValidationError as error:
                # Beside its field where the service names one (as form.add_error would).
                refused = refusals(error)
            else:
                request.session.pop(key, None)
                return redirect("savings:return_confirmation", pk=savings_return.pk)
        # What was sent (not the checkbox's absence) and what the service refused.
        request.session[key] = {
            "data": {name: request.POST.get(name, "") for name in form.fields},
            "refused": refused,
        }
        return redirect("savings:return_check", pk=savings_return.pk)
    kept = request.session.pop(key, None)
    if kept:
        form = ReturnDeclarationForm({k: v for k, v in kept["data"].items() if v})
        form.is_valid()
        # Kept as `refusals` gave them (plain data, for the session).
        service_errors(form, ValidationError(kept["refused"]))
    else:
        form = ReturnDeclarationForm()
    context = {
        "savings_return": savings_return,
        "lines": selectors.return_lines(savings_return=savings_return),
        "form": form,
        # Who will certify it, when the call asks for certification.
        "certifiers": (
            list(selectors.finance_officers(applicant_council(request).pk, besides=request.user.pk))
            if savings_return.application.call.returns_need_certification
            else None
        ),
    }
    return render(request, "savings/return_check.html", context)


@role_required(APPLICANT)
def return_confirmation(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    savings_return = selectors.return_get_for_user(user=request.user, pk=pk)
    if savings_return.state not in CORRECTABLE_STATES:
        return redirect("savings:return_detail", pk=savings_return.pk)
    return render(request, "savings/return_confirmation.html", {"savings_return": savings_return})


@role_required(APPLICANT)
@require_POST
def return_take_back(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    """Correct (back to a draft) or withdraw a sent return, before an officer decides."""
    savings_return = selectors.return_get_for_user(user=request.user, pk=pk)
    service = {"correct": services.return_reopen, "withdraw": services.return_withdraw}.get(action)
    if service is None:
        raise Http404("No such action")
    try:
        service(actor=request.user, savings_return=savings_return)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        done = (
            "is a draft again: change it and send it again"
            if action == "correct"
            else ("has been withdrawn. Its lines are kept if you want to send it again")
        )
        messages.success(request, f"Your return {savings_return.reference} {done}")
    return redirect("savings:return_detail", pk=savings_return.pk)


# Certification by the council's finance officer (docs/savings.md, "Certification").


@role_required(APPLICANT)
def certify_list(request: AuthenticatedRequest) -> HttpResponse:
    """Returns awaiting your certification: the finance officer's list."""
    if not selectors.may_certify(request.user):
        raise PermissionDenied("Only your council's finance officer certifies its returns")
    returns = paginate(request, selectors.returns_to_certify(user=request.user))
    context = {"returns": returns.object_list, "pagination": returns}
    return render(request, "savings/certify_list.html", context)


@role_required(APPLICANT)
@GET_POST
def return_certify(request: AuthenticatedRequest, pk: int, action: str = "certify") -> HttpResponse:
    """The return's lines, read-only, then either the certificate or the
    reason it goes back to its preparer. Another council's return is 404;
    a colleague who is not a finance officer gets 403. A POST on a return no
    longer awaiting certification (a second tab, the other form, another
    finance officer) is answered by the service: done already, or why not."""
    savings_return = selectors.return_get_for_certifier(user=request.user, pk=pk)
    data = posted(request)
    certify = ReturnCertifyForm(data if action == "certify" else None)
    send_back = ReturnNotCertifiedForm(data if action == "send_back" else None)
    form: forms.Form = certify if action == "certify" else send_back
    sent = data is not None and form.is_valid()
    if not sent and not savings_return.is_awaiting_certification:
        # Certified or sent back already: the return's page says which.
        return redirect("savings:return_detail", pk=savings_return.pk)
    if sent:
        try:
            if action == "certify":
                done = services.return_certify(
                    actor=request.user, savings_return=savings_return, confirmed=True
                )
                message = f"{done.reference} is certified and has been sent to the LGA"
            else:
                done = services.return_send_back_to_preparer(
                    actor=request.user,
                    savings_return=savings_return,
                    reason=form.cleaned_data["reason"],
                )
                message = f"{done.reference} has been sent back to the person who prepared it"
        except ValidationError as error:
            if getattr(error, "code", None) == "return_state":
                messages.error(request, " ".join(error.messages))
                return redirect("savings:return_detail", pk=savings_return.pk)
            service_errors(form, error)
        else:
            messages.success(request, message)
            return redirect("savings:certify_list")
    context = {
        "savings_return": savings_return,
        "lines": selectors.return_lines(savings_return=savings_return),
        "certify": certify,
        "send_back": send_back,
        "form": form,
        "own": savings_return.prepared_by_id == request.user.pk,
    }
    return render(request, "savings/return_certify.html", context)
