"""The default checklist (质检项); administrators reword, reweigh or retire them in the admin."""

from django.db import migrations

CRITERIA = [
    # code, name, description, max points
    ("greeting", "问候语规范", "使用标准开头语和结束语，自报工号，语言文明。", 10),
    ("five_elements", "受理五要素完整", "时间、地点、人物、事件、诉求五要素记录完整准确。", 30),
    ("classification", "诉求类型/分类准确", "诉求类型和诉求分类选择正确，标题概括准确。", 20),
    ("knowledge", "知识库答复正确", "咨询类答复与知识库一致，政策口径准确，无错答漏答。", 20),
    ("attitude", "服务态度", "耐心倾听、不推诿、不与市民争执，情绪安抚得当。", 20),
]


def add(apps, schema_editor):
    Criterion = apps.get_model("quality", "QualityCriterion")
    for n, (code, name, description, points) in enumerate(CRITERIA, start=1):
        Criterion.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "max_points": points, "order": n * 10}
        )


def remove(apps, schema_editor):
    apps.get_model("quality", "QualityCriterion").objects.filter(code__in=[c[0] for c in CRITERIA]).delete()


class Migration(migrations.Migration):
    dependencies = [("quality", "0001_initial")]

    operations = [migrations.RunPython(add, remove)]
