"""The student's working stored with the attempt (issue 15)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tutor", "0004_assignments_attempt_index")]

    operations = [
        migrations.AddField(
            model_name="attempt",
            name="working",
            field=models.JSONField(blank=True, null=True),
        ),
    ]
