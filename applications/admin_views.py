"""The officer workflow's pages in the admin (docs/bids.md, "The officers' workspace").

The assessment page (a bid's change page, whose own form is the lead's
moderation), the forms it posts to (assignment, an assessor's declaration and
scores, marking an answer read), the decision pages and the panel pack's
download. Each view is: the officer's access (`_bid`), a form, one service
call (a refusal shown on the form), a message and a redirect back to the
assessment page. `ApplicationAdmin.get_urls()` routes to them, giving each
the admin as `model_admin`: its permissions, the site's context, its messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import prefetch_related_objects
from django.forms import Form
from django.http import Http404, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from applications import services, workflow
from applications.forms import (
    ApproveForm,
    AssignForm,
    CloseScoringForm,
    ConflictForm,
    DeclineForm,
    InformationRequestForm,
    ModerationForm,
    ReviewForm,
    SecondDecisionForm,
)
from applications.models import Application, ApplicationState, Review
from applications.panel_pack import (
    panel_pack_owner,
    panel_pack_pdf_download,
    panel_pack_pdf_state,
)
from applications.sections import answers_by_section
from applications.selectors import (
    AssessmentView,
    application_get_for_user,
    assessment_view,
    officers,
)
from programmes.access import AuthenticatedRequest
from programmes.forms import posted

if TYPE_CHECKING:
    # Only for the types: applications.admin imports this module to route to it.
    from applications.admin import ApplicationAdmin as BidAdmin


# Access, and the pages the views show -------------------------------------------------


def admin_context(model_admin: BidAdmin, request: AuthenticatedRequest) -> dict[str, Any]:
    """What every admin page of bids needs: the site's context and the bid model's options."""
    return {**model_admin.admin_site.each_context(request), "opts": model_admin.model._meta}


def _bid(model_admin: BidAdmin, request: AuthenticatedRequest, pk: int) -> Application:
    """The bid, for an officer who may change bids (403 otherwise, 404 for no such bid)."""
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    application = application_get_for_user(user=request.user, pk=pk, details=True)
    # The moderated scores, read once for the page and its form; the
    # strand detail's own rows (Experts' projections) once for its forms.
    prefetch_related_objects([application], "scores")
    detail = application.strand_detail()
    if detail is not None:
        prefetch_related_objects(
            [detail],
            *(
                str(relation.get_accessor_name())
                for relation in detail._meta.related_objects
                if relation.one_to_many
            ),
        )
    return application


def _may(request: AuthenticatedRequest, application: Application, name: str) -> None:
    """The page of a transition this officer may not take is 403, with the rule's words
    (applications.workflow); a bid in another state is left to the service to say so."""
    problem = workflow.refusal(name, application, request.user)
    if problem:
        raise PermissionDenied(problem)


# Timeline entries that carry the lead's moderation: hidden with the scores.
SCORE_EVENTS = ("Scores moderated", "Assessment updated", "Scoring closed")


def _assessment_url(application: Application) -> str:
    return reverse("admin:applications_application_change", args=[application.pk])


def _done(
    model_admin: BidAdmin, request: AuthenticatedRequest, application: Application, message: str
) -> HttpResponseRedirect:
    model_admin.message_user(request, message, messages.SUCCESS)
    return HttpResponseRedirect(_assessment_url(application))


def _review_initial(review: Review) -> dict:
    initial = {"recommendation": review.recommendation, "notes": review.notes}
    for score in review.scores.all():
        initial[f"score_{score.criterion}"] = "na" if score.score is None else str(score.score)
        initial[f"note_{score.criterion}"] = score.note
    return initial


def _moderation_form(application: Application, data) -> ModerationForm:
    spec = application.call.strand.spec
    initial = {
        "recommendation": application.recommendation,
        "notes": application.assessment_notes,
        "reason": application.moderation_reason,
    }
    for score in application.scores.all():
        initial[f"score_{score.criterion}"] = "na" if score.score is None else str(score.score)
    return ModerationForm(data, initial=initial, criteria=spec.assessment_criteria)


def _assessment_page(
    model_admin: BidAdmin,
    request: AuthenticatedRequest,
    application: Application,
    *,
    view: AssessmentView | None = None,
    moderation_form: ModerationForm | None = None,
    assign_form: AssignForm | None = None,
    conflict_form: ConflictForm | None = None,
    review_form: ReviewForm | None = None,
    close_form: CloseScoringForm | None = None,
) -> TemplateResponse:
    """The bid's answers and documents beside the scoring, the timeline below.
    A view whose form came back with errors passes it to show in its place."""
    user = request.user
    spec = application.call.strand.spec
    if view is None:
        view = assessment_view(application=application, user=user)
    mine = view.mine
    if review_form is None and mine is not None and not mine.submitted_at:
        review_form = ReviewForm(initial=_review_initial(mine), criteria=spec.assessment_criteria)
    if moderation_form is None:
        moderation_form = _moderation_form(application, None)
    answers = [(section.title, rows) for section, rows in answers_by_section(application)]
    # One read of the reviews, the pending decision and the permissions
    # for every rule the page asks about.
    facts = workflow.Facts(application, user)
    can = workflow.available(application, user, facts)
    events = [
        event
        for event in application.events.all()
        if view.others_visible or event.description not in SCORE_EVENTS
    ]
    context = {
        **admin_context(model_admin, request),
        "title": f"Assess {application.reference}",
        "application": application,
        "form": moderation_form,
        "assign_form": assign_form,
        "conflict_form": conflict_form or ConflictForm(),
        "review_form": review_form,
        "view": view,
        "mine": mine,
        "can": can,
        "decide_refusal": workflow.refusal("approve", application, user, facts),
        "pending": facts.pending,
        "decisions": application.decisions.select_related("decided_by", "second_by"),
        "scoring_complete": workflow.scoring_complete(application, view.reviews),
        "close_form": close_form or CloseScoringForm(),
        "answers": answers,
        "events": events,
        "criteria_labels": dict(spec.assessment_criteria),
        "States": ApplicationState,
        "assessing": application.state in services.ASSESSING,
    }
    return TemplateResponse(request, "admin/applications/assess.html", context)


def _decision_page(
    model_admin: BidAdmin,
    request: AuthenticatedRequest,
    application: Application,
    title: str,
    form: Form | None,
) -> TemplateResponse:
    """A decision's confirmation page: its form, if it has one, and a button named `title`."""
    context = {
        **admin_context(model_admin, request),
        "title": f"{title}: {application.reference}",
        "application": application,
        "form": form,
    }
    return TemplateResponse(request, "admin/applications/decision.html", context)


