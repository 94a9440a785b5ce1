"""Evaluating a rules tree: every leaf judged and explained in Ukrainian and English."""

import datetime

import pytest

from app.applications.rules.evaluation import evaluate
from app.applications.rules.kinds import RULE_KINDS
from tests.unit.applications.rules.rule_facts import (
    KYIV_OBLAST,
    LVIV_OBLAST,
    NBSP,
    ULEAD_ROUND_4,
    VINNYTSIA_OBLAST,
    assert_full_reasons,
    check,
    facts,
)


def test_vinnytsia_is_eligible_for_ulead_round_4_as_amalgamated_with_documents():
    result = evaluate(ULEAD_ROUND_4, facts())
    assert result["eligible"] is True
    assert [(c["rule"], c["path"], c["passed"]) for c in result["checks"]] == [
        ("amalgamated", "all[0].any[0]", True),
        ("population_max", "all[0].any[1]", False),
        ("documents_required", "all[1]", True),
    ]
    assert result["checks"][0]["reason"]["en"] == "The hromada was amalgamated on 2018-09-20, before 2019-06-30."
    assert result["checks"][1]["reason"]["en"] == "Population 387,439 is above the limit of 100,000."
    assert result["checks"][1]["reason"]["uk"] == f"Населення 387{NBSP}439 перевищує межу 100{NBSP}000."
    assert_full_reasons(result)


def test_vinnytsia_is_not_eligible_for_ulead_round_4_judged_before_its_amalgamation():
    result = evaluate(ULEAD_ROUND_4, facts(as_of=datetime.date(2018, 1, 1)))
    assert result["eligible"] is False
    amalgamated = result["checks"][0]
    assert amalgamated["passed"] is False
    assert "2018-09-20" in amalgamated["reason"]["en"] and "2018-01-01" in amalgamated["reason"]["en"]
    assert "2018-09-20" in amalgamated["reason"]["uk"]
    assert_full_reasons(result)


def test_vinnytsia_without_the_premises_plan_is_not_eligible_and_told_what_is_missing():
    result = evaluate(ULEAD_ROUND_4, facts(documents=["council_decision"]))
    assert result["eligible"] is False
    docs = result["checks"][2]
    assert docs["passed"] is False
    assert docs["reason"]["en"] == "Missing documents: premises_plan. Attach them to the application."
    assert "premises_plan" in docs["reason"]["uk"]


def test_hromada_formed_by_the_2020_reform_with_20000_residents_is_eligible_by_population():
    result = evaluate(ULEAD_ROUND_4, facts(population=20000, amalgamated_on=None, type="rural"))
    assert result["eligible"] is True
    assert [c["passed"] for c in result["checks"]] == [False, True, True]
    assert result["checks"][0]["reason"]["en"] == "The hromada was not an amalgamated hromada on 2019-06-30."
    assert result["checks"][1]["reason"]["en"] == "Population 20,000 is within the limit of 100,000."
    assert_full_reasons(result)


def test_hromada_formed_by_the_2020_reform_with_150000_residents_is_not_eligible():
    result = evaluate(ULEAD_ROUND_4, facts(population=150000, amalgamated_on=None))
    assert result["eligible"] is False
    assert [c["passed"] for c in result["checks"]] == [False, False, True]
    assert result["checks"][1]["reason"]["en"] == "Population 150,000 is above the limit of 100,000."


def test_every_leaf_is_checked_even_when_the_result_is_already_decided():
    tree = {"all": [{"rule": "population_max", "value": 10}, {"rule": "not_previous_winner"}, {"rule": "amalgamated"}]}
    result = evaluate(tree, facts())
    assert result["eligible"] is False
    assert [c["rule"] for c in result["checks"]] == ["population_max", "not_previous_winner", "amalgamated"]


def test_population_max_is_inclusive():
    assert check({"rule": "population_max", "value": 387439}, facts())["passed"] is True
    assert check({"rule": "population_max", "value": 387438}, facts())["passed"] is False


