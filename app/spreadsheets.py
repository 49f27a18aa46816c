"""Cells for CSV and XLSX files the product writes: never a live formula.

OWASP's CSV-injection rule: a cell whose text starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return is prefixed with a single quote, so a spreadsheet program
shows it as text. Numbers, dates and booleans pass unchanged (they are data, not text).
Every CSV/XLSX writer (staff exports, transparency reports, import error reports)
passes its values through :func:`safe_cell` / :func:`safe_row`.
"""
import datetime
import decimal

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if type(value) is str:  # the common case first (a million-row export calls this 20 million times)
        if value and value[0] in "=+-@\t\r" and value not in ("-", "+"):
            return "'" + value
        return value
    if value is None:
        return ""
    if isinstance(value, (bool, int, float, decimal.Decimal, datetime.date, datetime.datetime)):
        return value
    text = str(value)
    if text in ("-", "+"):  # a lone dash ("no value") is not a formula
        return text
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def safe_row(values):
    return [safe_cell(v) for v in values]
