"""The council register: the repository's file, `manage.py councils_load`,
successors and predecessors, and the Council admin (docs/councils.md)."""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from programmes.models import Council, CouncilKind, Region, User
from programmes.permissions import SYSTEM
from programmes.register import REGISTER_CSV, register_read
from programmes.selectors import council_predecessors, council_successors
from programmes.services import council_update, council_upsert
from tests.factories import UserFactory

HEADER = (
    "name,short_name,kind,gss_code,register_code,region,created_on,abolished_on,"
    "successors,abolition_note\n"
)
OLD = (
    "Oldtown District Council,Oldtown,district,E07999901,,North West,"
    "1974-04-01,2023-04-01,E06999902,Merged\n"
)
NEW = "Newtown Council,Newtown,unitary,E06999902,,North West,2023-04-01,,,\n"


def write(tmp_path: Path, *rows: str, header: str = HEADER) -> str:
    path = tmp_path / "councils.csv"
    path.write_text(header + "".join(rows), encoding="utf-8")
    return str(path)


def load(path: str | None = None, *options: str) -> str:
    out = StringIO()
    call_command("councils_load", *([path] if path else []), *options, stdout=out)
    return out.getvalue()


def names(councils: list[Council]) -> list[str]:
    return [council.short_name for council in councils]


# The repository's file


def test_the_file_names_every_council_the_paper_does_and_their_successors():
    entries = {entry.gss_code: entry for entry in register_read()}
    assert len(entries) == 28
    allerdale = entries["E07000026"]
    assert allerdale.data["abolished_on"] == date(2023, 4, 1)
    assert allerdale.successors == ("E06000063",)
    assert entries["E10000006"].successors == ("E06000063", "E06000064")
    assert entries["E06000063"].data["name"] == "Cumberland Council"
    assert entries["E06000063"].data["created_on"] == date(2023, 4, 1)
    assert REGISTER_CSV.name == "councils.csv"


@pytest.mark.django_db
def test_loading_it_gives_cumberland_its_predecessors():
    out = load()
    assert "28 councils in the file: 28 added" in out
    assert "Successors of Allerdale Borough Council: (none) -> Cumberland Council" in out
    allerdale = Council.objects.get(gss_code="E07000026")
    cumberland = Council.objects.get(gss_code="E06000063")
    assert names(council_successors(allerdale)) == ["Cumberland"]
    assert names(council_predecessors(cumberland)) == [
        "Allerdale",
        "Carlisle",
        "Copeland",
        "Cumbria",
    ]
    cumbria = Council.objects.get(gss_code="E10000006")
    assert names(council_successors(cumbria)) == ["Cumberland", "Westmorland and Furness"]
    assert council_predecessors(allerdale) == []
    assert council_successors(cumberland) == []
    # The audit trail keeps the successors, written through the import.
    entry = LogEntry.objects.get_for_object(allerdale).latest("timestamp")
    assert entry.additional_data["through"] == "import"
    assert "successors" in entry.changes_dict


@pytest.mark.django_db
def test_a_second_load_of_the_same_file_changes_nothing():
    load()
    out = load()
    assert "0 added, 0 changed, 28 unchanged; successors set for 0" in out


# Loading an updated file


@pytest.mark.django_db
def test_it_reports_what_an_updated_file_adds_and_changes(tmp_path):
    load(write(tmp_path, NEW))
    renamed = NEW.replace("Newtown Council,", "Newtown Borough Council,")
    out = load(write(tmp_path, renamed, OLD))
    assert "Added Oldtown District Council" in out
    assert "Changed Newtown Borough Council: name Newtown Council -> Newtown Borough Council" in out
    assert "Successors of Oldtown District Council: (none) -> Newtown Borough Council" in out
    assert "2 councils in the file: 1 added, 1 changed, 0 unchanged; successors set for 1" in out
    assert names(council_predecessors(Council.objects.get(gss_code="E06999902"))) == ["Oldtown"]


@pytest.mark.django_db
def test_a_council_missing_from_the_file_is_reported_and_kept(tmp_path):
    load(write(tmp_path, NEW, OLD))
    UserFactory(username="oldtown-user", council=Council.objects.get(gss_code="E07999901"))
    out = load(write(tmp_path, NEW))
    assert "Not in the file, kept: Oldtown District Council" in out
    assert "1 in the portal but not in the file (kept)" in out
    oldtown = Council.objects.get(gss_code="E07999901")
    assert User.objects.get(council=oldtown).username == "oldtown-user"
    # Its successors stay too: the file no longer speaks for it.
    assert names(council_successors(oldtown)) == ["Newtown"]


@pytest.mark.django_db
def test_a_blank_successors_cell_clears_them_and_says_so(tmp_path):
    load(write(tmp_path, NEW, OLD))
    out = load(write(tmp_path, NEW, OLD.replace(",E06999902,", ",,")))
    assert "Successors of Oldtown District Council: Newtown Council -> (none)" in out
    assert council_successors(Council.objects.get(gss_code="E07999901")) == []


