"""Numbers and dates of an article, for the curator to model (never asserted by the draft).

A number keeps its hedge ("over", "more than", "almost", "about", 超过, 近, 多) and what follows it
(a unit or the counted noun); a date keeps its wording and, when the words fix it, its value:
absolute dates as written, relative ones ("on Monday", "last year", 今年) resolved against the
publication date, as `docs/curation.md` asks.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

# The hedges the vocabulary has a qualifier for (sco:Qualifiers); others are kept as words.
QUALIFIERS = {
    "over": "sco:over", "more than": "sco:moreThan", "almost": "sco:almost", "nearly": "sco:almost",
    "超过": "sco:over", "逾": "sco:over", "多": "sco:moreThan", "余": "sco:moreThan", "近": "sco:almost",
    "将近": "sco:almost", "接近": "sco:almost",
}
_NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "fifty": 50, "hundred": 100,
}
_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "万": 10_000, "亿": 100_000_000}
_CHINESE_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


@dataclass(frozen=True)
class Quantity:
    start: int
    end: int
    quote: str
    value: int | float | None  # None when the words give no exact number ("dozens")
    hedge: str | None
    qualifier: str | None  # the sco:Qualifier of the hedge, if the vocabulary has one
    unit: str | None  # the unit or counted noun that follows


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    quote: str
    value: str | None  # "2023-08-20", "2023-08" or "2023"; None when the words fix no date
    datatype: str | None  # xsd:date, xsd:gYearMonth, xsd:gYear
    relative: bool


_EN_NUMBER = re.compile(
    r"(?<![\w.,-])(?:(?P<hedge>over|more than|almost|nearly|about|around|approximately|at least|up to|"
    r"less than|some)\s+)?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|"
    + "|".join(_NUMBER_WORDS) + r"|dozens|hundreds|thousands)"
    r"(?:\s+(?P<scale>thousand|million|billion))?(?![\w-])"
    r"(?:\s*(?P<unit>%|percent|per cent|[a-z][\w-]*))?",
    re.IGNORECASE,
)
_ZH_NUMBER = re.compile(
    r"(?P<hedge>超过|将近|接近|逾|近|约|多达)?(?P<num>\d+(?:\.\d+)?|[一二两三四五六七八九十百千]+)"
    r"(?P<more>多|余)?(?P<scale>万|亿)?"
    r"(?P<unit>%|个|项|名|颗|次|家|国|位|年|天|公里|千米|吨|架|艘|批|型|人)"
)

_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"]
_MONTH = "|".join(m.capitalize() for m in _MONTHS)
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_EN_DATE = re.compile(
    rf"(?P<mdy>(?P<m1>{_MONTH})\s+(?P<d1>\d{{1,2}}),?\s+(?P<y1>\d{{4}}))"
    rf"|(?P<dmy>(?P<d2>\d{{1,2}})\s+(?P<m2>{_MONTH})\s+(?P<y2>\d{{4}}))"
    rf"|(?P<iso>(?P<y3>\d{{4}})-(?P<m3>\d\d)-(?P<d3>\d\d))"
    rf"|(?P<my>(?P<m4>{_MONTH})\s+(?P<y4>\d{{4}}))"
    rf"|(?P<md>(?P<m5>{_MONTH})\s+(?P<d5>\d{{1,2}})(?!\d))"
    rf"|(?P<weekday>(?:on\s+|last\s+)?(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))"
    r"|(?P<rel>yesterday|today|(?:later\s+|earlier\s+|by\s+the\s+end\s+of\s+|at\s+the\s+end\s+of\s+)?"
    r"(?:this|last|next)\s+(?:year|month)|(?:in\s+)?the\s+(?:next|past|last|coming)\s+(?:\w+\s+)?(?:years?|months?))"
    r"|(?P<year>(?<![\w-])(?:19|20)\d\d(?![\w-]))",
)
_ZH_DATE = re.compile(
    r"(?P<ymd>(?P<y1>\d{4})年(?P<m1>\d{1,2})月(?P<d1>\d{1,2})日)"
    r"|(?P<ym>(?P<y2>\d{4})年(?P<m2>\d{1,2})月)"
    r"|(?P<md>(?P<m3>\d{1,2})月(?P<d3>\d{1,2})日)"
    r"|(?P<y>(?P<y4>\d{4})年)"
    r"|(?P<rel>今年|去年|明年|本月|上个月|下个月|今天|昨天|昨日|今日|(?:星期|周)[一二三四五六日天])"
)


def _chinese_number(text: str) -> int | None:
    """The value of a Chinese numeral up to the thousands (十二 12, 三百 300, 两千 2000)."""
    total, digit = 0, None
    for char in text:
        if char in _CHINESE_DIGITS:
            digit = _CHINESE_DIGITS[char]
        elif char in "十百千":
            total += (digit if digit is not None else 1) * {"十": 10, "百": 100, "千": 1000}[char]
            digit = None
        else:
            return None
    return total + (digit or 0)


def find_quantities(text: str, start: int, end: int, chinese: bool,
                    taken: list[tuple[int, int]]) -> list[Quantity]:
    """The numbers of text[start:end] that overlap no span of `taken` (dates, names), in order."""
    found: list[Quantity] = []
    pattern = _ZH_NUMBER if chinese else _EN_NUMBER
    for match in pattern.finditer(text, start, end):
        s, e = match.span()
        num_start, num_end = match.span("num")
        if any(num_start < te and num_end > ts for ts, te in taken):
            continue
        number = match.group("num")
        value: int | float | None
        if number[0].isdigit():
            cleaned = number.replace(",", "")
            value = float(cleaned) if "." in cleaned else int(cleaned)
        elif chinese:
            value = _chinese_number(number)
        else:
            value = _NUMBER_WORDS.get(number.lower())
        scale = match.group("scale")
        if value is not None and scale:
            value = value * _SCALES[scale.lower()]
            if isinstance(value, float) and value.is_integer():
                value = int(value)
        hedge = match.group("hedge")
        more = match.group("more") if chinese else None
        qualifier = QUALIFIERS.get(hedge.lower()) if hedge else None
        if qualifier is None and more:
            qualifier = QUALIFIERS[more]
        hedge = " ".join(w for w in (hedge, more) if w) or None
        unit = match.group("unit")
        found.append(Quantity(s, e, text[s:e], value, hedge, qualifier, unit))
    return found


def find_dates(text: str, start: int, end: int, chinese: bool, published: dt.date) -> list[DateMention]:
    """The dates of text[start:end], absolute or resolved against the publication date."""
    found: list[DateMention] = []
    for match in (_ZH_DATE if chinese else _EN_DATE).finditer(text, start, end):
        value, datatype, relative = (_zh_value if chinese else _en_value)(match, published)
        found.append(DateMention(match.start(), match.end(), match.group(), value, datatype, relative))
    return found


def _day(year: int, month: int, day: int) -> tuple[str | None, str | None]:
    try:
        return dt.date(year, month, day).isoformat(), "xsd:date"
    except ValueError:
        return None, None


def _last_weekday(published: dt.date, weekday: int) -> dt.date:
    """The latest day on or before the publication date that falls on `weekday` (0 is Monday)."""
    return published - dt.timedelta(days=(published.weekday() - weekday) % 7)


def _en_value(match: re.Match[str], published: dt.date) -> tuple[str | None, str | None, bool]:
    g = match.group
    if g("mdy"):
        return (*_day(int(g("y1")), _MONTHS.index(g("m1").lower()) + 1, int(g("d1"))), False)
    if g("dmy"):
        return (*_day(int(g("y2")), _MONTHS.index(g("m2").lower()) + 1, int(g("d2"))), False)
    if g("iso"):
        return (*_day(int(g("y3")), int(g("m3")), int(g("d3"))), False)
    if g("my"):
        return f"{int(g('y4')):04d}-{_MONTHS.index(g('m4').lower()) + 1:02d}", "xsd:gYearMonth", False
    if g("md"):
        return (*_day(published.year, _MONTHS.index(g("m5").lower()) + 1, int(g("d5"))), True)
    if g("weekday"):
        return _last_weekday(published, _WEEKDAYS.index(g("wd").lower())).isoformat(), "xsd:date", True
    if g("year"):
        return g("year"), "xsd:gYear", False
    words = " ".join(g("rel").lower().split())
    if words == "today":
        return published.isoformat(), "xsd:date", True
    if words == "yesterday":
        return (published - dt.timedelta(days=1)).isoformat(), "xsd:date", True
    shift = -1 if "last" in words.split()[-2:] else 1 if "next" in words.split()[-2:] else 0
    if words.endswith("this year") or words.endswith("last year") or words.endswith("next year"):
        if "end of" in words:
            return f"{published.year + shift}-12", "xsd:gYearMonth", True
        return str(published.year + shift), "xsd:gYear", True
    if words.endswith("month") and "next" not in words.split()[:-2]:
        month = published.month - 1 + shift
        return f"{published.year + month // 12}-{month % 12 + 1:02d}", "xsd:gYearMonth", True
    return None, None, True  # a period ("in the next three years"): the curator sets its ends


def _zh_value(match: re.Match[str], published: dt.date) -> tuple[str | None, str | None, bool]:
    g = match.group
    if g("ymd"):
        return (*_day(int(g("y1")), int(g("m1")), int(g("d1"))), False)
    if g("ym"):
        return f"{int(g('y2')):04d}-{int(g('m2')):02d}", "xsd:gYearMonth", False
    if g("md"):
        return (*_day(published.year, int(g("m3")), int(g("d3"))), True)
    if g("y"):
        return g("y4"), "xsd:gYear", False
    words = g("rel")
    years = {"今年": 0, "去年": -1, "明年": 1}
    if words in years:
        return str(published.year + years[words]), "xsd:gYear", True
    months = {"本月": 0, "上个月": -1, "下个月": 1}
    if words in months:
        month = published.month - 1 + months[words]
        return f"{published.year + month // 12}-{month % 12 + 1:02d}", "xsd:gYearMonth", True
    if words in ("今天", "今日"):
        return published.isoformat(), "xsd:date", True
    if words in ("昨天", "昨日"):
        return (published - dt.timedelta(days=1)).isoformat(), "xsd:date", True
    weekday = "一二三四五六日天".index(words[-1])
    return _last_weekday(published, min(weekday, 6)).isoformat(), "xsd:date", True
