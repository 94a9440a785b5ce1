"""Validating a rules tree: the first bad node named by its path, in both languages."""

import pytest

from app.applications.rules.description import describe
from app.applications.rules.evaluation import evaluate
from app.applications.rules.kinds import RuleError
from app.applications.rules.validation import validate_rules
from tests.unit.applications.rules.rule_facts import ULEAD_ROUND_4, check, facts, rule_error


def test_valid_round_4_rules_pass_validation():
    validate_rules(
        ULEAD_ROUND_4,
        question_keys={"staff"},
        document_kinds={"council_decision", "premises_plan", "photos"},
    )


def test_wrong_value_type_deep_in_the_tree_names_the_exact_path():
    tree = {"all": [{"any": [{"rule": "amalgamated"}, {"rule": "population_max", "value": "big"}]}]}
    assert rule_error(tree) == "all[0].any[1]: population_max needs an integer value"


def test_population_value_must_not_be_a_bool_or_negative():
    assert rule_error({"rule": "population_min", "value": True}) == "rules: population_min needs an integer value"
    negative = rule_error({"rule": "population_min", "value": -1})
    assert negative == "rules: population_min needs a non-negative integer value"
    assert rule_error({"rule": "population_min", "value": 5.5}) == "rules: population_min needs an integer value"


def test_unknown_rule_kind_is_refused():
    message = rule_error({"all": [{"rule": "population_max", "value": 1}, {"rule": "vibes"}]})
    assert message.startswith("all[1]: unknown rule kind 'vibes'")


def test_empty_all_and_any_are_refused():
    assert rule_error({"all": []}) == "rules: all needs a non-empty list of rules"
    assert rule_error({"all": [{"any": []}]}) == "all[0]: any needs a non-empty list of rules"
    assert rule_error({"any": {"rule": "amalgamated"}}) == "rules: any needs a non-empty list of rules"


def test_unknown_question_field_is_refused_when_question_keys_are_given():
    tree = {"not": {"rule": "answer_min", "field": "staf", "value": 2}}
    validate_rules(tree)
    assert rule_error(tree, question_keys={"staff"}) == "not: answer_min refers to unknown question 'staf'"


def test_unknown_document_kind_is_refused_when_document_kinds_are_given():
    tree = {"rule": "documents_required", "value": ["council_decision", "passport"]}
    validate_rules(tree)
    message = rule_error(tree, document_kinds={"council_decision"})
    assert message == "rules: documents_required names unknown document kind 'passport'"


def test_extra_keys_in_a_leaf_or_a_combinator_are_refused():
    assert rule_error({"rule": "amalgamated", "value": 1}).startswith("rules: unknown key 'value' in amalgamated")
    assert rule_error({"all": [{"rule": "amalgamated"}], "note": "x"}) == "rules: unknown key 'note' next to all"
    assert rule_error({"any": [{"not": {"rule": "amalgamated"}, "why": 1}]}) == "any[0]: unknown key 'why' next to not"


def test_a_node_with_two_combinators_or_none_is_refused():
    message = rule_error({"all": [{"rule": "amalgamated"}], "rule": "amalgamated"})
    assert message.startswith("rules: a rule must have only one of all, any, not or rule")
    assert rule_error({"value": 3}) == "rules: a rule needs exactly one of all, any, not or rule"


def test_a_node_that_is_not_an_object_is_refused():
    assert rule_error(["amalgamated"]).startswith("rules: a rule must be an object")
    assert rule_error({"all": [{"rule": "amalgamated"}, "amalgamated"]}).startswith("all[1]: a rule must be an object")
    assert rule_error(None).startswith("rules: a rule must be an object")


@pytest.mark.parametrize(
    ("leaf", "message"),
    [
        ({"rule": "hromada_type_in", "value": []}, "hromada_type_in needs a non-empty list of hromada types"),
        ({"rule": "hromada_type_in", "value": ["city"]}, "hromada_type_in: unknown hromada type 'city'"),
        ({"rule": "oblast_in", "value": "UA05000000000010236"}, "oblast_in needs a non-empty list"),
        ({"rule": "oblast_not_in", "value": ["UA0500"]}, "oblast_not_in: 'UA0500' is not a KATOTTG oblast code"),
        ({"rule": "oblast_in", "value": ["UA٠٥000000000010236"]}, "is not a KATOTTG oblast code"),
        ({"rule": "documents_required", "value": []}, "documents_required needs a non-empty list"),
        ({"rule": "documents_required", "value": [""]}, "documents_required needs a non-empty list"),
        ({"rule": "answer_min", "value": 3}, "answer_min needs a field"),
        ({"rule": "answer_max", "field": "staff", "value": "3"}, "answer_max needs a numeric value"),
        ({"rule": "answer_min", "field": "staff", "value": False}, "answer_min needs a numeric value"),
        ({"rule": "answer_min", "field": "staff", "value": float("nan")}, "answer_min needs a numeric value"),
        ({"rule": "answer_equals", "field": "staff"}, "answer_equals needs a value"),
        ({"rule": "answer_equals", "field": "staff", "value": None}, "answer_equals needs a value"),
        ({"rule": "answer_equals", "field": "staff", "value": [1]}, "answer_equals needs a value"),
        ({"rule": "amalgamated", "as_of": "30.06.2019"}, "amalgamated as_of must be a date written YYYY-MM-DD"),
        ({"rule": "amalgamated", "as_of": "2019-02-30"}, "amalgamated as_of must be a date written YYYY-MM-DD"),
        ({"rule": "not_previous_winner", "value": True}, "unknown key 'value' in not_previous_winner"),
    ],
)
def test_malformed_leaves_are_refused_with_a_message_naming_the_problem(leaf, message):
    assert message in rule_error({"all": [leaf]})
    assert rule_error({"all": [leaf]}).startswith("all[0]: ")


def test_first_bad_node_in_document_order_is_reported():
    tree = {"all": [{"any": [{"rule": "x"}]}, {"rule": "y"}]}
    assert rule_error(tree).startswith("all[0].any[0]: unknown rule kind 'x'")


def test_absurdly_deep_nesting_is_refused_not_crashed():
    tree: dict = {"rule": "amalgamated"}
    for _ in range(500):
        tree = {"not": tree}
    assert "nested too deeply" in rule_error(tree)


def test_evaluate_and_describe_refuse_malformed_trees():
    with pytest.raises(RuleError):
        evaluate({"all": []}, facts())
    with pytest.raises(RuleError):
        describe({"rule": "nope"}, "en")


def test_huge_integers_are_compared_not_crashed():
    rule = {"rule": "answer_max", "field": "budget", "value": 10**400}
    validate_rules(rule)
    assert check(rule, facts(answers={"budget": 10**401}))["passed"] is False


def test_rule_error_is_a_value_error():
    assert issubclass(RuleError, ValueError)
