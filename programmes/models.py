"""Core records every other app builds on: councils, strands and users."""

from __future__ import annotations

from datetime import date, datetime
from functools import reduce
from operator import or_

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from programmes.roles import APPLICANT, ROLES
from programmes.strands import StrandSpec, get_strand, strand_choices
from programmes.validators import GSS_PREFIX_BY_KIND, gss_code_matches_kind, validate_gss_code


class CouncilKind(models.TextChoices):
    COUNTY = "county", "County council"
    DISTRICT = "district", "District or borough council"
    UNITARY = "unitary", "Unitary authority"
    METROPOLITAN = "metropolitan", "Metropolitan borough"
    LONDON = "london", "London borough"


class Region(models.TextChoices):
    NORTH_EAST = "north-east", "North East"
    NORTH_WEST = "north-west", "North West"
    YORKSHIRE = "yorkshire", "Yorkshire and The Humber"
    EAST_MIDLANDS = "east-midlands", "East Midlands"
    WEST_MIDLANDS = "west-midlands", "West Midlands"
    EAST = "east", "East of England"
    LONDON = "london", "London"
    SOUTH_EAST = "south-east", "South East"
    SOUTH_WEST = "south-west", "South West"


def _gss_kind_constraint() -> models.Q:
    """Mirror of Council.clean(): an English code's type must fit the kind."""
    non_english = ~models.Q(gss_code__startswith="E")
    fits = [
        models.Q(kind=kind, gss_code__startswith=prefix)
        for kind, prefix in GSS_PREFIX_BY_KIND.items()
    ]
    return reduce(or_, fits, non_english)


