from django.db import migrations


def forwards(apps, schema_editor):
    from rexian.catalog.defaults import install_defaults

    install_defaults(apps)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
