"""The character count and the server count alike, as a person counts: a line
break is one character, an emoji is one (issue 27). The page's counter is
GOV.UK's with `countType: "characters"`, which counts Intl.Segmenter's
graphemes; Node's Intl.Segmenter (the same ICU rules as Chromium's) checks the
server's `character_count` against it."""

import json
import shutil
import subprocess

import pytest

from applications import services
from programmes.experts.forms import ExpertiseForm
from programmes.forms import character_count

SAMPLES = [
    "plain words",
    "two\nlines",
    "two\r\nlines, as a browser sends them",
    "\n\n\n",
    "caf\u00e9 and cafe\u0301",  # é as one code point and as e with an accent
    "\U0001f44d \U0001f44d\U0001f3fd",  # a thumb, and one with a skin tone
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # a family, joined
    "\U0001f1ec\U0001f1e7\U0001f1eb\U0001f1f7\U0001f1ec",  # two flags and half of one
    "\u2764\ufe0f love",  # a heart drawn as an emoji
    "\U0001f3f4\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f Wales",
    "\u0928\u092e\u0938\u094d\u0924\u0947",  # Devanagari, with a vowel sign
    "line\n\u0301",  # an accent after a line break stands alone
    "\U0001f9d1\u200d\U0001f4bb at work \u00a3120,000",
]


NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="needs Node.js (npm run build does)")
def test_the_server_counts_characters_as_the_pages_counter_does():
    script = (
        "const samples = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "const graphemes = new Intl.Segmenter('en', {granularity: 'grapheme'});"
        # A textarea's value holds LF for every line break (what the counter counts).
        "console.log(JSON.stringify(samples.map("
        "(s) => [...graphemes.segment(s.replace(/\\r\\n?/g, '\\n'))].length)));"
    )
    counted = subprocess.run(
        [str(NODE), "-e", script],
        input=json.dumps(SAMPLES),
        capture_output=True,
        text=True,
        check=True,
    )
    assert [character_count(sample) for sample in SAMPLES] == json.loads(counted.stdout)


def test_a_line_break_and_an_emoji_are_one_character_each():
    assert character_count("a\r\nb") == 3
    assert character_count("a\nb") == 3
    assert character_count("\U0001f44d\U0001f3fd") == 1


def _expertise(answer: str, application) -> ExpertiseForm:
    data = {"expertise_field": "Waste contracts", "expert_role": answer}
    return ExpertiseForm(data, instance=application.experts_detail, application=application)


@pytest.mark.django_db
def test_ten_paragraphs_as_the_browser_sends_them_are_within_5000_characters(
    strands, experts_call, council_a, applicant_a
):
    application = services.application_create(
        call=experts_call, council=council_a, actor=applicant_a
    )
    # 4,985 letters and 10 line breaks, sent as CR LF: the counter showed
    # "You have 5 characters remaining"; the server counted 5,005.
    answer = "\r\n".join(["x" * 498] * 10) + "\r\n" + "x" * 5
    form = _expertise(answer, application)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["expert_role"] == answer.replace("\r\n", "\n")


@pytest.mark.django_db
def test_an_emoji_is_one_character_of_the_limit(strands, experts_call, council_a, applicant_a):
    application = services.application_create(
        call=experts_call, council=council_a, actor=applicant_a
    )
    emoji = "\U0001f44d\U0001f3fd"
    assert _expertise("x" * 4900 + emoji * 100, application).is_valid()
    over = _expertise("x" * 4900 + emoji * 101, application)
    assert not over.is_valid()
    assert over.errors["expert_role"] == [
        "What the expert will do must be 5,000 characters or fewer"
    ]


def test_the_page_counts_characters_not_code_units(client):
    assert 'characterCount: { countType: "characters" }' in client.get("/sign-in/").content.decode()
