"""Serializer fields that take JSON as typed: a title must be a string, a version an integer.

DRF's own fields coerce (`"3"` passes as 3, `12` as the title "12"); a client
that sends the wrong type has a bug, and the OpenAPI document promises the
types, so request bodies use these strict variants. Query parameters arrive
as strings and keep DRF's ordinary fields.
"""

from __future__ import annotations

import datetime as dt
import decimal

from rest_framework import serializers

from rexian.core.dates import FIRST_DAY, LAST_DAY, day_in_range, out_of_range_message

# Dates outside these years are typing mistakes, and some of them cannot even be stored as UTC (the console's
# bounds: rexian.core.dates).
MIN_YEAR, MAX_YEAR = FIRST_DAY.year, LAST_DAY.year


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        # A NUL or a lone surrogate can name no record, and PostgreSQL refuses to even compare them.
        if not isinstance(data, str) or "\x00" in data or any(0xD800 <= ord(c) <= 0xDFFF for c in data):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if not _is_int(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictDecimalField(serializers.DecimalField):
    """A JSON number kept as a Decimal, rounded to the places stored (a GPS reading has more)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("coerce_to_string", False)
        kwargs.setdefault("rounding", decimal.ROUND_HALF_EVEN)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not (_is_int(data) or isinstance(data, float)):
            self.fail("invalid")
        return super().to_internal_value(data)

    def validate_precision(self, value):
        if self.decimal_places is not None:
            try:
                value = value.quantize(decimal.Decimal(1).scaleb(-self.decimal_places), rounding=self.rounding)
            except decimal.InvalidOperation:  # far too many digits to round at all
                self.fail("max_digits", max_digits=self.max_digits)
        return super().validate_precision(value)


class StrictDateTimeField(serializers.DateTimeField):
    def to_internal_value(self, value):
        if not isinstance(value, str):
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]")
        result = super().to_internal_value(value)
        if not MIN_YEAR <= result.year <= MAX_YEAR:
            self.fail("overflow")
        return result


class BoundedDateField(serializers.DateField):
    """A date in a query parameter, between rexian.core.dates' FIRST_DAY and LAST_DAY (which convert safely to UTC)."""

    def to_internal_value(self, value):
        result = super().to_internal_value(value)
        if isinstance(result, dt.date) and not day_in_range(result):
            # Well formed, so not DRF's "invalid" (which names the format): say what the range is.
            raise serializers.ValidationError(out_of_range_message(), code="out_of_range")
        return result


class CodeField(serializers.SlugRelatedField):
    """A master-data record (unit, category, channel …) named by its code."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        # A NUL or a lone surrogate can name no record, and PostgreSQL refuses to even compare them.
        if not isinstance(data, str) or "\x00" in data or any(0xD800 <= ord(c) <= 0xDFFF for c in data):
            self.fail("invalid")
        return super().to_internal_value(data)
