"""Identifiers with a fixed form: EDRPOU codes with their check digit, Prozorro tender ids."""

from app.procurement.codes import edrpou_check_digit, valid_edrpou, valid_prozorro_id


def test_edrpou_check_digits_of_real_codes():
    for code in ("00032129", "14360570", "00032106", "21560766"):
        assert valid_edrpou(code), code
    assert not valid_edrpou("14360571")
    assert not valid_edrpou("1436057")
    assert edrpou_check_digit("3099166") == 4


def test_prozorro_tender_ids_have_a_fixed_form():
    assert valid_prozorro_id("UA-2019-08-01-000123-a")
    for bad in ("UA-2019-8-01-000123-a", "UA-2019-02-30-000123-a", "ua-2019-08-01-000123-a", "UA-2019-08-01-123-a"):
        assert not valid_prozorro_id(bad), bad
