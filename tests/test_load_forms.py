"""The load test's council applicants (benchmarks/load.py) fill the real
forms as a person would: if a page's form changes so that they no longer can,
the load test would measure error pages instead of sent bids, so this fails."""

from applications.models import Application, ApplicationState
from benchmarks.load import csrf_token, filled, page_form, question_slugs


def test_the_load_tests_applicant_starts_answers_and_sends_a_bid(applicant_a_client, experts_call):
    client = applicant_a_client
    start = client.get(f"/bids/calls/{experts_call.pk}/start/")
    assert csrf_token(start.content.decode())
    started = client.post(start.request["PATH_INFO"], filled(page_form(start.content.decode())))
    assert started.status_code == 302
    draft = started["Location"]
    tasks = client.get(draft).content.decode()
    slugs = question_slugs(tasks)
    assert {"about", "funding"} <= set(slugs), slugs
    for slug in slugs:
        question = client.get(f"{draft}questions/{slug}/").content.decode()
        saved = client.post(f"{draft}questions/{slug}/", filled(page_form(question)))
        assert saved.status_code == 302, saved.content.decode()[:2000]
    declaration = client.get(f"{draft}declaration/").content.decode()
    sent = client.post(f"{draft}declaration/", filled(page_form(declaration)))
    assert sent.status_code == 302
    assert Application.objects.get().state == ApplicationState.SUBMITTED