def test_population_min_passes_at_the_minimum_and_fails_below_with_numbers_in_the_reason():
    passing = check({"rule": "population_min", "value": 5000}, facts(population=5000))
    assert passing["passed"] is True
    assert passing["reason"]["en"] == "Population 5,000 meets the minimum of 5,000."
    failing = check({"rule": "population_min", "value": 5000}, facts(population=3200))
    assert failing["passed"] is False
    assert failing["reason"]["en"] == "Population 3,200 is below the minimum of 5,000."
    assert failing["reason"]["uk"] == f"Населення 3{NBSP}200 менше за мінімум 5{NBSP}000."


def test_population_rule_fails_with_a_reason_when_population_is_unknown():
    item = check({"rule": "population_min", "value": 5000}, facts(population=None))
    assert item["passed"] is False
    assert "not known" in item["reason"]["en"] and item["reason"]["uk"]


def test_amalgamated_passes_on_the_cut_off_date_itself():
    item = check({"rule": "amalgamated"}, facts(as_of=datetime.date(2018, 9, 20)))
    assert item["passed"] is True
    assert "2018-09-20" in item["reason"]["en"]


def test_amalgamated_fails_for_a_hromada_that_amalgamated_after_the_date():
    item = check({"rule": "amalgamated"}, facts(amalgamated_on=datetime.date(2020, 7, 17)))
    assert item["passed"] is False
    assert "2020-07-17" in item["reason"]["en"] and "2019-06-30" in item["reason"]["en"]
    assert "2020-07-17" in item["reason"]["uk"] and "2019-06-30" in item["reason"]["uk"]


def test_amalgamated_as_of_in_the_node_overrides_the_round_deadline():
    early = {"rule": "amalgamated", "as_of": "2018-01-01"}
    item = check(early, facts(as_of=datetime.date(2019, 6, 30)))
    assert item["passed"] is False
    assert "2018-01-01" in item["reason"]["en"]
    late = {"rule": "amalgamated", "as_of": "2019-01-01"}
    assert check(late, facts(as_of=datetime.date(2018, 1, 1)))["passed"] is True


def test_hromada_type_in_passes_for_a_listed_type_and_names_types_in_both_languages():
    item = check({"rule": "hromada_type_in", "value": ["urban", "rural"]}, facts(type="rural"))
    assert item["passed"] is True
    assert "rural" in item["reason"]["en"] and "сільська" in item["reason"]["uk"]


def test_hromada_type_in_fails_for_an_unlisted_type():
    item = check({"rule": "hromada_type_in", "value": ["rural"]}, facts(type="settlement"))
    assert item["passed"] is False
    assert "settlement" in item["reason"]["en"] and "селищна" in item["reason"]["uk"]


def test_oblast_in_passes_inside_and_fails_outside():
    assert check({"rule": "oblast_in", "value": [VINNYTSIA_OBLAST, KYIV_OBLAST]}, facts())["passed"] is True
    item = check({"rule": "oblast_in", "value": [KYIV_OBLAST]}, facts())
    assert item["passed"] is False
    assert VINNYTSIA_OBLAST in item["reason"]["en"] and KYIV_OBLAST in item["reason"]["en"]


def test_oblast_not_in_fails_for_an_excluded_oblast_and_passes_otherwise():
    assert check({"rule": "oblast_not_in", "value": [VINNYTSIA_OBLAST]}, facts())["passed"] is False
    assert check({"rule": "oblast_not_in", "value": [LVIV_OBLAST]}, facts())["passed"] is True


def test_oblast_reason_uses_labels_when_given():
    labels = {VINNYTSIA_OBLAST: {"uk": "Вінницька область", "en": "Vinnytsia Oblast"}}
    result = evaluate({"rule": "oblast_not_in", "value": [VINNYTSIA_OBLAST]}, facts(), labels=labels)
    assert "Vinnytsia Oblast" in result["checks"][0]["reason"]["en"]
    assert "Вінницька область" in result["checks"][0]["reason"]["uk"]


