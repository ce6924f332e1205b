from django.db import migrations


def forwards(apps, schema_editor):
    from rexian.catalog.defaults import install_english_names

    install_english_names(apps)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_name_en")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
