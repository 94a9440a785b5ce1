"""Helpers of the tests beside it: rule facts."""

import datetime

import pytest

from app.applications.rules.evaluation import evaluate
from app.applications.rules.kinds import Facts, RuleError
from app.applications.rules.validation import validate_rules

NBSP = "\u00a0"


KYIV_OBLAST = "UA32000000000030281"


VINNYTSIA_OBLAST = "UA05000000000010236"


LVIV_OBLAST = "UA46000000000026241"


ULEAD_ROUND_4 = {
    "all": [
        {"any": [{"rule": "amalgamated"}, {"rule": "population_max", "value": 100000}]},
        {"rule": "documents_required", "value": ["council_decision", "premises_plan"]},
    ]
}


VINNYTSIA = {
    "code": "UA05020030000031457",
    "name": "Вінницька",
    "type": "urban",
    "oblast_code": VINNYTSIA_OBLAST,
    "population": 387439,
    "amalgamated_on": datetime.date(2018, 9, 20),
}


def hromada(**changes):
    return {**VINNYTSIA, **changes}


def facts(
    *,
    as_of=datetime.date(2019, 6, 30),
    answers=None,
    documents=("council_decision", "premises_plan"),
    previous_winner=False,
    **hromada_changes,
):
    return Facts(
        hromada=hromada(**hromada_changes),
        answers=answers or {},
        document_kinds=frozenset(documents),
        previous_winner=previous_winner,
        as_of=as_of,
    )


def check(rule, the_facts):
    """Evaluate a single leaf and return its one check."""
    result = evaluate(rule, the_facts)
    assert len(result["checks"]) == 1
    assert result["eligible"] is result["checks"][0]["passed"]
    return result["checks"][0]


def assert_full_reasons(result):
    for item in result["checks"]:
        assert item["reason"]["uk"].strip() and item["reason"]["en"].strip()
        assert item["reason"]["uk"] != item["reason"]["en"]
        assert item["reason"]["en"].endswith(".") and item["reason"]["uk"].endswith(".")


def rule_error(tree, **kwargs) -> str:
    with pytest.raises(RuleError) as caught:
        validate_rules(tree, **kwargs)
    err = caught.value
    assert str(err) == f"{err.path}: {err.message}"
    assert err.message_uk
    return str(err)
