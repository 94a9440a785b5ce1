import datetime

import pytest

from app.applications.rules.description import describe
from app.applications.rules.evaluation import evaluate
from app.applications.rules.kinds import RULE_KINDS, Facts, RuleError
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


# ---------------------------------------------------------------- U-LEAD round 4


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


# ---------------------------------------------------------------- leaves


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


# ---------------------------------------------------------------- combinators


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


# ---------------------------------------------------------------- validation


def rule_error(tree, **kwargs) -> str:
    with pytest.raises(RuleError) as caught:
        validate_rules(tree, **kwargs)
    err = caught.value
    assert str(err) == f"{err.path}: {err.message}"
    assert err.message_uk
    return str(err)


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


# ---------------------------------------------------------------- describe


def test_describe_round_4_in_english():
    assert describe(ULEAD_ROUND_4, "en") == [
        {
            "text": "All of the following:",
            "children": [
                {
                    "text": "At least one of the following:",
                    "children": [
                        {"text": "The hromada is amalgamated (on or before the deadline)", "children": []},
                        {"text": "Population at most 100,000", "children": []},
                    ],
                },
                {"text": "Documents required: council_decision, premises_plan", "children": []},
            ],
        }
    ]


def test_describe_round_4_in_ukrainian():
    [root] = describe(ULEAD_ROUND_4, "uk")
    assert root["text"] == "Усі наведені умови:"
    any_node, docs = root["children"]
    assert any_node["text"] == "Принаймні одна з умов:"
    assert any_node["children"][1] == {"text": f"Населення не більше 100{NBSP}000", "children": []}
    assert "об’єднаною" in any_node["children"][0]["text"]
    assert docs["text"] == "Потрібні документи: council_decision, premises_plan"


def test_describe_uses_labels_for_questions_and_documents():
    labels = {
        "premises_plan": {"uk": "План приміщення", "en": "Premises plan"},
        "staff": {"uk": "Кількість адміністраторів", "en": "Number of administrators"},
    }
    tree = {
        "all": [
            {"rule": "documents_required", "value": ["premises_plan"]},
            {"rule": "answer_min", "field": "staff", "value": 3},
        ]
    }
    [root] = describe(tree, "en", labels=labels)
    assert [c["text"] for c in root["children"]] == [
        "Documents required: Premises plan",
        "Answer to “Number of administrators” at least 3",
    ]
    [root] = describe(tree, "uk", labels=labels)
    assert [c["text"] for c in root["children"]] == [
        "Потрібні документи: План приміщення",
        "Відповідь на питання «Кількість адміністраторів» не менше 3",
    ]


def test_describe_not_reads_as_none_of_the_following():
    either = [{"rule": "oblast_in", "value": [KYIV_OBLAST]}, {"rule": "population_min", "value": 500000}]
    tree = {"not": {"any": either}}
    [root] = describe(tree, "en")
    assert root["text"] == "None of the following:"
    assert [c["text"] for c in root["children"]] == [
        f"The hromada is in one of: {KYIV_OBLAST}",
        "Population at least 500,000",
    ]
    [root] = describe({"not": {"rule": "not_previous_winner"}}, "uk")
    assert root == {
        "text": "Жодна з наведених умов:",
        "children": [{"text": "Громада не перемагала в попередніх раундах цієї програми", "children": []}],
    }


def test_describe_gives_non_empty_text_for_every_rule_kind_in_both_languages():
    tree = {
        "all": [
            {"rule": "population_min", "value": 5000},
            {"rule": "amalgamated", "as_of": "2018-01-01"},
            {"rule": "hromada_type_in", "value": ["urban", "settlement"]},
            {"rule": "oblast_not_in", "value": [KYIV_OBLAST]},
            {"rule": "answer_max", "field": "staff", "value": 2.5},
            {"rule": "answer_equals", "field": "premises_owned", "value": True},
        ]
    }
    en = [c["text"] for c in describe(tree, "en")[0]["children"]]
    uk = [c["text"] for c in describe(tree, "uk")[0]["children"]]
    assert en == [
        "Population at least 5,000",
        "The hromada is amalgamated on or before 2018-01-01",
        "Hromada type: urban or settlement",
        f"The hromada is not in: {KYIV_OBLAST}",
        "Answer to “staff” at most 2.5",
        "Answer to “premises_owned” is “yes”",
    ]
    assert uk == [
        f"Населення не менше 5{NBSP}000",
        "Громада є об’єднаною не пізніше 2018-01-01",
        "Тип громади: міська або селищна",
        f"Громада не з областей: {KYIV_OBLAST}",
        "Відповідь на питання «staff» не більше 2,5",
        "Відповідь на питання «premises_owned»: «так»",
    ]


def test_describe_refuses_an_unknown_locale():
    with pytest.raises(ValueError, match="locale"):
        describe(ULEAD_ROUND_4, "de")
