"""Formula cells neutralised in exported CSV text (OWASP CSV injection), everything else left as it was."""
import csv
import io
from decimal import Decimal

import pytest
from hubkit.exports import csv_text, spreadsheet_safe

FORMULAS = ['=HYPERLINK("http://evil","x")', "+1+1", "@SUM(A1)", "\t=1", "-2+3", "\r=1"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_quote(formula):
    assert spreadsheet_safe(formula) == "'" + formula


@pytest.mark.parametrize("text", ["Des fontaines au parc", "", "Budget 2026 = 3 M€", "l'été", " =1 après un espace"])
def test_other_text_is_unchanged(text):
    assert spreadsheet_safe(text) == text


@pytest.mark.parametrize("number", [-5, 0, 12, -2.5, Decimal("-3.10")])
def test_numbers_stay_numbers_even_negative(number):
    assert spreadsheet_safe(number) == number


def test_none_is_an_empty_cell_and_a_boolean_is_text():
    assert spreadsheet_safe(None) == "" and spreadsheet_safe(True) == "True"


def test_the_file_parses_back_to_the_neutralised_cells():
    content = csv_text(["titre", "cout"], [[formula, -5] for formula in FORMULAS] + [["Un banc; deux chaises", 3]])
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content[1:]), delimiter=";"))
    assert rows[0] == ["titre", "cout"]
    assert rows[1:] == [["'" + formula, "-5"] for formula in FORMULAS] + [["Un banc; deux chaises", "3"]]


def test_a_header_is_neutralised_too_and_the_options_are_kept():
    content = csv_text(["=a", "b"], [], delimiter=",", lineterminator="\n", bom=False)
    assert content == "'=a,b\n"
