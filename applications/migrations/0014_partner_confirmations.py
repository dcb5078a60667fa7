"""Partner councils confirm a bid (docs/bids.md, "Partner councils"); the lead
shares documents with them. Bids named partners before partners were asked:
a sent bid's partners are recorded as confirmed (the bid went to the LGA
with them; answered_at is when it was sent, answered_by empty: "recorded by
the portal"), a draft's as waiting for an answer."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def partners_recorded(apps, schema_editor) -> None:
    Application = apps.get_model("applications", "Application")
    PartnerConfirmation = apps.get_model("applications", "PartnerConfirmation")
    links = Application.partner_councils.through.objects.select_related("application")
    PartnerConfirmation.objects.bulk_create(
        [
            PartnerConfirmation(
                application_id=link.application_id,
                council_id=link.council_id,
                status="pending" if link.application.state == "draft" else "confirmed",
                named_at=link.application.created_at,
                answered_at=(
                    None if link.application.state == "draft" else link.application.submitted_at
                ),
            )
            for link in links.iterator()
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0013_returns_need_certification"),
        ("programmes", "0008_council_register"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="shared_with_partners",
            field=models.BooleanField(default=False, verbose_name="shared with partner councils"),
        ),
        migrations.CreateModel(
            name="PartnerConfirmation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting for an answer"),
                            ("confirmed", "Confirmed"),
                            ("declined", "Declined"),
                        ],
                        default="pending",
                        max_length=10,
                    ),
                ),
                ("named_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("answered_at", models.DateTimeField(blank=True, null=True)),
                ("reason", models.TextField(blank=True)),
                (
                    "by_letter",
                    models.BooleanField(default=False, verbose_name="confirmed by letter"),
                ),
                ("letter_reason", models.TextField(blank=True)),
                (
                    "answered_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "application",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="partner_confirmations",
                        to="applications.application",
                    ),
                ),
                (
                    "council",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="partner_confirmations",
                        to="programmes.council",
                    ),
                ),
            ],
            options={
                "verbose_name": "partner council confirmation",
                "ordering": ["council__name", "pk"],
                "indexes": [
                    models.Index(fields=["council", "status"], name="partner_confirmation_council")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("application", "council"), name="one_confirmation_per_partner"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "declined"), _negated=True),
                            models.Q(("reason", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="declined_partner_has_reason",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("by_letter", False),
                            models.Q(("letter_reason", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="letter_confirmation_has_reason",
                    ),
                ],
            },
        ),
        migrations.RunPython(partners_recorded, migrations.RunPython.noop),
    ]
