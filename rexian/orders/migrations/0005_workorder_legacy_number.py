from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0004_order_registrant"),
    ]

    operations = [
        migrations.AddField(
            model_name="workorder",
            name="legacy_number",
            field=models.CharField(
                blank=True, default=None, max_length=40, null=True, unique=True, verbose_name="原工单号"
            ),
        ),
    ]
