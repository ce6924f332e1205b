from django.db import migrations


def forwards(apps, schema_editor):
    from rexian.hotspots.defaults import DEFAULT_SENSITIVE_WORDS

    SensitiveWord = apps.get_model("hotspots", "SensitiveWord")
    for word, note in DEFAULT_SENSITIVE_WORDS:
        SensitiveWord.objects.get_or_create(word=word, defaults={"note": note})


class Migration(migrations.Migration):
    dependencies = [("hotspots", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
