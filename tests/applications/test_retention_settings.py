"""How long closed bids keep their personal data comes from the environment."""

from tests.programmes.test_settings import PRODUCTION_ENV, run_django

SHOW = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.RETENTION_YEARS)"
)


def test_bids_are_kept_six_years_unless_configured():
    assert run_django(SHOW, PRODUCTION_ENV).stdout.strip() == "6"
    assert (
        run_django(SHOW, {**PRODUCTION_ENV, "DJANGO_RETENTION_YEARS": "10"}).stdout.strip() == "10"
    )


def test_a_retention_of_no_years_stops_start_up():
    result = run_django(SHOW, {**PRODUCTION_ENV, "DJANGO_RETENTION_YEARS": "0"})
    assert result.returncode != 0
    assert "DJANGO_RETENTION_YEARS" in result.stderr
