"""Broken business rules become the hub errors callers see; the clock gives aware UTC datetimes."""
from datetime import datetime, timedelta, timezone

import pytest

from hubkit.clock import aware, utcnow
from hubkit.errors import Conflict, InvalidInput, PermissionDenied
from hubkit.rules import FieldChecks, rules_as_errors


class RuleBroken(Exception):
    def __init__(self, message, field=None, code="RULE_BROKEN"):
        super().__init__(message)
        self.message, self.field, self.code = message, field, code


class NotAllowed(RuleBroken):
    pass


def test_a_rule_broken_by_the_input_is_a_validation_error_on_its_field():
    with pytest.raises(InvalidInput) as caught, rules_as_errors(RuleBroken):
        raise RuleBroken("Trop court.", "title")
    assert caught.value.details == {"title": ["Trop court."]}
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_rule_without_a_field_is_reported_on_the_whole_form():
    with pytest.raises(InvalidInput) as caught, rules_as_errors(RuleBroken):
        raise RuleBroken("Incohérent.")
    assert caught.value.details == {"_schema": ["Incohérent."]}


def test_any_other_code_is_a_conflict_with_that_code():
    with pytest.raises(Conflict) as caught, rules_as_errors(RuleBroken):
        raise RuleBroken("Déjà clôturée.", code="ALREADY_CLOSED")
    assert (caught.value.code, caught.value.message) == ("ALREADY_CLOSED", "Déjà clôturée.")
    assert caught.value.details == {"_schema": ["Déjà clôturée."]}


def test_a_refusal_is_permission_denied_only_where_the_service_names_its_refusal_type():
    with pytest.raises(PermissionDenied) as caught, rules_as_errors(RuleBroken, refusal_type=NotAllowed):
        raise NotAllowed("Réservé aux agents.", code="FORBIDDEN")
    assert caught.value.code == "FORBIDDEN" and caught.value.details == {"_schema": ["Réservé aux agents."]}
    with pytest.raises(InvalidInput), rules_as_errors(RuleBroken):
        raise NotAllowed("Réservé aux agents.")


def test_other_exceptions_pass_through_untouched():
    with pytest.raises(KeyError), rules_as_errors(RuleBroken):
        raise KeyError("x")


def test_field_checks_report_every_broken_rule_at_once():
    def at_least(n, text):
        if len(text) < n:
            raise RuleBroken(f"Au moins {n} caractères.", "title")
        return text.strip()

    def agreed(value):
        if not value:
            raise RuleBroken("Acceptez la charte.")

    check = FieldChecks(RuleBroken)
    assert check(at_least, 2, " ok ") == "ok"
    assert check(at_least, 5, "no") is None
    assert check(at_least, 9, "non plus") is None
    check(agreed, False)
    with pytest.raises(InvalidInput) as caught:
        check.raise_if_broken()
    assert caught.value.details == {"title": ["Au moins 5 caractères.", "Au moins 9 caractères."],
                                    "_schema": ["Acceptez la charte."]}


def test_field_checks_without_a_broken_rule_raise_nothing_and_let_other_errors_through():
    check = FieldChecks(RuleBroken)
    check(len, "texte")
    check.raise_if_broken()
    with pytest.raises(ZeroDivisionError):
        check(lambda: 1 / 0)


def test_the_clock_is_aware_utc_and_naive_stored_datetimes_are_read_as_utc():
    now = utcnow()
    assert now.tzinfo is timezone.utc
    assert aware(datetime(2026, 5, 1, 12, 0)) == datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)
    paris = timezone(timedelta(hours=2))
    assert aware(datetime(2026, 5, 1, 12, 0, tzinfo=paris)).tzinfo is paris
    assert aware(None) is None