# The assessment page and the forms on it ----------------------------------------------
# Each form's own URL shows the assessment page on a GET; it acts on a POST.


def moderate(
    request: AuthenticatedRequest, object_id: str, *, model_admin: BidAdmin
) -> HttpResponse:
    """The bid's change page: the assessment page, saving the lead's moderated scores."""
    # Before the id is read: without the permission every id, even "abc", is 403.
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    # The id comes straight from the URL ("abc", "1.5", a missing bid):
    # anything that is not a bid gets the admin's usual redirect with a message.
    try:
        application = _bid(model_admin, request, int(unquote(object_id)))
    except (ValueError, Http404):
        return model_admin._get_obj_does_not_exist_redirect(request, model_admin.opts, object_id)
    if request.method == "POST":
        _may(request, application, "moderate")
    form = _moderation_form(application, posted(request))
    if form.is_valid():
        try:
            services.assessment_save(
                application=application,
                actor=request.user,
                scores=form.scores(),
                recommendation=form.cleaned_data["recommendation"],
                notes=form.cleaned_data["notes"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied as denied:
            form.add_error(None, str(denied))
        else:
            return _done(model_admin, request, application, "Moderated scores saved")
    return _assessment_page(model_admin, request, application, moderation_form=form)


def assign(request: AuthenticatedRequest, pk: int, *, model_admin: BidAdmin) -> HttpResponse:
    """The lead officer and the assessors: on this page only, so that the
    assessment page itself does not list every officer."""
    application = _bid(model_admin, request, pk)
    _may(request, application, "assign")
    if request.method != "POST":
        view = assessment_view(application=application, user=request.user)
        assessors = [review.assessor_id for review in view.reviews]
        initial = {"lead_officer": application.lead_officer_id, "assessors": assessors}
        form = AssignForm(initial=initial, officers=officers())
        return _assessment_page(model_admin, request, application, view=view, assign_form=form)
    form = AssignForm(request.POST, officers=officers())
    if form.is_valid():
        try:
            services.assessors_assign(
                application=application,
                actor=request.user,
                assessors=form.cleaned_data["assessors"],
                lead_officer=form.cleaned_data["lead_officer"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _done(model_admin, request, application, "Assessors assigned")
    return _assessment_page(model_admin, request, application, assign_form=form)


def _my_review(request: AuthenticatedRequest, application: Application) -> Review:
    review = application.reviews.filter(assessor=request.user).first()
    if review is None:
        raise PermissionDenied("You are not assigned to assess this bid")
    if review.conflicted:
        raise PermissionDenied(
            "You have declared a conflict of interest: you cannot score this bid"
        )
    return review


def declare(request: AuthenticatedRequest, pk: int, *, model_admin: BidAdmin) -> HttpResponse:
    """An assessor's declaration of interest, before they score."""
    application = _bid(model_admin, request, pk)
    if request.method != "POST":
        return _assessment_page(model_admin, request, application)
    review = _my_review(request, application)
    form = ConflictForm(request.POST)
    if form.is_valid():
        try:
            services.conflict_declare(
                review=review,
                actor=request.user,
                conflict=form.cleaned_data["conflict"],
                note=form.cleaned_data["conflict_note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _done(model_admin, request, application, "Declaration recorded")
    # Said at the top too: the form's own errors sit halfway down a long
    # page, which seemed to come back unchanged (issue 27).
    problems = [str(error) for errors in form.errors.values() for error in errors]
    model_admin.message_user(
        request, f"Your declaration was not recorded: {'; '.join(problems)}", messages.ERROR
    )
    return _assessment_page(model_admin, request, application, conflict_form=form)


def score(request: AuthenticatedRequest, pk: int, *, model_admin: BidAdmin) -> HttpResponse:
    """The assessor's own scores, saved as a draft or submitted ("_submit").
    A declared conflict closes this URL to a GET as well as a POST (403)."""
    application = _bid(model_admin, request, pk)
    mine = application.reviews.filter(assessor=request.user).first()
    if request.method != "POST" and (mine is None or not mine.conflicted):
        return _assessment_page(model_admin, request, application)
    review = _my_review(request, application)
    form = ReviewForm(request.POST, criteria=application.call.strand.spec.assessment_criteria)
    if form.is_valid():
        submit = "_submit" in request.POST
        try:
            services.review_save(
                review=review,
                actor=request.user,
                scores=form.scores(),
                score_notes=form.score_notes(),
                recommendation=form.cleaned_data["recommendation"],
                notes=form.cleaned_data["notes"],
                submit=submit,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            done = "Your scores are submitted" if submit else "Your scores are saved (not sent)"
            return _done(model_admin, request, application, done)
    return _assessment_page(model_admin, request, application, review_form=form)


def answer_read(request: AuthenticatedRequest, pk: int, *, model_admin: BidAdmin) -> HttpResponse:
    """Takes the bid off the queue of answers to requests for information."""
    application = _bid(model_admin, request, pk)
    if request.method != "POST":
        return _assessment_page(model_admin, request, application)
    _may(request, application, "read_answer")
    services.information_answer_read(application=application, actor=request.user)
    return _done(model_admin, request, application, "Answer marked as read")


# The decision pages: a confirmation page each, acting on a POST ------------------------


def start(request: AuthenticatedRequest, pk: int, *, model_admin: BidAdmin) -> HttpResponse:
    """Start assessing a sent bid. Nothing to fill in, so a refusal is a message."""
    application = _bid(model_admin, request, pk)
    _may(request, application, "start_assessment")
    if request.method != "POST":
        return _decision_page(model_admin, request, application, "Start assessment", None)
    try:
        services.application_assessment_start(application=application, actor=request.user)
    except ValidationError as exc:
        model_admin.message_user(request, " ".join(exc.messages), messages.ERROR)
        return HttpResponseRedirect(_assessment_url(application))
    return _done(model_admin, request, application, f"{application.reference}: assessment started")


def request_information(
    request: AuthenticatedRequest, pk: int, *, model_admin: BidAdmin
) -> HttpResponse:
    """Ask the council for more information, to answer by a date."""
    application = _bid(model_admin, request, pk)
    _may(request, application, "request_information")
    form = InformationRequestForm(posted(request))
    if form.is_valid():
        try:
            services.application_information_request(
                application=application,
                actor=request.user,
                message=form.cleaned_data["message"],
                respond_by=form.cleaned_data.get("respond_by"),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            done = f"{application.reference}: more information requested"
            return _done(model_admin, request, application, done)
    return _decision_page(model_admin, request, application, "Request more information", form)


def approve(request: AuthenticatedRequest, pk: int, *, model_admin: BidAdmin) -> HttpResponse:
    """Approve with an award: pounds or adviser days, as the call awards."""
    application = _bid(model_admin, request, pk)
    _may(request, application, "approve")
    form = ApproveForm(posted(request), call=application.call)
    if form.is_valid():
        try:
            services.application_approve(
                application=application,
                actor=request.user,
                award_amount=form.cleaned_data.get("award_amount"),
                award_days=form.cleaned_data.get("award_days"),
                note=form.cleaned_data.get("note", ""),
                over_budget_reason=form.cleaned_data.get("over_budget_reason", ""),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            application.refresh_from_db()
            if application.state == ApplicationState.APPROVED:
                done = f"{application.reference}: approved"
            else:
                done = f"{application.reference}: approval recorded, awaiting a second decider"
            return _done(model_admin, request, application, done)
    return _decision_page(model_admin, request, application, "Approve with an award", form)


def second_decision(
    request: AuthenticatedRequest, pk: int, *, model_admin: BidAdmin
) -> HttpResponse:
    """The second decider on an approval above the call's limit: agree, or return it."""
    application = _bid(model_admin, request, pk)
    _may(request, application, "second_decision")
    form = SecondDecisionForm(posted(request))
    if form.is_valid():
        agree = form.cleaned_data["agree"] == "yes"
        try:
            services.application_second_decision(
                application=application,
                actor=request.user,
                agree=agree,
                reason=form.cleaned_data["reason"],
                over_budget_reason=form.cleaned_data.get("over_budget_reason", ""),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            done = "approved" if agree else "approval returned, to be decided again"
            return _done(model_admin, request, application, f"{application.reference}: {done}")
    return _decision_page(model_admin, request, application, "Give the second decision", form)


def close_scoring(request: AuthenticatedRequest, pk: int, *, model_admin: BidAdmin) -> HttpResponse:
    """The lead closes scoring, with the reason, before every assessor has scored."""
    application = _bid(model_admin, request, pk)
    _may(request, application, "close_scoring")
    if request.method != "POST":
        return _assessment_page(model_admin, request, application)
    form = CloseScoringForm(request.POST)
    if form.is_valid():
        try:
            services.scoring_close(
                application=application, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _done(model_admin, request, application, "Scoring closed")
    return _assessment_page(model_admin, request, application, close_form=form)


def decline(request: AuthenticatedRequest, pk: int, *, model_admin: BidAdmin) -> HttpResponse:
    """Decline, with the reasons the council is sent."""
    application = _bid(model_admin, request, pk)
    _may(request, application, "decline")
    form = DeclineForm(posted(request))
    if form.is_valid():
        try:
            services.application_decline(
                application=application, actor=request.user, reasons=form.cleaned_data["reasons"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _done(model_admin, request, application, f"{application.reference}: declined")
    return _decision_page(model_admin, request, application, "Decline", form)


# The panel pack ------------------------------------------------------------------------


def panel_pack_download(
    request: AuthenticatedRequest, *, model_admin: BidAdmin
) -> HttpResponseBase:
    """A panel pack's PDF (?name=, from the list's action) once printed; until
    then a page that says it is being printed and reloads itself."""
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    name = request.GET.get("name", "")
    state = panel_pack_pdf_state(name) if name else "none"
    if state != "none" and panel_pack_owner(name) != request.user.pk:
        # Another officer's pack: its bids were chosen by what they may see.
        state = "none"
    if state == "ready":
        return panel_pack_pdf_download(name)
    context = {**admin_context(model_admin, request), "title": "Panel pack", "state": state}
    response = TemplateResponse(request, "admin/applications/panel_pack_status.html", context)
    if state == "preparing":
        response["Refresh"] = "5"
    return response
