from __future__ import annotations

from rexian.privacy.models import PersonalDataAccess


def personal_data_access_log(*, user, subject_type: str, subject_id: str, fields: list[str], purpose: str = "") -> None:
    """Record that `user` has been shown the unmasked `fields` of a subject (an order, a caller)."""
    if not fields:
        return
    PersonalDataAccess.objects.create(
        user=user, subject_type=subject_type, subject_id=str(subject_id), fields=",".join(sorted(fields)), purpose=purpose
    )
