"""json_column (app/platform/db.py): a JSON column's value as the app reads it, whichever decoder takes it."""

import math

from app.platform.db import json_column


def test_text_is_decoded_and_values_already_decoded_pass_through():
    assert json_column('{"requested_amount": 1500000, "name": "Ірпінь", "ok": true, "x": null}') == {
        "requested_amount": 1500000,
        "name": "Ірпінь",
        "ok": True,
        "x": None,
    }
    decoded = {"a": [1, 2.5]}
    assert json_column(decoded) is decoded
    assert json_column(None) is None


def test_text_that_only_the_standard_library_reads_still_reads():
    # json.dumps writes NaN for a float nan; msgspec refuses it, and the value must not be lost.
    value = json_column('{"score": NaN}')
    assert math.isnan(value["score"])