def test_not_previous_winner_passes_for_a_new_hromada_and_fails_for_an_earlier_winner():
    assert check({"rule": "not_previous_winner"}, facts(previous_winner=False))["passed"] is True
    item = check({"rule": "not_previous_winner"}, facts(previous_winner=True))
    assert item["passed"] is False
    assert "already won" in item["reason"]["en"]


@pytest.mark.parametrize(("answer", "passed"), [(20, True), (25.5, True), ("30", True), ("20,5", True), (19, False)])
def test_answer_min_compares_numbers_and_numeric_strings(answer, passed):
    rule = {"rule": "answer_min", "field": "co_financing_percent", "value": 20}
    assert check(rule, facts(answers={"co_financing_percent": answer}))["passed"] is passed


def test_answer_min_reason_shows_the_answer_and_the_minimum():
    rule = {"rule": "answer_min", "field": "co_financing_percent", "value": 20}
    item = check(rule, facts(answers={"co_financing_percent": "15"}))
    assert item["reason"]["en"] == "The answer to “co_financing_percent” is 15, below the minimum of 20."
    assert "«co_financing_percent»" in item["reason"]["uk"] and "15" in item["reason"]["uk"]


@pytest.mark.parametrize(("answer", "passed"), [(12, True), ("12", True), (12.0001, False), ("100", False)])
def test_answer_max_compares_numbers_and_numeric_strings(answer, passed):
    rule = {"rule": "answer_max", "field": "staff", "value": 12}
    assert check(rule, facts(answers={"staff": answer}))["passed"] is passed


@pytest.mark.parametrize("rule_kind", ["answer_min", "answer_max", "answer_equals"])
def test_missing_answer_fails_with_a_reason_saying_it_is_missing(rule_kind):
    rule = {"rule": rule_kind, "field": "staff", "value": 3}
    for answers in ({}, {"staff": None}, {"staff": "  "}):
        item = check(rule, facts(answers=answers))
        assert item["passed"] is False
        assert "missing" in item["reason"]["en"]
        assert "Немає відповіді" in item["reason"]["uk"]


def test_non_numeric_answer_fails_answer_min_with_a_reason():
    rule = {"rule": "answer_min", "field": "staff", "value": 3}
    for answer in ("many", True):
        item = check(rule, facts(answers={"staff": answer}))
        assert item["passed"] is False
        assert "not a number" in item["reason"]["en"]


def test_answer_equals_compares_strings_exactly():
    rule = {"rule": "answer_equals", "field": "asc_model", "value": "regular"}
    assert check(rule, facts(answers={"asc_model": "regular"}))["passed"] is True
    item = check(rule, facts(answers={"asc_model": "Regular"}))
    assert item["passed"] is False
    assert item["reason"]["en"] == "The answer to “asc_model” is “Regular”, but “regular” is required."


def test_answer_equals_compares_numbers_numerically():
    rule = {"rule": "answer_equals", "field": "windows", "value": 3}
    assert check(rule, facts(answers={"windows": 3.0}))["passed"] is True
    assert check(rule, facts(answers={"windows": "3"}))["passed"] is True
    assert check(rule, facts(answers={"windows": 4}))["passed"] is False


@pytest.mark.parametrize(
    ("answer", "passed"), [(True, True), ("yes", True), ("Так", True), ("no", False), (False, False), ("maybe", False)]
)
def test_answer_equals_true_accepts_yes_and_true(answer, passed):
    rule = {"rule": "answer_equals", "field": "premises_owned", "value": True}
    assert check(rule, facts(answers={"premises_owned": answer}))["passed"] is passed


def test_answer_equals_false_accepts_no():
    rule = {"rule": "answer_equals", "field": "is_new_asc", "value": False}
    item = check(rule, facts(answers={"is_new_asc": "no"}))
    assert item["passed"] is True
    assert "“no”" in item["reason"]["en"] and "«ні»" in item["reason"]["uk"]


def test_documents_required_passes_when_all_kinds_are_attached():
    item = check({"rule": "documents_required", "value": ["council_decision"]}, facts())
    assert item["passed"] is True


