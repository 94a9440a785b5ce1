"""Describing a rules tree in plain words for a round page."""

import pytest

from app.applications.rules.description import describe
from tests.unit.applications.rules.rule_facts import KYIV_OBLAST, NBSP, ULEAD_ROUND_4


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
