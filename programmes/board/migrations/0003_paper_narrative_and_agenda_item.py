from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("board", "0002_open_data_release"),
    ]

    operations = [
        migrations.AddField(
            model_name="boardpaper",
            name="agenda_item",
            field=models.CharField(
                blank=True,
                help_text="For example, Item 8",
                max_length=40,
                verbose_name="Agenda item",
            ),
        ),
        migrations.AddField(
            model_name="boardpaper",
            name="narrative",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
