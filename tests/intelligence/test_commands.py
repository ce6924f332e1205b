"""`rexian evaluate-classifier` on tiny synthetic CSVs."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rexian.intelligence.evaluation import APPEAL_TYPES, TYPE_LABELS_PATH, read_type_labels
from tests.intelligence.conftest import HOUSING, LABOUR, write_orders

SUMMARY = re.compile(r"^macro_f1=\d\.\d{3} accuracy=\d\.\d{3} ms_per_order=\d+\.\d$")


def run(*args) -> str:
    out = io.StringIO()
    call_command("evaluate-classifier", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def separable(tmp_path):
    """Training and test files of two topics that no sensible classifier can confuse."""
    rows = [(f"h{i}", t, "请尽快处理", "城乡建设") for i, t in enumerate(HOUSING)]
    rows += [(f"l{i}", t, "请尽快处理", "劳动和社会保障") for i, t in enumerate(LABOUR)]
    train = write_orders(tmp_path / "train.csv", rows)
    test = write_orders(
        tmp_path / "test.csv",
        [
            ("t1", "物业乱收停车费", "", "城乡建设"),
            ("t2", "小区电梯坏了物业不修", "", "城乡建设"),
            ("t3", "公司拖欠工资", "", "劳动和社会保障"),
            ("t4", "单位不缴社保", "", "劳动和社会保障"),
        ],
    )
    return train, test


def test_last_line_is_the_machine_readable_summary(separable):
    train, test = separable
    last = run("--train", str(train), "--test", str(test)).splitlines()[-1]
    assert SUMMARY.match(last), last


def test_a_separable_set_scores_perfectly(separable):
    train, test = separable
    last = run("--train", str(train), "--test", str(test)).splitlines()[-1]
    assert last.startswith("macro_f1=1.000 accuracy=1.000 ")


def test_metrics_count_a_wrong_label_in_the_test_file(separable, tmp_path):
    train, _ = separable
    # The last order is labelled wrongly on purpose: 3 of 4 right; F1 2/3 and 0.8 for the two labels.
    test = write_orders(
        tmp_path / "wrong.csv",
        [
            ("t1", "物业乱收停车费", "", "城乡建设"),
            ("t2", "小区电梯坏了物业不修", "", "城乡建设"),
            ("t3", "公司拖欠工资", "", "劳动和社会保障"),
            ("t4", "单位不缴社保", "", "城乡建设"),
        ],
    )
    last = run("--train", str(train), "--test", str(test)).splitlines()[-1]
    assert last.startswith("macro_f1=0.733 accuracy=0.750 ")


def test_extra_columns_such_as_time_are_ignored(separable, tmp_path):
    train, _ = separable
    test = write_orders(
        tmp_path / "timed.csv",
        [
            ("t1", "物业乱收停车费", "", "2020/1/6 12:09:38", "城乡建设"),
            ("t2", "公司拖欠工资", "", "", "劳动和社会保障"),
        ],
        header=("id", "title", "text", "time", "label"),
    )
    assert run("--train", str(train), "--test", str(test)).splitlines()[-1].startswith("macro_f1=1.000")


def test_cross_validation_is_printed_before_the_test_scores(separable):
    train, test = separable
    lines = run("--train", str(train), "--test", str(test), "--cv", "2").splitlines()
    assert any(re.match(r"^cv_macro_f1=\d\.\d{3} cv_accuracy=\d\.\d{3}$", line) for line in lines)
    assert SUMMARY.match(lines[-1])


def test_the_trained_model_can_be_saved(separable, tmp_path):
    from rexian.intelligence.classifier import TextClassifier

    train, test = separable
    path = tmp_path / "topic.joblib"
    run("--train", str(train), "--test", str(test), "--save", str(path))
    assert TextClassifier.load(path).predict(["公司拖欠工资"]) == ["劳动和社会保障"]


def test_topic_needs_a_training_file(separable):
    _, test = separable
    with pytest.raises(CommandError, match="--train"):
        run("--test", str(test))


def test_a_file_without_the_columns_is_refused_in_chinese(separable, tmp_path):
    train, _ = separable
    bad = tmp_path / "bad.csv"
    bad.write_text("编号,内容\n1,物业乱收费\n", encoding="utf-8")
    with pytest.raises(CommandError, match="缺少列"):
        run("--train", str(train), "--test", str(bad))


def test_a_missing_file_is_refused_in_chinese(separable, tmp_path):
    train, _ = separable
    with pytest.raises(CommandError, match="找不到文件"):
        run("--train", str(train), "--test", str(tmp_path / "nowhere.csv"))


def test_training_on_a_single_label_is_refused(tmp_path):
    train = write_orders(
        tmp_path / "one.csv", [("1", "物业乱收费", "", "城乡建设"), ("2", "物业不作为", "", "城乡建设")]
    )
    with pytest.raises(CommandError, match="两个类别"):
        run("--train", str(train), "--test", str(train))


def test_type_target_trains_on_the_labels_joined_with_the_message_files(tmp_path):
    """A fake data directory holding a synthetic text for every labelled id stands in for the shared files."""
    labels = read_type_labels()
    samples = {
        "咨询": "请问社保卡怎么补办",
        "求助": "家中老人生病无人照顾恳请帮助",
        "投诉": "投诉小区物业乱收费",
        "举报": "举报工厂夜间偷排污水",
        "建议": "建议增开公交线路",
        "表扬": "感谢社区工作人员热心帮忙",
    }
    by_file: dict[str, list[tuple[str, str]]] = {}
    for i, row in enumerate(labels):
        by_file.setdefault(row["file"], []).append((row["id"], f"{samples[row['type']]}{i % 7}"))
    for name, items in by_file.items():
        if name == "train.csv":
            write_orders(tmp_path / name, [(i, "", t, "x") for i, t in items])
        else:
            write_orders(tmp_path / name, [(i, "", t) for i, t in items], header=("留言编号", "留言主题", "留言详情"))
    test = write_orders(tmp_path / "test.csv", [(str(i), s, "", t) for i, (t, s) in enumerate(samples.items())])
    last = run("--target", "type", "--test", str(test), "--data-dir", str(tmp_path)).splitlines()[-1]
    assert last.startswith("macro_f1=1.000 accuracy=1.000 ")


def test_type_target_without_the_message_files_is_refused_in_chinese(tmp_path, separable):
    _, test = separable
    with pytest.raises(CommandError, match="找不到留言文件"):
        run("--target", "type", "--test", str(test), "--data-dir", str(tmp_path))


def test_the_repository_keeps_at_least_300_type_labels_and_no_texts():
    labels = read_type_labels()
    assert len(labels) >= 300
    assert {row["type"] for row in labels} == set(APPEAL_TYPES)
    assert TYPE_LABELS_PATH.read_text(encoding="utf-8").splitlines()[0] == "file,id,type,sample"
