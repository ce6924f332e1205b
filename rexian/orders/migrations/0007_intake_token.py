from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0006_amend_and_uphold"),
    ]

    operations = [
        migrations.AddField(
            model_name="workorder",
            name="intake_token",
            field=models.CharField(blank=True, default=None, editable=False, max_length=32, null=True, unique=True),
        ),
    ]