class Council(models.Model):
    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=100)
    gss_code = models.CharField(
        "GSS code",
        max_length=9,
        unique=True,
        validators=[validate_gss_code],
        help_text="The ONS Government Statistical Service code, like E07000026",
    )
    # The council's code in the local-authority-eng register (e.g. ALL for
    # Allerdale), which 360Giving's GB-LAE organisation identifiers use.
    register_code = models.CharField(
        "local authority register code",
        max_length=4,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{3,4}$", "Enter 3 or 4 capital letters, like ALL")],
    )
    kind = models.CharField(max_length=20, choices=CouncilKind.choices)
    region = models.CharField(max_length=20, choices=Region.choices)
    # The council register (docs/councils.md): when the council came into
    # being, when it was abolished and which councils took over its area.
    # Councils that have since been abolished stay: bids, awards and savings
    # from before refer to them.
    created_on = models.DateField(
        "created on", null=True, blank=True, help_text="Blank where the register does not say"
    )
    abolished_on = models.DateField(null=True, blank=True)
    abolition_note = models.CharField(max_length=200, blank=True)
    # The councils that took over an abolished council's area (Allerdale's is
    # Cumberland; Cumbria's are Cumberland and Westmorland and Furness). Read
    # through programmes.selectors (council_successors, council_predecessors).
    successors = models.ManyToManyField(
        "self",
        symmetrical=False,
        related_name="predecessors",
        blank=True,
        help_text="The councils that took over this council's area when it was abolished",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(gss_code__regex=r"^[ENSW][0-9]{8}$"),
                name="council_gss_code_format",
            ),
            models.CheckConstraint(
                condition=_gss_kind_constraint(), name="council_gss_code_fits_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("admin:programmes_council_change", args=[self.pk])

    def clean(self) -> None:
        if self.created_on and self.abolished_on and self.abolished_on < self.created_on:
            raise ValidationError(
                {"abolished_on": "A council is abolished on or after the day it was created"}
            )
        if self.gss_code and self.kind and not gss_code_matches_kind(self.gss_code, self.kind):
            prefix = GSS_PREFIX_BY_KIND[self.kind]
            raise ValidationError(
                {
                    "gss_code": (
                        f"A {self.get_kind_display().lower()} in England has a GSS code "
                        f"starting {prefix}"
                    )
                }
            )

    @property
    def is_abolished(self) -> bool:
        return self.abolished_on is not None

    def abolished_by(self, day: date) -> bool:
        """Whether the council had ceased to exist on `day`."""
        return self.abolished_on is not None and day >= self.abolished_on

    @property
    def org_id(self) -> str | None:
        """The 360Giving organisation identifier, where the register code is known."""
        return f"GB-LAE-{self.register_code}" if self.register_code else None


class Strand(models.Model):
    """One of the programme's five strands; its behaviour lives in the registry."""

    key = models.CharField(max_length=20, unique=True, choices=strand_choices)
    name = models.CharField(max_length=100)
    display_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["display_order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def spec(self) -> StrandSpec:
        return get_strand(self.key)


class User(AbstractUser):
    """A person who signs in. Council applicants belong to exactly one council."""

    council = models.ForeignKey(
        Council,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text="Council applicants see only this council's records",
    )
    # A council's lead invites and deactivates colleagues of their own council
    # (programmes/accounts.py); only officers make someone a lead.
    is_council_lead = models.BooleanField(
        "council lead",
        default=False,
        help_text="Can invite and deactivate users of their own council",
    )
    # The council's chief finance officer (its section 151 officer) or a
    # deputy: certifies the savings returns that a call asks to be certified
    # (docs/savings.md, "Certification"). Set on the lead's invitation, or
    # by officers in the user admin.
    is_finance_officer = models.BooleanField(
        "finance officer",
        default=False,
        help_text=(
            "The council's chief finance officer (section 151 officer) or a deputy: "
            "certifies savings returns before they reach the LGA"
        ),
    )

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]  # django-stubs omits it
        swappable = "AUTH_USER_MODEL"
        permissions = [
            # Given to named officers (a superuser grants it in the admin), not
            # to the officers' group: resetting someone's second factor or
            # password takes their account over (programmes.accounts).
            ("manage_accounts", "Can reset other accounts' second factor and password"),
        ]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def has_role(self, role: str) -> bool:
        # Groups are prefetched on the request's user by the role helpers in
        # programmes.roles; this stays a set lookup after the first call.
        if not hasattr(self, "_role_names"):
            self._role_names = set(self.groups.values_list("name", flat=True))
        return role in self._role_names


class InvitationStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    ACCEPTED = "accepted", "Accepted"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class Invitation(models.Model):
    """An invitation to make an account: the email carries a one-time link.

    Only a SHA-256 hash of the link's token is kept, so the table (a backup, a
    read-only database user) cannot be used to accept someone's invitation.
    The account is made when the link is used, with the role and council
    written here (programmes.accounts.invitation_accept)."""

    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    email = models.EmailField()
    role = models.CharField(max_length=40, choices=[(role, role) for role in ROLES])
    council = models.ForeignKey(
        Council,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invitations",
        help_text="Required for council users; leave empty for officers and board members",
    )
    is_council_lead = models.BooleanField(
        "council lead", default=False, help_text="Can invite and deactivate colleagues"
    )
    is_finance_officer = models.BooleanField(
        "finance officer",
        default=False,
        help_text="Certifies the council's savings returns (section 151 officer or a deputy)",
    )
    # hashlib.sha256(token).hexdigest(); unique, so a lookup finds one row.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    invited_by = models.ForeignKey(
        "User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations_sent",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    user = models.OneToOneField(
        "User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitation",
        help_text="The account made from this invitation",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(council__isnull=False) | ~models.Q(role=APPLICANT),
                name="invitation_council_user_has_council",
            ),
            models.CheckConstraint(
                condition=models.Q(is_council_lead=False) | models.Q(role=APPLICANT),
                name="invitation_only_council_users_lead",
            ),
            models.CheckConstraint(
                condition=models.Q(is_finance_officer=False) | models.Q(role=APPLICANT),
                name="invitation_only_council_users_certify",
            ),
        ]
        indexes = [
            # The team page and the "already invited" check: a council's (or an
            # address's) invitations.
            models.Index(fields=["council", "-created_at"], name="invitation_council_idx"),
            models.Index(fields=["email"], name="invitation_email_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} <{self.email}>"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def status_at(self, now: datetime) -> str:
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if self.revoked_at is not None:
            return InvitationStatus.REVOKED
        if now >= self.expires_at:
            return InvitationStatus.EXPIRED
        return InvitationStatus.WAITING

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    def get_status_display(self) -> str:
        return InvitationStatus(self.status).label


class Heartbeat(models.Model):
    """When a background process last proved it was alive: the worker runs the
    `worker_heartbeat` task that beat queues every 30 seconds, so an old beat
    means the worker, beat or the broker is down (programmes.health)."""

    name = models.CharField(max_length=40, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"


class DataVersion(models.Model):
    """A token that the services replace, in their own transaction, when data
    that a cache depends on changes (programmes.versions): a reader finds
    whether its cached copy is current with one primary-key lookup instead of
    scanning the data."""

    name = models.CharField(max_length=40, primary_key=True)
    value = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"{self.name} {self.value}"