def test_documents_required_reason_names_every_missing_kind_with_labels():
    labels = {
        "council_decision": {"uk": "Рішення ради", "en": "Council decision"},
        "premises_plan": {"uk": "План приміщення", "en": "Premises plan"},
    }
    rule = {"rule": "documents_required", "value": ["council_decision", "premises_plan", "photos"]}
    result = evaluate(rule, facts(documents=["council_decision"]), labels=labels)
    item = result["checks"][0]
    assert item["passed"] is False
    assert item["reason"]["en"] == "Missing documents: Premises plan, photos. Attach them to the application."
    assert item["reason"]["uk"] == "Бракує документів: План приміщення, photos. Додайте їх до заявки."


def test_all_needs_every_child_to_pass():
    tree = {"all": [{"rule": "population_min", "value": 1}, {"rule": "not_previous_winner"}]}
    assert evaluate(tree, facts())["eligible"] is True
    assert evaluate(tree, facts(previous_winner=True))["eligible"] is False


def test_any_needs_one_child_to_pass():
    tree = {"any": [{"rule": "population_max", "value": 1}, {"rule": "not_previous_winner"}]}
    assert evaluate(tree, facts())["eligible"] is True
    assert evaluate(tree, facts(previous_winner=True))["eligible"] is False


def test_not_negates_the_result_but_the_leaf_reports_itself():
    tree = {"not": {"rule": "oblast_in", "value": [VINNYTSIA_OBLAST]}}
    result = evaluate(tree, facts())
    assert result["eligible"] is False
    assert result["checks"] == [
        {
            "rule": "oblast_in",
            "path": "not",
            "passed": True,
            "reason": result["checks"][0]["reason"],
        }
    ]
    assert "among the oblasts admitted" in result["checks"][0]["reason"]["en"]
    assert evaluate(tree, facts(oblast_code=LVIV_OBLAST))["eligible"] is True


def test_nested_combinators_follow_all_any_not_semantics_and_paths():
    tree = {
        "all": [
            {"any": [{"rule": "hromada_type_in", "value": ["rural"]}, {"not": {"rule": "amalgamated"}}]},
            {"not": {"any": [{"rule": "not_previous_winner"}, {"rule": "population_min", "value": 10**6}]}},
        ]
    }
    result = evaluate(tree, facts(previous_winner=True))
    paths = [c["path"] for c in result["checks"]]
    assert paths == ["all[0].any[0]", "all[0].any[1].not", "all[1].not.any[0]", "all[1].not.any[1]"]
    # urban and amalgamated: all[0] fails
    assert result["eligible"] is False
    assert evaluate(tree, facts(type="rural", previous_winner=True))["eligible"] is True
    # not a previous winner makes the inner any pass, so the not fails
    assert evaluate(tree, facts(type="rural", previous_winner=False))["eligible"] is False


def test_a_single_leaf_at_the_root_has_path_rules():
    assert evaluate({"rule": "not_previous_winner"}, facts())["checks"][0]["path"] == "rules"


def test_every_rule_kind_gives_reasons_in_both_languages_when_passing_and_failing():
    leaves = {
        "population_min": {"value": 1000},
        "population_max": {"value": 100000},
        "amalgamated": {},
        "hromada_type_in": {"value": ["urban"]},
        "oblast_in": {"value": [VINNYTSIA_OBLAST]},
        "oblast_not_in": {"value": [KYIV_OBLAST]},
        "not_previous_winner": {},
        "answer_min": {"field": "staff", "value": 3},
        "answer_max": {"field": "staff", "value": 3},
        "answer_equals": {"field": "staff", "value": 3},
        "documents_required": {"value": ["council_decision"]},
    }
    assert set(leaves) == set(RULE_KINDS)
    tree = {"all": [{"rule": kind, **extra} for kind, extra in leaves.items()]}
    for the_facts in (
        facts(answers={"staff": 3}),
        facts(answers={"staff": 9}, previous_winner=True, documents=[], population=5, amalgamated_on=None),
        facts(answers={}, oblast_code=KYIV_OBLAST),
    ):
        result = evaluate(tree, the_facts)
        assert len(result["checks"]) == len(RULE_KINDS)
        assert_full_reasons(result)
