"""Live suggestions for the order being recorded (智能建议): category, appeal type and urgency from its text.

All come from the active versions of the hotline's own classifiers (`rexian train`); with no active model a
kind has no suggestions and the pages and API simply show none. Only labels still in the catalogue
(active categories and appeal types, the urgencies) are offered, and only with a confidence of at least
MIN_CONFIDENCE.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rexian.catalog.models import AppealType, Category, Urgency, localized_name
from rexian.intelligence import registry
from rexian.intelligence.models import ModelKind, TrainedModel
from rexian.intelligence.text import order_text

MIN_TEXT = 4  # characters: shorter text says nothing a classifier could use
MIN_CONFIDENCE = 0.05  # a label the model all but rules out is noise beside the others, not a suggestion


@dataclass(frozen=True)
class LabelSuggestion:
    pk: int  # of the Category, AppealType or Urgency
    code: str
    name: str
    confidence: float
    name_en: str = ""  # an appeal type's or urgency's English name (英文名称); categories have none

    @property
    def label(self) -> str:
        """The name to show in the console, in the active language (`catalog.models.localized_name`)."""
        return localized_name(self.name, self.name_en)


@dataclass(frozen=True)
class TextSuggestions:
    categories: list[LabelSuggestion] = field(default_factory=list)
    appeal_types: list[LabelSuggestion] = field(default_factory=list)
    urgencies: list[LabelSuggestion] = field(default_factory=list)
    models: dict[str, TrainedModel] = field(default_factory=dict)  # the version behind each kind shown
    # Whether the likeliest urgency is above the least urgent one: the intake page then flags it (可能紧急);
    # "ordinary" is what nearly every order is, and saying so on every call would be noise.
    urgent: bool = False

    def top(self, kind: str) -> LabelSuggestion | None:
        found = {
            ModelKind.CATEGORY: self.categories, ModelKind.APPEAL_TYPE: self.appeal_types,
            ModelKind.URGENCY: self.urgencies,
        }[kind]
        return found[0] if found else None


def _ranked(model, text: str, k: int, names) -> list[LabelSuggestion]:
    """The model's best labels that `names(codes)` (code → (pk, name, English name) of what is still active) knows,
    best first."""
    ranked = model.suggest(text, k=k + 3)  # a few spare, in case a label has left the catalogue
    known = names([item.label for item in ranked])
    suggestions = []
    for item in ranked:
        if item.label in known and item.confidence >= MIN_CONFIDENCE:
            pk, name, name_en = known[item.label]
            suggestions.append(LabelSuggestion(pk, item.label, name, round(float(item.confidence), 4), name_en))
    return suggestions[:k]


def _category_names(codes: list[str]) -> dict[str, tuple[int, str, str]]:
    found = Category.objects.filter(code__in=codes, is_active=True).select_related("parent__parent")
    return {category.code: (category.pk, category.full_name, "") for category in found}


def _code_names(queryset):
    """code → (pk, name, English name) of the records of `queryset` that the model named (its codes)."""

    def names(codes: list[str]) -> dict[str, tuple[int, str, str]]:
        found = queryset.filter(code__in=codes).values_list("code", "pk", "name", "name_en")
        return {code: (pk, name, name_en) for code, pk, name, name_en in found}

    return names


NAMES = {
    ModelKind.CATEGORY: _category_names,
    ModelKind.APPEAL_TYPE: _code_names(AppealType.objects.filter(is_active=True)),
    ModelKind.URGENCY: _code_names(Urgency.objects.all()),
}


def _above_least_urgent(suggested: list[LabelSuggestion]) -> bool:
    if not suggested:
        return False
    least = Urgency.objects.order_by("rank", "pk").values_list("pk", flat=True).first()
    return suggested[0].pk != least


def text_suggestions(title: str | None, description: str | None, *, k: int = 3) -> TextSuggestions:
    """The `k` likeliest categories, appeal types and urgencies for an order's title and description, best first."""
    text = order_text(title, description)
    if len(text) < MIN_TEXT:
        return TextSuggestions()
    found: dict[str, list[LabelSuggestion]] = {}
    models: dict[str, TrainedModel] = {}
    for kind, names in NAMES.items():
        record, model = registry.active_model(kind)
        if model is not None:
            found[kind] = _ranked(model, text, k, names)
            models[kind] = record
    urgencies = found.get(ModelKind.URGENCY, [])
    return TextSuggestions(
        found.get(ModelKind.CATEGORY, []), found.get(ModelKind.APPEAL_TYPE, []), urgencies, models,
        urgent=_above_least_urgent(urgencies),
    )
