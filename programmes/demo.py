"""The core of the demo data set: the board paper's councils, the strands, demo users.

`manage.py load_demo` runs the `demo.load(context)` of every installed app
that has one, in INSTALLED_APPS (layer) order, so each later issue adds its
part of the 2013 programme in its own app.

Demo people are plainly fictional. The board paper's contact officer is never
used: no real person's details go into the product or its demo data.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.models import Permission
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from programmes.accounts import invitation_create, invitation_resend
from programmes.models import Council, Invitation, InvitationStatus, User
from programmes.permissions import DEMO
from programmes.register import register_read
from programmes.roles import APPLICANT, BOARD_MEMBER, OFFICER, groups_sync
from programmes.services import councils_load, strands_sync, user_create
from programmes.twofactor.services import backup_codes_generate

# (username, first name, last name, role, council short name)
DEMO_USERS = [
    ("demo-allerdale", "Avery", "Sample", APPLICANT, "Allerdale"),
    ("demo-wyreforest", "Wren", "Example", APPLICANT, "Wyre Forest"),
    # Cumberland succeeded Allerdale (docs/councils.md): reads its history.
    ("demo-cumberland", "Cam", "Placeholder", APPLICANT, "Cumberland"),
    # Wyre Forest's finance officer (its section 151 officer): certifies the
    # returns demo-wyreforest prepares (docs/savings.md, "Certification").
    ("demo-finance", "Fen", "Specimen", APPLICANT, "Wyre Forest"),
    ("demo-officer", "Olly", "Placeholder", OFFICER, None),
    # Two assessors (applications/demo.py assigns them to the demo's calls).
    ("demo-assessor-a", "Asa", "Sample", OFFICER, None),
    ("demo-assessor-b", "Bel", "Example", OFFICER, None),
    # Two officers who decide awards (the scheme of delegation): the
    # programme manager, and a second decider for awards above a call's limit.
    ("demo-manager", "Mo", "Pretend", OFFICER, None),
    ("demo-director", "Dee", "Imaginary", OFFICER, None),
    # LGA finance: records payments of approved claims (programmes/payments/demo.py).
    ("demo-lga-finance", "Fin", "Madeup", OFFICER, None),
    ("demo-board", "Bea", "Fictional", BOARD_MEMBER, None),
]

# Council leads invite and deactivate colleagues of their own council at
# /account/team/ (programmes/accounts.py).
DEMO_COUNCIL_LEADS = ("demo-wyreforest",)
# Finance officers certify their council's savings returns (/savings/certify/).
DEMO_FINANCE_OFFICERS = ("demo-finance",)


# DEMO ONLY. The authenticator secret of the demo officer and board member,
# who must give a code after their password like every officer and board
# member. It is public (it is in this file), so it is created only by
# load_demo, which refuses to run with DEBUG off unless --force. Never give a
# real account this secret.
DEMO_TOTP_SECRET = "DEMOONLYDEMOONLYDEMOONLYDEMOONLY"  # noqa: S105 - public by design
DEMO_TOTP_ROLES = (OFFICER, BOARD_MEMBER)
DEMO_ACCOUNTS_MANAGER = "demo-officer"
# Given "decides awards" (applications.workflow); nobody else in the demo decides.
DEMO_DECIDERS = ("demo-manager", "demo-director")


@dataclass
class DemoContext:
    write: Callable[[str], None]
    reset_passwords: bool = False
    # Where the demo is served, for the links in its emails (`make demo`
    # passes http://$(HOST):$(PORT)/).
    site_url: str = "http://127.0.0.1:8000/"
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    # Lines printed after the logins: how to sign in past them.
    notes: list[str] = field(default_factory=list)
    # Steps that happen "today", after every app's 2013 data and the board's
    # 2013 paper (published from those): e.g. a return sent this week must not
    # reach the paper of 17 July 2013. load_demo runs them in order, last.
    afterwards: list[Callable[[], None]] = field(default_factory=list)
    # Steps that complete the 2013 data once every app's demo has loaded, in
    # order, before the `afterwards` steps: money out (its claims need every
    # strand's awards), then the board's 2013 paper published from all of it
    # (its financial implications read the budgets and claims).
    completing: list[Callable[[], None]] = field(default_factory=list)

    def later(self, step: Callable[[], None]) -> None:
        self.afterwards.append(step)

    def complete_2013(self, step: Callable[[], None]) -> None:
        self.completing.append(step)


def load_councils() -> list[Council]:
    """The council register (programmes/data/councils.csv): the board paper's
    councils, those that succeeded the abolished ones, and their predecessors."""
    entries = register_read()
    councils_load(entries=entries, actor=DEMO)
    return list(Council.objects.filter(gss_code__in=[entry.gss_code for entry in entries]))


def load_users(context: DemoContext) -> None:
    for username, first, last, role, council_name in DEMO_USERS:
        council = Council.objects.get(short_name=council_name) if council_name else None
        user = User.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user_create(
                actor=DEMO,
                username=username,
                role=role,
                password=password,
                first_name=first,
                last_name=last,
                email=f"{username}@example.org",
                council=council,
            )
        elif context.reset_passwords:
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save(update_fields=["password"])
        else:
            password = "(unchanged: run load_demo --reset-passwords to see a new one)"  # noqa: S105
        if role in DEMO_TOTP_ROLES:
            demo_totp_device_ensure(User.objects.get(username=username))
        label = f"{role}{f', {council.name}' if council else ''}"
        context.logins.append((label, username, password))
    # The demo officer manages accounts (resets a lost phone, sets a
    # password); the assessors do not (programmes.permissions.MANAGE_ACCOUNTS).
    manager = User.objects.get(username=DEMO_ACCOUNTS_MANAGER)
    manager.user_permissions.add(
        Permission.objects.get(content_type__app_label="programmes", codename="manage_accounts")
    )
    # By the permission's name: the core never imports the bids' app above it.
    decides = Permission.objects.get(
        content_type__app_label="applications", codename="decide_awards"
    )
    for decider in User.objects.filter(username__in=DEMO_DECIDERS):
        decider.user_permissions.add(decides)
    for lead in User.objects.filter(username__in=DEMO_COUNCIL_LEADS, is_council_lead=False):
        lead.is_council_lead = True
        lead.save(update_fields=["is_council_lead"])
    for certifier in User.objects.filter(
        username__in=DEMO_FINANCE_OFFICERS, is_finance_officer=False
    ):
        certifier.is_finance_officer = True
        certifier.save(update_fields=["is_finance_officer"])
    context.notes += [
        f"{', '.join(DEMO_COUNCIL_LEADS)} is their council's lead: invite colleagues at "
        "/account/team/.",
        f"{', '.join(DEMO_FINANCE_OFFICERS)} is Wyre Forest's finance officer: certify the "
        "savings returns demo-wyreforest prepares at /savings/certify/.",
        f"{' and '.join(DEMO_DECIDERS)} decide awards; demo-officer leads bids and "
        "demo-assessor-a and -b score them. An approval above £5,000 on this year's "
        "Experts round waits for a second decider (demo-manager can give it).",
        "The demo officers and board member give a security code after their password.",
        f"  Demo-only authenticator secret (add it to an app): {DEMO_TOTP_SECRET}",
        f"  Or print the current code: {DEMO_TOTP_COMMAND}",
    ]


# As README.md gives it: works as it stands in a fresh shell (the code needs
# DEBUG on, and DEBUG off would need a secret key).
DEMO_TOTP_COMMAND = "DJANGO_DEBUG=true .venv/bin/python manage.py demo_totp_code demo-officer"

# A colleague the Wyre Forest lead has invited, so the team page has a waiting
# invitation. Its link is emailed when load_demo first makes it, and again,
# with a new link, on every --reset-passwords run (`make demo`): the link is
# stored only as a hash, so a second run could not print the first one. The
# console shows the email in debug; fictional like every demo person.
DEMO_INVITATION = ("Dana", "Demo", "dana.demo@example.gov.uk", "demo-wyreforest")


def load_invitations(context: DemoContext) -> None:
    first, last, email, lead_username = DEMO_INVITATION
    lead = User.objects.get(username=lead_username)
    invitation = Invitation.objects.filter(email=email).first()
    if invitation is None:
        invitation_create(
            actor=lead,
            first_name=first,
            last_name=last,
            email=email,
            role=APPLICANT,
            council=lead.council,
            site_url=context.site_url,
        )
    elif context.reset_passwords and invitation.status in (
        InvitationStatus.WAITING,
        InvitationStatus.EXPIRED,
    ):
        invitation_resend(actor=lead, invitation=invitation, site_url=context.site_url)
    else:
        return
    context.notes.append(
        f"{lead_username} has invited {email}: the link is in the email above "
        "(a new one each time load_demo runs with --reset-passwords, as make demo does)."
    )


def demo_totp_device_ensure(user: User) -> TOTPDevice:
    """The demo user's app device with the demo secret, and backup codes (new
    ones are shown on the account page); untouched if present, so a second
    load_demo changes no rows."""
    key = base64.b32decode(DEMO_TOTP_SECRET).hex()
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, key=key, defaults={"name": "Demo authenticator", "confirmed": True}
    )
    if not StaticDevice.objects.filter(user=user).exists():
        backup_codes_generate(user=user)
    return device


def load(context: DemoContext) -> None:
    groups_sync()
    councils = load_councils()
    strands = strands_sync()
    load_users(context)
    load_invitations(context)
    context.write(f"Councils: {len(councils)}; strands: {len(strands)}")