@pytest.mark.django_db
def test_a_file_without_a_column_leaves_that_field_alone(tmp_path):
    load(write(tmp_path, NEW, OLD))
    out = load(
        write(
            tmp_path,
            "Oldtown District Council,Oldtown,district,E07999901,North West\n",
            header="name,short_name,kind,gss_code,region\n",
        )
    )
    assert "0 changed, 1 unchanged" in out
    oldtown = Council.objects.get(gss_code="E07999901")
    assert oldtown.abolished_on == date(2023, 4, 1)
    assert names(council_successors(oldtown)) == ["Newtown"]


@pytest.mark.django_db
def test_a_row_of_empty_cells_is_skipped(tmp_path):
    out = load(write(tmp_path, NEW, ",,,,,,,,,\n"))
    assert "1 councils in the file: 1 added" in out


@pytest.mark.django_db
def test_a_dry_run_reports_and_changes_nothing(tmp_path):
    out = load(write(tmp_path, NEW, OLD), "--dry-run")
    assert "Added Newtown Council" in out
    assert "Dry run: nothing was changed." in out
    assert not Council.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "said"),
    [
        (
            OLD.replace("1974-04-01", "1 April 1974"),
            "line 2: created_on '1 April 1974' is not a date",
        ),
        (
            OLD.replace(",district,", ",parish,"),
            "line 2: kind 'parish' is not one the portal knows",
        ),
        (OLD.replace(",North West,", ",Narnia,"), "line 2: region 'Narnia' is not one"),
        (OLD.replace("E07999901", "E7"), "line 2: gss_code 'E7' is not a GSS code"),
        (
            OLD.replace("E06999902", "E06999903"),
            "line 2 (E07999901): no council has the code E06999903",
        ),
        (
            OLD.replace("E06999902", "E07999901"),
            "line 2 (E07999901): Oldtown District Council cannot be its own successor",
        ),
        (
            OLD.replace("2023-04-01", ""),
            "line 2 (E07999901): Only an abolished council has successors",
        ),
        (
            OLD.replace("1974-04-01", "2024-04-01"),
            "line 2 (E07999901): A council is abolished on or after",
        ),
        (
            OLD.replace(",district,", ",county,"),
            "line 2 (E07999901): A county council in England has a GSS code starting E10",
        ),
        (OLD + OLD, "line 3: E07999901 is already on line 2"),
        (OLD.replace("Oldtown District Council,", ","), "line 2: name is empty"),
    ],
)
def test_a_file_with_a_problem_loads_nothing_and_says_where(tmp_path, row, said):
    with pytest.raises(CommandError) as caught:
        load(write(tmp_path, row, NEW))
    assert said in str(caught.value)
    assert "Nothing was loaded" in str(caught.value)
    assert not Council.objects.exists()


@pytest.mark.django_db
def test_a_file_missing_a_required_column_or_the_file_itself_is_refused(tmp_path):
    with pytest.raises(CommandError, match="the file has no region column"):
        load(write(tmp_path, "X,X,district,E07999901\n", header="name,short_name,kind,gss_code\n"))
    with pytest.raises(CommandError, match="Cannot read"):
        load(str(tmp_path / "absent.csv"))


@pytest.mark.django_db
def test_a_successor_cannot_also_be_a_predecessor(tmp_path):
    load(write(tmp_path, NEW, OLD))
    # Newtown abolished, succeeded by Oldtown, which it succeeded: a loop.
    looping = NEW.replace("2023-04-01,,,", "2023-04-01,2024-04-01,E07999901,")
    with pytest.raises(
        CommandError, match="Oldtown District Council cannot succeed Newtown Council"
    ):
        load(write(tmp_path, OLD, looping))
    assert council_successors(Council.objects.get(gss_code="E06999902")) == []


# Successors and predecessors through the chain


def _council(code: str, name: str, **fields) -> Council:
    return council_upsert(
        actor=SYSTEM,
        gss_code=code,
        name=f"{name} District Council",
        short_name=name,
        kind=CouncilKind.DISTRICT,
        region=Region.NORTH_WEST,
        **fields,
    )


@pytest.mark.django_db
def test_the_selectors_follow_a_chain_of_reorganisations():
    third = _council("E07999993", "Third")
    second = _council("E07999992", "Second", abolished_on=date(2030, 4, 1), successors=[third])
    first = _council("E07999991", "First", abolished_on=date(2020, 4, 1), successors=[second])
    unrelated = _council("E07999994", "Unrelated")
    assert names(council_predecessors(third)) == ["First", "Second"]
    assert names(council_successors(first)) == ["Second", "Third"]
    assert council_successors(unrelated) == council_predecessors(unrelated) == []


