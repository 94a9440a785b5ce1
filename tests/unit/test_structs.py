"""struct_from: an output Struct filled from a row or an object, field by field, with the caller's own values."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
import pytest

from app.platform.structs import struct_from


class PersonOut(msgspec.Struct):
    id: int
    name: str
    url: str


@dataclass
class Person:
    id: int
    name: str
    url: str
    secret: str = "never copied"


def test_a_row_fills_the_fields_by_name_and_its_other_keys_are_left_out():
    row = {"id": 7, "name": "Олена", "url": "/people/7", "password_hash": "x"}
    assert struct_from(PersonOut, row) == PersonOut(id=7, name="Олена", url="/people/7")


def test_an_object_fills_the_fields_from_its_attributes():
    assert struct_from(PersonOut, Person(id=3, name="Ivan", url="/p/3")) == PersonOut(id=3, name="Ivan", url="/p/3")


def test_the_callers_values_win_and_need_not_be_in_the_row():
    out = struct_from(PersonOut, {"id": 5, "name": "Ira"}, url="/documents/5")
    assert out == PersonOut(id=5, name="Ira", url="/documents/5")


def test_a_field_missing_from_the_row_and_not_given_is_an_error():
    with pytest.raises(KeyError):
        struct_from(PersonOut, {"id": 5, "name": "Ira"})