@pytest.mark.django_db
def test_the_update_service_refuses_a_loop_and_an_unabolished_predecessor():
    second = _council("E07999992", "Second", abolished_on=date(2030, 4, 1))
    first = _council("E07999991", "First", abolished_on=date(2020, 4, 1), successors=[second])
    with pytest.raises(ValidationError) as caught:
        council_update(council=second, data={"successors": [first]}, actor=SYSTEM)
    assert caught.value.message_dict["successors"] == [
        "First District Council cannot succeed Second District Council: "
        "it is one of Second District Council's predecessors"
    ]
    with pytest.raises(ValidationError, match="Only an abolished council has successors"):
        council_update(council=first, data={"abolished_on": None}, actor=SYSTEM)
    assert first.successors.get() == second
    # Leaving successors out of an upsert leaves them as they are.
    _council("E07999991", "First", abolished_on=date(2020, 4, 1))
    assert names(council_successors(first)) == ["Second"]


# The Council admin


@pytest.fixture
def register(db):
    load()
    return {council.short_name: council for council in Council.objects.all()}


def _form(council: Council, **changes) -> dict:
    data = {
        "name": council.name,
        "short_name": council.short_name,
        "gss_code": council.gss_code,
        "register_code": council.register_code,
        "kind": council.kind,
        "region": council.region,
        "created_on": council.created_on.isoformat() if council.created_on else "",
        "abolished_on": council.abolished_on.isoformat() if council.abolished_on else "",
        "abolition_note": council.abolition_note,
        "successors": [c.pk for c in council.successors.all()],
    }
    return {**data, **changes}


def test_the_admin_list_shows_cumberland_as_allerdales_successor(officer_client, register):
    page = officer_client.get(reverse("admin:programmes_council_changelist"), {"q": "Allerdale"})
    assert page.status_code == 200
    row = page.content.decode()
    assert "Allerdale Borough Council" in row
    assert "Cumberland Council" in row


def test_the_admin_change_page_shows_successors_and_predecessors(officer_client, register):
    cumberland = register["Cumberland"]
    page = officer_client.get(reverse("admin:programmes_council_change", args=[cumberland.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Predecessors" in text
    assert (
        "Allerdale Borough Council, Carlisle City Council, Copeland Borough Council, "
        "Cumbria County Council" in text
    )
    allerdale = register["Allerdale"]
    page = officer_client.get(reverse("admin:programmes_council_change", args=[allerdale.pk]))
    assert (
        f'<option value="{cumberland.pk}" selected>Cumberland Council</option>'
        in page.content.decode()
    )


def test_an_officer_sets_successors_in_the_admin_and_the_trail_keeps_it(officer_client, register):
    allerdale, westmorland = register["Allerdale"], register["Westmorland and Furness"]
    url = reverse("admin:programmes_council_change", args=[allerdale.pk])
    posted = officer_client.post(
        url, _form(allerdale, successors=[register["Cumberland"].pk, westmorland.pk])
    )
    assert posted.status_code == 302
    assert names(council_successors(allerdale)) == ["Cumberland", "Westmorland and Furness"]
    entry = LogEntry.objects.get_for_object(allerdale).latest("timestamp")
    assert "successors" in entry.changes_dict
    history = officer_client.get(reverse("admin:programmes_council_history", args=[allerdale.pk]))
    assert history.status_code == 200
    assert "Westmorland and Furness Council" in history.content.decode()


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"successors": ["self"]}, "cannot be its own successor"),
        ({"successors": ["99999"]}, "Select a valid choice"),
        ({"successors": ["not-a-number"]}, "Select a valid choice"),
        ({"abolished_on": ""}, "Only an abolished council has successors"),
        ({"abolished_on": "31/02/2023"}, "Enter a valid date"),
        ({"created_on": "2031-01-01"}, "A council is abolished on or after the day it was created"),
        ({"successors": ["predecessor"]}, "is one of Cumberland Council&#x27;s predecessors"),
    ],
)
def test_bad_input_in_the_admin_is_said_not_a_server_error(officer_client, register, change, said):
    cumberland = register["Cumberland"]
    # An abolished Cumberland, to try the rules that need one.
    council_update(council=cumberland, data={"abolished_on": date(2030, 4, 1)}, actor=SYSTEM)
    cumberland.refresh_from_db()
    stand_in = {"self": cumberland.pk, "predecessor": register["Allerdale"].pk}
    if "successors" in change:
        change = {"successors": [stand_in.get(value, value) for value in change["successors"]]}
    else:
        change = {**change, "successors": [register["Westmorland and Furness"].pk]}
    url = reverse("admin:programmes_council_change", args=[cumberland.pk])
    page = officer_client.post(url, _form(cumberland, **change))
    assert page.status_code == 200
    assert said in page.content.decode()
    assert council_successors(cumberland) == []


def test_an_officer_adds_an_abolished_council_with_its_successor(officer_client, register):
    cumberland = register["Cumberland"]
    page = officer_client.post(
        reverse("admin:programmes_council_add"),
        {
            "name": "Workington Borough Council",
            "short_name": "Workington",
            "gss_code": "E07999905",
            "register_code": "",
            "kind": CouncilKind.DISTRICT,
            "region": Region.NORTH_WEST,
            "created_on": "1974-04-01",
            "abolished_on": "2023-04-01",
            "abolition_note": "",
            "successors": [cumberland.pk],
        },
    )
    assert page.status_code == 302
    assert "Workington" in names(council_predecessors(cumberland))
