#!/usr/bin/env python3
"""Write a synthetic spacecoop repository of a given size, for the build benchmark.

    .venv/bin/python scripts/bench/generate.py --triples 100000 --out /tmp/synth-100k [--seed 1]
    .venv/bin/spacecoop --root /tmp/synth-100k build

OUT receives a complete repository that `spacecoop build` accepts with no SHACL
violation and no evidence, quality or consistency error:

  ontology/, shapes/      copies of this project's vocabulary and shapes
  sources/sources.ttl     one sco:NewsArticle per document (date, language, file
                          name, SHA-256, body range), the news media and authors
  sources/{id}.txt        one synthetic news article per document
  instances/{id}.ttl      what that article says, with an evidence annotation
                          (quote and position selectors) for every instance

There is no tests/competency/ folder: the build reads zero questions then.

The data has the shape of the real instance files. Each article is written
sentence by sentence and every quoted span's code-point offsets are recorded as
it is appended, so every quote is at its offsets by construction; a quote that
occurs twice in its article gets oa:prefix and oa:suffix, as a curator would
add. Entities mentioned by several documents (countries, agencies, stations,
officials, astronauts, fields, ...) come from pools that grow with the square
root of the number of documents, and every document that mentions one describes
it with the identical type and labels. Agreements, missions, launches, payload
projects, counts, plans, statements and role assignments belong to one document.

Size: `--triples` is the number of distinct asserted triples (every instance
graph plus sources.ttl, duplicates across graphs counted once, as the build's
"asserted triples" counts them); the output is within a few hundred triples of
it. About 700 triples make one document.

Identifiers: source ids are `{NNNNNN}_{16 hex}` (six digits, so that a million
documents keep sorted file names); evidence annotations are
`id:evidence/{NNNNNN}-{nnn}`, the source id's whole number rather than its
first three digits (docs/curation.md), which would repeat after 1000 documents.
Instances of one document end their slug with its number, as in
`count/esa-cooperation-agreements-000123`.

The output depends on --seed and --triples only: the same arguments give
byte-identical files (random.Random(seed), no clock, ordered iteration).
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import re
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

MIN_TRIPLES = 1_000
MAX_TRIPLES = 200_000_000
TRIPLES_PER_DOCUMENT = (560, 840)  # the budget of one document is drawn from this range

ID = "https://w3id.org/spacecoop/id/"
TYPE_SEGMENTS = [
    "agency", "organization", "country", "place", "person", "role", "role-assignment", "station",
    "spacecraft", "sample", "programme", "mechanism", "mission", "payload-project", "event", "document",
    "agreement", "plan", "opportunity", "achievement", "statement", "service-usage", "count", "field",
    "kind", "evidence",
]
COMMON_PREFIXES = [
    ("sco", "https://w3id.org/spacecoop/ontology#"),
    ("oa", "http://www.w3.org/ns/oa#"),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("dcterms", "http://purl.org/dc/terms/"),
]
INSTANCE_PREFIXES = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in COMMON_PREFIXES) + "".join(
    f"@prefix {seg}: <{ID}{seg}/> .\n" for seg in TYPE_SEGMENTS
) + f"@prefix src: <{ID}source/> .\n"
SOURCES_PREFIXES = (
    "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in COMMON_PREFIXES if p in ("sco", "dcterms", "rdfs", "skos", "xsd"))
    + f"@prefix src: <{ID}source/> .\n@prefix organization: <{ID}organization/> .\n@prefix person: <{ID}person/> .\n"
)

# --- Words and names ---------------------------------------------------------

# English syllables with a Chinese transliteration, for invented places and people.
SYLLABLES = [
    ("ka", "卡"), ("ri", "里"), ("no", "诺"), ("va", "瓦"), ("lan", "兰"), ("mor", "莫"), ("te", "特"),
    ("si", "西"), ("bel", "贝"), ("do", "多"), ("ga", "加"), ("lu", "卢"), ("mi", "米"), ("na", "纳"),
    ("ro", "罗"), ("sa", "萨"), ("ti", "蒂"), ("ven", "文"), ("zor", "佐"), ("ar", "阿"), ("el", "埃"),
    ("os", "奥"), ("ner", "内"), ("tal", "塔"), ("quin", "昆"), ("dra", "德拉"), ("bru", "布鲁"),
    ("fen", "芬"), ("hal", "哈"), ("kor", "科"), ("pel", "佩"), ("sol", "索"), ("vi", "维"), ("ze", "泽"),
    ("mar", "马"), ("len", "伦"),
]
COUNTRY_ENDINGS = [("ia", "亚"), ("land", "兰"), ("stan", "斯坦"), ("ona", "奥纳"), ("ria", "里亚")]
SURNAMES = [
    ("Wang", "王"), ("Li", "李"), ("Zhang", "张"), ("Liu", "刘"), ("Chen", "陈"), ("Yang", "杨"),
    ("Zhao", "赵"), ("Huang", "黄"), ("Zhou", "周"), ("Wu", "吴"), ("Xu", "徐"), ("Sun", "孙"),
    ("Hu", "胡"), ("Zhu", "朱"), ("Gao", "高"), ("Lin", "林"), ("He", "何"), ("Guo", "郭"), ("Ma", "马"),
    ("Luo", "罗"), ("Liang", "梁"), ("Song", "宋"), ("Zheng", "郑"), ("Xie", "谢"), ("Han", "韩"),
    ("Tang", "唐"), ("Feng", "冯"), ("Deng", "邓"), ("Cao", "曹"), ("Peng", "彭"),
]
GIVEN = [
    ("wen", "文"), ("bin", "斌"), ("hong", "洪"), ("liang", "亮"), ("yan", "艳"), ("hua", "华"),
    ("jun", "军"), ("long", "龙"), ("guang", "光"), ("fu", "富"), ("ming", "明"), ("jie", "杰"),
    ("ting", "婷"), ("hao", "浩"), ("yu", "宇"), ("xin", "新"), ("feng", "峰"), ("lei", "磊"),
    ("qiang", "强"), ("jing", "静"), ("ping", "平"), ("tao", "涛"), ("yong", "勇"), ("dong", "东"),
    ("hai", "海"), ("chen", "晨"), ("rui", "瑞"), ("kai", "凯"), ("yue", "悦"), ("lan", "岚"),
]
# Words for stations, navigation systems, alliances and spacecraft series.
WORDS = [
    ("Aurora", "极光"), ("Horizon", "地平线"), ("Zenith", "天顶"), ("Polaris", "北极星"), ("Meridian", "子午"),
    ("Vega", "织女"), ("Altair", "牛郎"), ("Orion", "猎户"), ("Lyra", "天琴"), ("Cygnus", "天鹅"),
    ("Draco", "天龙"), ("Aquila", "天鹰"), ("Phoenix", "凤凰"), ("Pegasus", "飞马"), ("Sirius", "天狼"),
    ("Capella", "五车"), ("Andromeda", "仙女"), ("Corona", "日冕"), ("Nova", "新星"), ("Comet", "彗星"),
    ("Equinox", "春分"), ("Solstice", "夏至"), ("Halo", "光环"), ("Beacon", "灯塔"), ("Compass", "罗盘"),
    ("Harmony", "和谐"), ("Concord", "协和"), ("Pioneer", "先锋"), ("Voyager", "旅行者"), ("Atlas", "擎天"),
]
CHINESE_CREWED_SERIES = [
    ("Xingyun", "星云"), ("Tianlu", "天路"), ("Qingyun", "青云"), ("Feitian", "飞天"), ("Lingxiao", "凌霄"),
]
CHINESE_LUNAR_SERIES = [("Guanghan", "广寒"), ("Yuegong", "月宫"), ("Wangshu", "望舒"), ("Chanjuan", "婵娟")]

FIELDS = [
    ("manned spaceflight", "载人航天"), ("deep-space exploration", "深空探测"), ("space science", "空间科学"),
    ("space technology", "空间技术"), ("space applications", "空间应用"), ("satellite navigation", "卫星导航"),
    ("remote sensing", "遥感"), ("space life science", "空间生命科学"), ("microgravity physics", "微重力物理"),
    ("space medicine", "航天医学"), ("astronaut training", "航天员训练"), ("lunar exploration", "探月"),
    ("space debris mitigation", "空间碎片减缓"), ("Earth observation", "对地观测"),
    ("satellite communication", "卫星通信"), ("personnel and academic exchanges", "人员与学术交流"),
]
KINDS = [
    "country", "country or region", "international organization", "payload project", "experiment",
    "space cooperation agreement", "space professional", "scientific instrument", "scientific team",
    "delegation", "user", "scientific paper",
]
ROLES = [
    ("spokesperson", "发言人"), ("director", "主任"), ("deputy director", "副主任"),
    ("chief designer", "总设计师"), ("chief engineer", "总工程师"), ("minister", "部长"),
    ("commander", "指令长"),
]
OFFICIAL_ROLES = ["spokesperson", "director", "deputy director", "chief designer", "chief engineer"]
ACTIVITIES = [
    "jointly develop {k} scientific payloads", "exchange data from {k} Earth observation satellites",
    "train {k} young engineers", "build {k} ground stations", "hold {k} joint workshops",
    "fly {k} experiments on each other's missions",
]
APPLICATIONS = [
    "precision agriculture", "port logistics", "land surveying", "disaster relief", "urban traffic management",
    "fisheries",
]
TIMEFRAMES = ["later this year", "next year", "within two years", "by the end of {year}"]
STATEMENT_TEMPLATES = [
    ("International cooperation on {station} has entered a new stage with {k} partner institutions", "station"),
    ("We welcome partners from all countries to join {programme}, which already counts {k} participants", "programme"),
    ("The {k} experiments in {field} carried out so far show what open cooperation can achieve", "field"),
    ("Our {k} joint projects in {field} prove that space belongs to all humankind", "field"),
]
COMMITMENTS = [
    "open {k} more of its ground facilities to foreign partners",
    "share data from {k} more satellites with developing countries",
    "train {k} astronauts and engineers from partner countries",
]
FORUMS = [
    "International Space Cooperation Forum", "Lunar Science Symposium", "Space Station Users Conference",
    "Satellite Navigation Summit",
]
MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ZH_DIGITS = "零一二三四五六七八九"

FIRST_DAY = date(2012, 1, 1).toordinal()
LAST_DAY = date(2025, 12, 31).toordinal()


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def turtle_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def en(text: str) -> str:
    return turtle_string(text) + "@en"


def zh(text: str) -> str:
    return turtle_string(text) + "@zh"


def xsd_date(d: date) -> str:
    return f'"{d.isoformat()}"^^xsd:date'


def xsd_year(year: int) -> str:
    return f'"{year}"^^xsd:gYear'


def xsd_month(d: date) -> str:
    return f'"{d.year}-{d.month:02d}"^^xsd:gYearMonth'


def day_text(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def month_text(d: date) -> str:
    return f"{MONTHS[d.month - 1]} {d.year}"


def number_text(n: int) -> str:
    return f"{n:,}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def zh_number(n: int) -> str:
    """Chinese numerals for 1-9999 (as in 神舟二十号)."""
    if n < 10:
        return ZH_DIGITS[n]
    if n < 20:
        return "十" + (ZH_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return ZH_DIGITS[n // 10] + "十" + (ZH_DIGITS[n % 10] if n % 10 else "")
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if n < value:
            continue
        if digit == 0:
            zero = True
            continue
        if zero and out:
            out += "零"
        out += ZH_DIGITS[digit] + unit
        zero = False
    return out


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- Entities ----------------------------------------------------------------


class Entity:
    """One instance: its class, labels and properties, as one document describes it."""

    __slots__ = ("curie", "cls", "en", "zh", "ref", "short", "alts", "props", "deps", "shared", "country", "extra",
                 "_body")

    def __init__(self, curie: str, cls: str, label_en: str, label_zh: str | None = None,
                 *, ref: str | None = None, shared: bool = False) -> None:
        self.curie = curie
        self.cls = cls
        self.en = label_en
        self.zh = label_zh
        self.ref = label_en if ref is None else ref  # how the article's text names it
        self.short = curie.split(":", 1)[1]  # how other slugs name it
        self.alts: list[str] = []
        self.props: dict[str, list[str]] = {}
        self.deps: list[Entity] = []  # the entities it links to (each document describes them too)
        self.shared = shared
        self.country: Entity | None = None
        self.extra: dict[str, object] = {}
        self._body: tuple[str, int] | None = None

    def add(self, predicate: str, *objects: str) -> Entity:
        values = self.props.setdefault(predicate, [])
        for obj in objects:
            if obj not in values:
                values.append(obj)
        return self

    def link(self, predicate: str, *entities: Entity) -> Entity:
        self.add(predicate, *(e.curie for e in entities))
        for e in entities:
            if e not in self.deps:
                self.deps.append(e)
        return self

    def triples(self) -> int:
        """How many triples body() describes."""
        return 2 + (1 if self.zh else 0) + len(self.alts) + sum(len(v) for v in self.props.values())

    def body(self) -> tuple[str, int]:
        """The Turtle description without prov:wasDerivedFrom, and its number of triples."""
        if self._body is not None:
            return self._body
        labels = [en(self.en)] + ([zh(self.zh)] if self.zh else [])
        lines = [f"{self.curie} a {self.cls} ;", f"    rdfs:label {' , '.join(labels)} ;"]
        count = 1 + len(labels)
        if self.alts:
            lines.append(f"    skos:altLabel {' , '.join(self.alts)} ;")
            count += len(self.alts)
        for predicate, objects in self.props.items():
            lines.append(f"    {predicate} {' , '.join(objects)} ;")
            count += len(objects)
        result = ("\n".join(lines), count)
        if self.shared:  # a shared entity's description never changes: render it once
            self._body = result
        return result


class Pool:
    """A list of shared entities, some mentioned much more often than others."""

    def __init__(self, rng: random.Random, items: list[Entity], skew: float = 1.6) -> None:
        self.rng = rng
        self.items = items
        self.skew = skew

    def pick(self) -> Entity:
        return self.items[int(len(self.items) * self.rng.random() ** self.skew)]

    def pick_distinct(self, k: int, exclude: tuple[Entity, ...] = ()) -> list[Entity]:
        chosen: list[Entity] = []
        for _ in range(50 * k):
            e = self.pick()
            if e not in chosen and e not in exclude:
                chosen.append(e)
                if len(chosen) == k:
                    return chosen
        rest = [e for e in self.items if e not in chosen and e not in exclude]
        return chosen + self.rng.sample(rest, k - len(chosen))


class Names:
    """Invented names, English with a Chinese transliteration, never given twice."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.words = list(WORDS)
        self.word_index = 0

    def _fresh(self, make) -> tuple[str, str]:
        for attempt in range(200):
            english, chinese = make(attempt)
            if slugify(english) not in self.used:
                self.used.add(slugify(english))
                return english, chinese
        raise RuntimeError("the name space is exhausted")

    def _syllables(self, n: int) -> tuple[str, str]:
        parts = [self.rng.choice(SYLLABLES) for _ in range(n)]
        return "".join(p[0] for p in parts), "".join(p[1] for p in parts)

    def place(self, ending: tuple[str, str] | None = None) -> tuple[str, str]:
        def make(attempt: int) -> tuple[str, str]:
            e, c = self._syllables(2 if attempt < 100 else 3)
            if ending:
                e, c = e + ending[0], c + ending[1]
            return cap(e), c

        return self._fresh(make)

    def country(self) -> tuple[str, str]:
        return self.place(self.rng.choice(COUNTRY_ENDINGS))

    def chinese_person(self) -> tuple[str, str]:
        def make(attempt: int) -> tuple[str, str]:
            surname = self.rng.choice(SURNAMES)
            given = [self.rng.choice(GIVEN) for _ in range(1 if self.rng.random() < 0.2 else 2)]
            if attempt >= 100:
                given.append(self.rng.choice(GIVEN))
            return f"{surname[0]} {cap(''.join(g[0] for g in given))}", surname[1] + "".join(g[1] for g in given)

        return self._fresh(make)

    def foreign_person(self) -> tuple[str, str]:
        def make(attempt: int) -> tuple[str, str]:
            g_en, g_zh = self._syllables(2)
            f_en, f_zh = self._syllables(2 if attempt < 100 else 3)
            return f"{cap(g_en)} {cap(f_en)}", f"{g_zh}·{f_zh}"

        return self._fresh(make)

    def word(self) -> tuple[str, str]:
        def make(attempt: int) -> tuple[str, str]:
            i = self.word_index
            self.word_index += 1
            a = self.words[i % len(self.words)]
            if i < len(self.words):
                return a
            b = self.words[(i // len(self.words) + i) % len(self.words)]
            return f"{a[0]} {b[0]}", a[1] + b[1]

        return self._fresh(make)


# --- The shared world ----------------------------------------------------------


class World:
    """Every entity that more than one document may mention, built before the documents."""

    def __init__(self, rng: random.Random, documents: int) -> None:
        self.rng = rng
        self.names = Names(rng)
        self.described: set[str] = set()  # shared entities whose description a document already holds
        self.publishing: dict[str, tuple[str, str, str]] = {}  # media and authors of the articles so far
        s = math.sqrt(max(documents, 1))

        def shared(seg: str, slug: str, cls: str, label_en: str, label_zh: str | None = None, *,
                   ref: str | None = None, alts: tuple[str, ...] = (), country: Entity | None = None,
                   short: str | None = None) -> Entity:
            e = Entity(f"{seg}:{slug}", cls, label_en, label_zh, ref=ref, shared=True)
            e.short = short or slug
            e.alts = [en(a) for a in alts]
            if country is not None:
                e.country = country
                e.link("sco:country", country)
            return e

        self.fields = Pool(rng, [shared("field", slugify(e), "sco:Field", e, z) for e, z in FIELDS], skew=1.2)
        self.field = {f.en: f for f in self.fields.items}
        self.kinds = {k: shared("kind", slugify(k), "sco:CountedKind", k) for k in KINDS}
        self.roles = {r: shared("role", slugify(r), "sco:Role", r, z) for r, z in ROLES}
        self.moon = shared("place", "moon", "sco:CelestialBody", "Moon", "月球", ref="the Moon")

        # Countries: the registry's six, then invented ones. China comes first and is the most mentioned.
        real = [("china", "China", "中国", "Beijing", "北京"), ("russia", "Russia", "俄罗斯", "Moscow", "莫斯科"),
                ("france", "France", "法国", "Paris", "巴黎"), ("germany", "Germany", "德国", "Berlin", "柏林"),
                ("italy", "Italy", "意大利", "Rome", "罗马"),
                ("pakistan", "Pakistan", "巴基斯坦", "Islamabad", "伊斯兰堡")]
        countries: list[Entity] = []
        for slug, name, cname, city, ccity in real:
            c = shared("country", slug, "sco:Country", name, cname)
            self.names.used.update((slug, slugify(city)))
            c.extra["capital"] = shared("place", slugify(city), "sco:City", city, ccity, country=c)
            countries.append(c)
        for _ in range(3 + int(1.2 * s)):
            name, cname = self.names.country()
            c = shared("country", slugify(name), "sco:Country", name, cname)
            city, ccity = self.names.place()
            c.extra["capital"] = shared("place", slugify(city), "sco:City", city, ccity, country=c)
            countries.append(c)
        self.countries = Pool(rng, countries)
        self.china = countries[0]
        self.china.extra["launch sites"] = [
            shared("place", "jiuquan", "sco:City", "Jiuquan", "酒泉", country=self.china),
            shared("place", "wenchang", "sco:City", "Wenchang", "文昌", country=self.china),
        ]

        # Agencies (the registry's, then one per invented country), ministries, institutes, training centres.
        by = {c.curie: c for c in countries}
        cmsa = shared("agency", "cmsa", "sco:Agency", "China Manned Space Agency", "中国载人航天工程办公室",
                      ref="the China Manned Space Agency", alts=("CMSA",), country=self.china)
        cnsa = shared("agency", "cnsa", "sco:Agency", "China National Space Administration", "国家航天局",
                      ref="the China National Space Administration", alts=("CNSA",), country=self.china)
        esa = shared("agency", "esa", "sco:Agency", "European Space Agency", "欧洲空间局",
                     ref="the European Space Agency", alts=("ESA",))
        unoosa = shared("agency", "unoosa", "sco:Agency", "United Nations Office for Outer Space Affairs",
                        "联合国外层空间事务办公室", ref="the United Nations Office for Outer Space Affairs",
                        alts=("UNOOSA", "UN Office for Outer Space Affairs"))
        agencies = [cnsa, cmsa, esa, unoosa]
        for slug, adjective in (("russia", "russian"), ("france", "french"), ("germany", "german"),
                                ("italy", "italian"), ("pakistan", "pakistani")):
            c = by[f"country:{slug}"]
            a = shared("agency", f"{adjective}-space-agency", "sco:Agency", f"space agency of {c.en}",
                       ref=f"the space agency of {c.en}", country=c, short=f"{slug}-sa")
            agencies.append(a)
            c.extra["agency"] = a
        self.china.extra["agency"] = cnsa
        for c in countries[len(real):]:
            a = shared("agency", f"{slugify(c.en)}-space-agency", "sco:Agency", f"{c.en} Space Agency",
                       f"{c.zh}航天局", ref=f"the {c.en} Space Agency", alts=(c.en[0] + "SA",), country=c,
                       short=f"{slugify(c.en)}-sa")
            agencies.append(a)
            c.extra["agency"] = a
        self.agencies = Pool(rng, agencies, skew=1.4)
        ministries = []
        for c in countries:
            label = ("Ministry of Foreign Affairs of China" if c is self.china
                     else f"Ministry of Foreign Affairs of {c.en}")
            label_zh = "中华人民共和国外交部" if c is self.china else f"{c.zh}外交部"
            slug = "ministry-of-foreign-affairs" if c is self.china else slugify(label)
            m = shared("organization", slug, "sco:GovernmentBody", label, label_zh, ref=f"the {label}", country=c)
            c.extra["ministry"] = m
            ministries.append(m)
            institute = shared("organization", slugify(f"{c.en} Institute of Space Science"), "sco:Organization",
                               f"{c.en} Institute of Space Science", f"{c.zh}空间科学研究院",
                               ref=f"the {c.en} Institute of Space Science", country=c)
            institute.link("sco:subOrganizationOf", c.extra["agency"])  # type: ignore[arg-type]
            c.extra["institute"] = institute
            c.extra["training centre"] = shared(
                "organization", slugify(f"{c.en} Astronaut Training Centre"), "sco:TrainingCentre",
                f"{c.en} Astronaut Training Centre", f"{c.zh}航天员训练中心",
                ref=f"the {c.en} Astronaut Training Centre", country=c)
        self.ministries = Pool(rng, ministries)
        un = shared("organization", "united-nations", "sco:InternationalOrganization", "United Nations", "联合国",
                    ref="the United Nations", alts=("UN",), short="un")
        apsco = shared("organization", "apsco", "sco:InternationalOrganization",
                       "Asia-Pacific Space Cooperation Organization", "亚太空间合作组织",
                       ref="the Asia-Pacific Space Cooperation Organization", alts=("APSCO",))
        alliances = [un, apsco]
        for _ in range(1 + int(s / 6)):
            word, cword = self.names.word()
            alliances.append(shared("organization", slugify(f"{word} Space Cooperation Alliance"), "sco:Alliance",
                                    f"{word} Space Cooperation Alliance", f"{cword}空间合作联盟",
                                    ref=f"the {word} Space Cooperation Alliance", short=slugify(word)))
        self.organizations = Pool(rng, alliances)
        # Parties to agreements: the registry's countries and agencies first (the most often picked).
        self.parties = Pool(rng, countries[:8] + agencies[:10] + alliances[:3]
                            + countries[8:] + agencies[10:] + alliances[3:], skew=1.5)

        # Programmes.
        cmsp = shared("programme", "china-manned-space-program", "sco:Programme", "China manned space program",
                      "中国载人航天工程", ref="the China manned space program",
                      alts=("China manned space engineering program",), country=self.china)
        ilrs = shared("programme", "ilrs", "sco:LunarResearchStation", "International Lunar Research Station",
                      "国际月球科研站", ref="the International Lunar Research Station", alts=("ILRS",))
        beidou = shared("programme", "beidou", "sco:SatelliteNavigationSystem", "BeiDou Navigation Satellite System",
                        "北斗卫星导航系统", ref="the BeiDou Navigation Satellite System", alts=("BDS", "BeiDou"),
                        country=self.china)
        navigation = [beidou]
        for _ in range(int(s / 10)):
            word, cword = self.names.word()
            c = self.countries.pick()
            navigation.append(shared("programme", slugify(f"{word} Navigation Satellite System"),
                                     "sco:SatelliteNavigationSystem", f"{word} Navigation Satellite System",
                                     f"{cword}卫星导航系统", ref=f"the {word} Navigation Satellite System", country=c,
                                     short=slugify(word)))
        self.navigation = Pool(rng, navigation)
        programmes = [cmsp, ilrs]
        for c in countries[1: 2 + int(s / 4)]:
            programmes.append(shared("programme", slugify(f"{c.en} lunar exploration programme"), "sco:Programme",
                                     f"{c.en} lunar exploration programme", f"{c.zh}探月工程",
                                     ref=f"the {c.en} lunar exploration programme", country=c,
                                     short=f"{slugify(c.en)}-lunar"))
        self.programmes = Pool(rng, programmes, skew=1.3)

        # Stations and the spacecraft series that fly to them.
        tiangong = shared("station", "tiangong", "sco:SpaceStation", "Tiangong space station", "天宫空间站",
                          ref="the Tiangong space station",
                          alts=("China Space Station", "Chinese space station", "Tiangong"), country=self.china)
        tiangong.alts.insert(2, zh("中国空间站"))
        stations = [tiangong]
        for _ in range(int(s / 5)):
            word, cword = self.names.word()
            c = self.countries.pick()
            stations.append(shared("station", slugify(f"{word} space station"), "sco:SpaceStation",
                                   f"{word} space station", f"{cword}空间站", ref=f"the {word} space station",
                                   alts=(word,), country=c, short=slugify(word)))
        self.stations = Pool(rng, stations, skew=1.8)
        self.crewed_series: list[dict] = []
        for i in range(2 + int(s / 6)):
            if i < len(CHINESE_CREWED_SERIES):
                name, cname = CHINESE_CREWED_SERIES[i]
                c, station = self.china, tiangong
                sites = self.china.extra["launch sites"]
            else:
                name, cname = self.names.word()
                station = self.stations.pick()
                c = station.country or self.china
                sites = self.china.extra["launch sites"] if c is self.china else [c.extra["capital"]]
            self.crewed_series.append({"en": name, "zh": cname, "country": c, "station": station, "sites": sites,
                                       "next": 1})
        self.lunar_series: list[dict] = []
        for i in range(1 + int(s / 8)):
            if i < len(CHINESE_LUNAR_SERIES):
                name, cname = CHINESE_LUNAR_SERIES[i]
                c = self.china
            else:
                name, cname = self.names.word()
                c = self.countries.pick()
            self.lunar_series.append({"en": name, "zh": cname, "country": c, "agency": c.extra["agency"], "next": 1})

        # People: officials (each with one role in one organisation) and astronauts.
        officials = []
        for i in range(8 + int(2 * s)):
            c = self.china if i % 3 != 2 else self.countries.pick()
            name, cname = self.names.chinese_person() if c is self.china else self.names.foreign_person()
            p = shared("person", slugify(name), "sco:Person", name, cname)
            org = c.extra["ministry"] if rng.random() < 0.3 else c.extra["agency"]
            role = "spokesperson" if org is c.extra["ministry"] else rng.choice(OFFICIAL_ROLES)
            p.extra["post"] = (self.roles[role], org)
            officials.append(p)
        self.officials = Pool(rng, officials, skew=1.3)
        astronauts = []
        for i in range(12 + int(3 * s)):
            c = self.china if i % 2 == 0 else self.countries.pick()
            name, cname = self.names.chinese_person() if c is self.china else self.names.foreign_person()
            astronauts.append(shared("person", slugify(name), "sco:Astronaut", name, cname).link("sco:nationality", c))
        self.astronauts = Pool(rng, astronauts, skew=1.2)

        # Who publishes the articles (described in sources.ttl only).
        self.media = []
        for c in countries[: 4 + int(s / 4)]:
            self.media.append((f"organization:{slugify(c.en + ' Daily')}", f"{c.en} Daily", f"{c.zh}日报"))
        self.authors = []
        for _ in range(3 + int(s / 3)):
            name, cname = self.names.chinese_person()
            self.authors.append((f"person:{slugify(name)}", name, cname))


# --- One document ----------------------------------------------------------------


@dataclass
class Annotation:
    bodies: list[Entity]
    start: int
    end: int


class Document:
    """One article: its text with the offsets of every quote, and the instances it states."""

    def __init__(self, world: World, number: int, seed: int) -> None:
        self.world = world
        self.rng = world.rng
        self.number = number
        self.tag = f"{number:06d}"
        digest = hashlib.sha256(f"spacecoop-synthetic:{seed}:{number}".encode()).hexdigest()
        self.source_id = f"{self.tag}_{digest[:16]}"
        self.published = date.fromordinal(self.rng.randrange(FIRST_DAY, LAST_DAY + 1))
        self.entities: dict[str, Entity] = {}
        self.cited: set[str] = set()
        self.annotations: list[Annotation] = []
        self.slugs: set[str] = set()
        self.role_assignments: dict[tuple[str, str, str], Entity] = {}
        self.paragraphs: list[list[str]] = []
        self.length = 0  # code points of the body written so far
        self.headline: str | None = None

    # The text ---------------------------------------------------------------

    def paragraph(self) -> None:
        if self.paragraphs:
            self.length += 2  # "\n\n"
        self.paragraphs.append([])

    def say(self, *parts: str | list[str]) -> list[tuple[int, int]]:
        """Append one sentence; parts given as [text] are quotes, whose body offsets are returned."""
        current = self.paragraphs[-1]
        if current:
            current.append(" ")
            self.length += 1
        spans = []
        for part in parts:
            text = part[0] if isinstance(part, list) else part
            if isinstance(part, list):
                spans.append((self.length, self.length + len(text)))
            current.append(text)
            self.length += len(text)
        return spans

    # The instances ----------------------------------------------------------

    def use(self, e: Entity) -> Entity:
        if e.curie not in self.entities:
            self.entities[e.curie] = e
        for d in e.deps:
            if d.curie not in self.entities:
                self.use(d)
        return e

    def new(self, seg: str, description: str, cls: str, label_en: str, label_zh: str | None = None,
            *, slug: str | None = None) -> Entity:
        """An instance of this document only; its slug ends with the document's number unless given."""
        base = slug or f"{slugify(description)}-{self.tag}"
        candidate, n = base, 1
        while f"{seg}:{candidate}" in self.slugs:
            n += 1
            candidate = f"{base}-{n}"
        self.slugs.add(f"{seg}:{candidate}")
        return self.use(Entity(f"{seg}:{candidate}", cls, label_en, label_zh))

    def cite(self, span: tuple[int, int], *bodies: Entity) -> None:
        """An evidence annotation for the quote at `span`; entities linked from the bodies and not
        yet quoted in this document are its bodies too."""
        chosen: list[Entity] = []

        def add(e: Entity) -> None:
            if e not in chosen:
                chosen.append(e)
            for d in e.deps:
                if d.curie not in self.cited and d not in chosen:
                    add(d)

        for b in bodies:
            self.use(b)
            add(b)
        for b in chosen:
            self.use(b)
            self.cited.add(b.curie)
        self.annotations.append(Annotation(chosen, span[0], span[1]))

    def role_assignment(self, person: Entity, role: Entity, org: Entity) -> Entity:
        """The role a person holds in an organisation or mission as of the publication date (one per document)."""
        key = (person.curie, role.curie, org.curie)
        if key not in self.role_assignments:
            ra = self.new("role-assignment", f"{person.en} {org.short} {role.en}",
                          "sco:RoleAssignment", f"{person.en}, {role.en} of {org.ref}")
            ra.link("sco:holder", person).link("sco:role", role).link("sco:roleIn", org)
            ra.add("sco:asOf", xsd_date(self.published))
            self.role_assignments[key] = ra
        return self.role_assignments[key]

    def derived(self, e: Entity) -> Entity:
        return e.add("sco:asOf", xsd_date(self.published))

    # Writing ----------------------------------------------------------------

    def write(self, instances_dir: Path, sources_dir: Path, seed: int) -> tuple[int, str]:
        """Write the article and the instance file; returns (triples, sources.ttl entry)."""
        for e in list(self.entities.values()):
            for d in e.deps:
                self.use(d)
        missing = [c for c in self.entities if c not in self.cited]
        if missing:
            raise RuntimeError(f"{self.source_id}: no evidence for {missing}")

        title = self.headline or "International space cooperation"
        modified = (f"{self.published.isoformat()}T{self.rng.randrange(7, 22):02d}:"
                    f"{self.rng.randrange(60):02d}:{self.rng.randrange(60):02d}")
        header = f"{title}\n updatetime:{modified.replace('T', ' ')}   Views:{self.rng.randrange(1, 5000)}\n\n"
        body = "\n\n".join("".join(p) for p in self.paragraphs)
        assert len(body) == self.length
        editor = "".join(self.rng.choice("ABCDEFGHJKLMNPRSTWXYZ") for _ in range(3))
        text = f"{header}{body}\n\nWeb Editor: {editor}\n"
        offset = len(header)
        raw = text.encode("utf-8")
        (sources_dir / f"{self.source_id}.txt").write_bytes(raw)

        src = f"src:{self.source_id}"
        out = [
            f"# Synthetic document {self.tag} (scripts/bench/generate.py, seed {seed}): "
            f"\"{title}\", {self.published.isoformat()}.\n"
            f"# Loaded into the named graph https://w3id.org/spacecoop/graph/{self.source_id}.\n"
            f"# Evidence offsets are code-point offsets into sources/{self.source_id}.txt.\n\n",
            INSTANCE_PREFIXES,
            "\n",
        ]
        triples = 0
        described = self.world.described
        for e in self.entities.values():
            description, count = e.body()
            out.append(f"\n{description}\n    prov:wasDerivedFrom {src} .\n")
            if e.shared:
                if e.curie not in described:
                    described.add(e.curie)
                    triples += count
                triples += 1
            else:
                triples += count + 1
        out.append("\n# --- Evidence " + "-" * 64 + "\n")
        for i, a in enumerate(self.annotations, start=1):
            start, end = a.start + offset, a.end + offset
            exact = text[start:end]
            selector = f"[ a oa:TextQuoteSelector ; oa:exact {turtle_string(exact)}"
            triples += 12 + len(a.bodies)
            if body.count(exact) > 1:  # ambiguous: say what precedes and follows it
                prefix = text[max(offset, start - 32):start]
                suffix = text[end:min(offset + len(body), end + 32)]
                if prefix.strip():
                    selector += f" ; oa:prefix {turtle_string(prefix)}"
                    triples += 1
                if suffix.strip():
                    selector += f" ; oa:suffix {turtle_string(suffix)}"
                    triples += 1
            out.append(
                f"\nevidence:{self.tag}-{i:03d} a oa:Annotation ;\n"
                f"    oa:motivatedBy oa:describing ;\n"
                f"    oa:hasBody {' , '.join(b.curie for b in a.bodies)} ;\n"
                f"    oa:hasTarget [ a oa:SpecificResource ;\n"
                f"        oa:hasSource {src} ;\n"
                f"        oa:hasSelector {selector} ] ,\n"
                f"            [ a oa:TextPositionSelector ; oa:start {start} ; oa:end {end} ] ] .\n"
            )
        (instances_dir / f"{self.source_id}.ttl").write_text("".join(out), encoding="utf-8")

        # The publisher and author, described in sources.ttl once they publish something.
        medium = self.rng.choice(self.world.media)
        author = self.rng.choice(self.world.authors) if self.rng.random() < 0.3 else medium
        for who in (medium, author):
            if who[0] not in self.world.publishing:
                self.world.publishing[who[0]] = who
                triples += 3
        creator = author[0]
        entry = (
            f"\n{src} a sco:NewsArticle ;\n"
            f"    rdfs:label {en(title)} ;\n"
            f"    dcterms:title {en(title)} ;\n"
            f"    dcterms:issued {xsd_date(self.published)} ;\n"
            f"    dcterms:modified \"{modified}\"^^xsd:dateTime ;\n"
            f"    dcterms:creator {creator} ;\n"
            f"    dcterms:publisher {medium[0]} ;\n"
            f"    dcterms:language \"en\" ;\n"
            f"    sco:fileName \"{self.source_id}.txt\" ;\n"
            f"    sco:sha256 \"{hashlib.sha256(raw).hexdigest()}\" ;\n"
            f"    sco:bodyStart {offset} ;\n"
            f"    sco:bodyEnd {offset + len(body)} .\n"
        )
        return triples + 12, entry


# --- What the articles say: one function per kind of paragraph ---------------------


def days_before(d: date, low: int, high: int, rng: random.Random) -> date:
    return d - timedelta(days=rng.randint(low, high))


def press_conference(doc: Document) -> None:
    """Who spoke, in which role, where and when, and what they said."""
    w, rng = doc.world, doc.rng
    official = w.officials.pick()
    role, org = official.extra["post"]  # type: ignore[misc]
    country = org.country or w.china
    city = country.extra["capital"]
    back = rng.randint(1, 4)
    held = doc.published - timedelta(days=back)
    field = w.fields.pick()
    partner = w.agencies.pick_distinct(1, exclude=(org,))[0]
    event = doc.new("event", f"{org.en} press conference {held.isoformat()}", "sco:PressConference",
                    f"Press conference of the {org.en}, {day_text(held)}")
    event.link("sco:organizer", org).link("sco:participant", official).link("sco:location", city)
    event.add("sco:date", xsd_date(held))
    ra = doc.role_assignment(official, role, org)
    said = f"{country.en} will deepen its cooperation with {partner.ref} in {field.en}"
    statement = doc.new("statement", f"{official.en} {held.isoformat()} cooperation {partner.en}", "sco:Statement",
                        f"{official.en}: {said}")
    (statement.link("sco:statedBy", official).link("sco:statedAt", event)
     .link("sco:concerns", partner).link("sco:inField", field))
    statement.add("sco:date", xsd_date(held))
    doc.paragraph()
    a, b, c = doc.say([f"{official.en} ({official.zh}), {role.en} of {org.ref}"], ", ",
                      [f"said on {WEEKDAYS[held.weekday()]} at a press conference in {city.en}"], " that ",
                      [said], ".")
    doc.cite(a, ra, official, role, org)
    doc.cite(b, event, city)
    doc.cite(c, statement, partner, field)
    doc.headline = doc.headline or f"{country.en} to deepen {field.en} cooperation with {partner.ref}"


def agreement(doc: Document) -> None:
    w, rng = doc.world, doc.rng
    parties = w.parties.pick_distinct(3 if rng.random() < 0.2 else 2)
    field = w.fields.pick()
    mou = rng.random() < 0.4
    kind, kind_text = ("sco:memorandumOfUnderstanding", "a memorandum of understanding") if mou else \
        ("sco:cooperationAgreement", "a cooperation agreement")
    signed = days_before(doc.published, 0, 900, rng)
    precision = rng.random()
    if precision < 0.6:
        when, value = f"On {day_text(signed)}", xsd_date(signed)
    elif precision < 0.85:
        when, value = f"In {month_text(signed)}", xsd_month(signed)
    else:
        when, value = f"In {signed.year}", xsd_year(signed.year)
    names = [p.ref for p in parties]
    joined = " and ".join(names) if len(names) == 2 else f"{names[0]}, {names[1]} and {names[2]}"
    label_names = [p.en for p in parties]
    label_joined = (" and ".join(label_names) if len(label_names) == 2
                    else f"{label_names[0]}, {label_names[1]} and {label_names[2]}")
    agr = doc.new("agreement", f"{'-'.join(p.short for p in parties)} {'mou' if mou else 'cooperation'}",
                  "sco:Agreement",
                  f"{'Memorandum of understanding' if mou else 'Cooperation agreement'} "
                  f"between {label_joined} on {field.en}")
    (agr.add("sco:agreementType", kind).link("sco:party", *parties).add("sco:signingDate", value)
     .link("sco:inField", field))
    extra, bodies = "", []
    if rng.random() < 0.4:
        programme = w.programmes.pick()
        agr.link("sco:concerns", programme)
        extra = f" within {programme.ref}"
        bodies.append(programme)
    doc.paragraph()
    (span,) = doc.say(f"{when}, ", [f"{joined} signed {kind_text} on cooperation in {field.en}{extra}"], ".")
    doc.cite(span, agr, *parties, field, *bodies)
    doc.headline = doc.headline or f"{cap(label_joined)} sign {'memorandum' if mou else 'agreement'} on {field.en}"
    if rng.random() < 0.7:
        year = doc.published.year + rng.randint(1, 8)
        activity = rng.choice(ACTIVITIES).format(k=rng.randint(2, 40))
        sides = "two" if len(parties) == 2 else "three"
        plan = doc.new("plan", f"{'-'.join(p.short for p in parties)} {slugify(activity)[:30]} {year}", "sco:Plan",
                       f"{label_joined} to {activity} by {year}")
        plan.link("sco:plannedBy", *parties).link("sco:concerns", agr)
        plan.add("sco:timeframe", en(f"by {year}")).add("sco:targetDate", xsd_year(year))
        doc.derived(plan)
        (span,) = doc.say([f"Under the agreement, the {sides} sides will {activity} by {year}."])
        doc.cite(span, plan, agr)


def crewed_mission(doc: Document) -> None:
    w, rng = doc.world, doc.rng
    series = rng.choice(w.crewed_series)
    n = series["next"]
    series["next"] += 1
    name, cname = f"{series['en']}-{n}", f"{series['zh']}{zh_number(n)}号"
    station, country = series["station"], series["country"]
    site = rng.choice(series["sites"])
    launched = days_before(doc.published, 3, 200, rng)
    crew = w.astronauts.pick_distinct(3)
    craft = doc.new("spacecraft", "", "sco:CrewedSpacecraft", f"{name} crewed spaceship", f"{cname}载人飞船",
                    slug=slugify(name))
    craft.alts = [en(name)]
    launch = doc.new("event", "", "sco:Launch", f"Launch of the {name} crewed spaceship",
                     slug=f"{slugify(name)}-launch")
    launch.link("sco:spacecraft", craft).link("sco:location", site).link("sco:participant", country)
    launch.add("sco:date", xsd_date(launched))
    mission = doc.new("mission", "", "sco:CrewedMission", f"{name} mission", f"{cname}载人飞行任务", slug=slugify(name))
    mission.link("sco:spacecraft", craft).add("sco:launchDate", xsd_date(launched)).link("sco:launchEvent", launch)
    mission.ref = f"the {name} mission"
    mission.link("sco:destination", station).link("sco:crewMember", *crew).link("sco:commander", crew[0])
    doc.paragraph()
    a, b = doc.say([f"The {name} crewed spaceship ({cname}载人飞船) lifted off from {site.en} "
                    f"on {day_text(launched)}"], ", ",
                   [f"carrying {crew[0].en}, {crew[1].en} and {crew[2].en} to {station.ref}"], ".")
    doc.cite(a, launch, mission, craft, site, country)
    doc.cite(b, mission, *crew, station)
    ra = doc.role_assignment(crew[0], w.roles["commander"], mission)
    (span,) = doc.say([f"{crew[0].en} is the commander of the {name} mission."])
    doc.cite(span, ra, crew[0], w.roles["commander"], mission)
    doc.headline = doc.headline or f"{name} crew heads for {station.ref}"
    gap = (doc.published - launched).days
    if gap >= 3 and rng.random() < 0.35:
        landed = launched + timedelta(days=rng.randint(2, gap))
        landing = doc.new("event", "", "sco:Landing", f"Landing of the return capsule of the {name} crewed spaceship",
                          slug=f"{slugify(name)}-landing")
        landing.link("sco:spacecraft", craft).add("sco:date", xsd_date(landed))
        mission.link("sco:landingEvent", landing).add("sco:landingDate", xsd_date(landed))
        (span,) = doc.say([f"The return capsule of the {name} spaceship landed safely on {day_text(landed)}."])
        doc.cite(span, landing, mission, craft)
    elif rng.random() < 0.5:
        mission.add("sco:inProgressOn", xsd_date(doc.published))
        (span,) = doc.say([f"The {name} crew is currently working aboard {station.ref}."])
        doc.cite(span, mission, station)
    if rng.random() < 0.6:
        field = w.fields.pick()
        k = rng.randint(5, 120)
        count = doc.new("count", f"{name} experiments", "sco:QuantifiedStatement",
                        f"{k} experiments in {field.en} planned for the {name} mission")
        (count.add("sco:count", str(k)).link("sco:countOf", w.kinds["experiment"]).link("sco:concerns", mission)
         .link("sco:inField", field))
        doc.derived(count)
        (span,) = doc.say([f"During the {name} mission, the crew will carry out {k} experiments in {field.en}."])
        doc.cite(span, count, w.kinds["experiment"], mission, field)


QUALIFIERS = [(None, ""), ("sco:moreThan", "More than "), ("sco:over", "Over "), ("sco:almost", "Almost ")]


def payload_projects(doc: Document) -> None:
    w, rng = doc.world, doc.rng
    station = w.stations.pick()
    agency = w.agencies.pick()
    batch = rng.randint(1, 6)
    k = rng.randint(5, 60)
    m = rng.randint(2, min(k, 30))
    qualifier, qualifier_text = rng.choice(QUALIFIERS)
    fields = w.fields.pick_distinct(2)
    ordinal_text = ordinal(batch)
    project = doc.new("payload-project", f"{station.short} batch {batch} {agency.short}",
                      "sco:PayloadProject",
                      f"{cap(ordinal_text)} batch of international payload projects on the {station.en}, "
                      f"with {agency.ref}")
    project.add("sco:batchNumber", f'"{batch}"^^xsd:positiveInteger').link("sco:hostedOn", station)
    project.link("sco:cooperationPartner", agency).link("sco:inField", *fields)
    if station.country is not None:
        project.link("sco:participant", station.country)
    countries = doc.new("count", f"{station.short} batch {batch} countries", "sco:QuantifiedStatement",
                        f"The projects of the {ordinal_text} batch on the {station.en} come from {m} countries")
    countries.add("sco:count", str(m)).link("sco:countOf", w.kinds["country"]).link("sco:concerns", project)
    doc.derived(countries)
    projects = doc.new("count", f"{station.short} batch {batch} projects", "sco:QuantifiedStatement",
                       f"{qualifier_text}{k} payload projects selected for the {ordinal_text} batch "
                       f"on the {station.en}".strip())
    projects.add("sco:count", str(k))
    if qualifier:
        projects.add("sco:qualifier", qualifier)
    (projects.link("sco:countOf", w.kinds["payload project"]).link("sco:concerns", project)
     .link("sco:hasComponent", countries))
    doc.derived(projects)
    doc.paragraph()
    lead = cap(f"{qualifier_text.lower()}{k} payload projects")
    a, b, c, d = doc.say([lead], " ", [f"from {m} countries"], " ",
                         [f"have been selected for the {ordinal_text} batch of international cooperation "
                          f"on {station.ref}"],
                         ", ", [f"in cooperation with {agency.ref}"], ".")
    doc.cite(a, projects, w.kinds["payload project"])
    doc.cite(b, countries, w.kinds["country"], projects)
    doc.cite(c, project, station)
    doc.cite(d, project, agency)
    (span,) = doc.say([f"The {ordinal_text} batch on {station.ref} covers {fields[0].en} and {fields[1].en}."])
    doc.cite(span, project, *fields)
    doc.headline = doc.headline or f"{cap(station.ref)} selects {ordinal_text} batch of international projects"
    if rng.random() < 0.6:
        year = doc.published.year + rng.randint(0, 3)
        timeframe = rng.choice(TIMEFRAMES).format(year=year)
        plan = doc.new("plan", f"{station.short} batch {batch} experiments start", "sco:Plan",
                       f"Experiments of the {ordinal_text} batch of payload projects on the {station.en} "
                       f"to begin {timeframe}")
        plan.link("sco:plannedBy", agency).link("sco:concerns", project, station).add("sco:timeframe", en(timeframe))
        if timeframe.startswith("by the end"):
            plan.add("sco:targetDate", xsd_year(year))
        doc.derived(plan)
        (span,) = doc.say([f"Experiments of the {ordinal_text} batch are expected to begin "
                           f"on {station.ref} {timeframe}."])
        doc.cite(span, plan, project)


def cooperation_record(doc: Document) -> None:
    w, rng = doc.world, doc.rng
    actor = w.agencies.pick() if rng.random() < 0.6 else w.countries.pick()
    since = doc.published.year - rng.randint(2, 10)
    k, m, j = rng.randint(10, 150), rng.randint(5, 60), rng.randint(2, 12)
    slug = actor.short
    regions = doc.new("count", f"{slug} agreement partner countries since {since}", "sco:QuantifiedStatement",
                      f"{m} countries and regions with which {actor.ref} signed its {k} space cooperation agreements "
                      f"since {since}")
    organisations = doc.new("count", f"{slug} agreement partner organizations since {since}", "sco:QuantifiedStatement",
                            f"{j} international organizations with which {actor.ref} signed its {k} "
                            f"space cooperation agreements since {since}")
    total = doc.new("count", f"{slug} cooperation agreements since {since}", "sco:QuantifiedStatement",
                    f"{k} space cooperation agreements signed by {actor.ref} since {since}")
    for count, n, kind in ((regions, m, "country or region"), (organisations, j, "international organization"),
                           (total, k, "space cooperation agreement")):
        (count.add("sco:count", str(n)).link("sco:countOf", w.kinds[kind]).add("sco:since", xsd_year(since))
         .link("sco:concerns", actor))
        doc.derived(count)
    total.link("sco:hasComponent", regions, organisations)
    doc.paragraph()
    a, b, c = doc.say(f"Since {since}, ", [f"{actor.ref} has signed {k} space cooperation agreements"], " ",
                      [f"with {m} countries and regions"], " ", [f"and {j} international organizations"], ".")
    doc.cite(a, total, actor, w.kinds["space cooperation agreement"])
    doc.cite(b, regions, w.kinds["country or region"], total)
    doc.cite(c, organisations, w.kinds["international organization"], total)
    doc.headline = doc.headline or f"{cap(actor.ref)} has signed {k} space cooperation agreements since {since}"
    if rng.random() < 0.5:
        field = w.fields.pick()
        achievement = doc.new("achievement", f"{slug} results {field.en}", "sco:Achievement",
                              f"{cap(actor.ref)} has achieved fruitful results in {field.en}")
        achievement.link("sco:achievedBy", actor).link("sco:inField", field)
        doc.derived(achievement)
        (span,) = doc.say([f"{cap(actor.ref)} has achieved fruitful results in {field.en} through these agreements."])
        doc.cite(span, achievement, actor, field)


def training(doc: Document) -> None:
    w, rng = doc.world, doc.rng
    country = w.countries.pick()
    centre = country.extra["training centre"]
    k, m = rng.randint(20, 3000), rng.randint(3, 80)
    qualifier, qualifier_text = rng.choice(QUALIFIERS)
    slug = country.short
    countries = doc.new("count", f"{slug} trainee countries", "sco:QuantifiedStatement",
                        f"{m} countries from which the professionals trained through the {centre.en} come")
    countries.add("sco:count", str(m)).link("sco:countOf", w.kinds["country"]).link("sco:concerns", centre)
    doc.derived(countries)
    trained = doc.new("count", f"{slug} trained professionals", "sco:QuantifiedStatement",
                      f"{qualifier_text}{number_text(k)} space professionals trained through the {centre.en}".strip())
    trained.add("sco:count", str(k))
    if qualifier:
        trained.add("sco:qualifier", qualifier)
    (trained.link("sco:countOf", w.kinds["space professional"]).link("sco:throughMechanism", centre)
     .link("sco:concerns", centre))
    trained.link("sco:inField", w.field["astronaut training"]).link("sco:hasComponent", countries)
    doc.derived(trained)
    doc.paragraph()
    a, b = doc.say([f"Through {centre.ref}, {qualifier_text.lower()}{number_text(k)} space professionals"], " ",
                   [f"from {m} countries have been trained"], ".")
    doc.cite(a, trained, centre, w.kinds["space professional"], w.field["astronaut training"])
    doc.cite(b, countries, w.kinds["country"], trained)
    doc.headline = doc.headline or f"{cap(centre.ref)} has trained {number_text(k)} space professionals"


def navigation_services(doc: Document) -> None:
    w, rng = doc.world, doc.rng
    system = w.navigation.pick()
    country = w.countries.pick_distinct(1, exclude=(system.country,) if system.country else ())[0]
    application = rng.choice(APPLICATIONS)
    usage = doc.new("service-usage", f"{system.short} {country.short} {application}",
                    "sco:ServiceUsage", f"Use of the {system.en} for {application} in {country.en}")
    usage.link("sco:service", system).link("sco:usedIn", country).link("sco:inField", w.field["satellite navigation"])
    doc.derived(usage)
    doc.paragraph()
    (span,) = doc.say([f"{cap(system.ref)} now provides services in {country.en}, where it supports {application}."])
    doc.cite(span, usage, system, country, w.field["satellite navigation"])
    doc.headline = doc.headline or f"{cap(system.ref)} supports {application} in {country.en}"
    if rng.random() < 0.5:
        k = rng.randint(20, 200)
        count = doc.new("count", f"{system.short} user countries", "sco:QuantifiedStatement",
                        f"More than {k} countries and regions using the {system.en}")
        (count.add("sco:count", str(k)).add("sco:qualifier", "sco:moreThan")
         .link("sco:countOf", w.kinds["country or region"]))
        count.link("sco:concerns", system)
        doc.derived(count)
        (span,) = doc.say([f"The system has been adopted in more than {k} countries and regions."])
        doc.cite(span, count, w.kinds["country or region"], system)


def lunar_opportunity(doc: Document) -> None:
    w, rng = doc.world, doc.rng
    series = rng.choice(w.lunar_series)
    with_samples = rng.random() < 0.4
    if with_samples:  # an earlier mission of the series brought samples back
        n2 = series["next"]
        series["next"] += 1
    n = series["next"]
    series["next"] += 1
    name, cname = f"{series['en']}-{n}", f"{series['zh']}{zh_number(n)}号"
    agency = series["agency"]
    year = doc.published.year + rng.randint(1, 6)
    probe = doc.new("spacecraft", "", "sco:SpaceProbe", f"{name} probe", f"{cname}探测器",
                    slug=f"{slugify(name)}-probe")
    mission = doc.new("mission", "", "sco:LunarMission", f"{name} mission", f"{cname}任务", slug=slugify(name))
    mission.link("sco:spacecraft", probe).link("sco:destination", w.moon).link("sco:cooperationPartner", agency)
    opportunity = doc.new("opportunity", f"{name} international payloads", "sco:CooperationOpportunity",
                          f"International payloads on the {name} mission")
    opportunity.link("sco:offeredBy", agency).link("sco:concerns", mission)
    doc.derived(opportunity)
    plan = doc.new("plan", f"{name} launch around {year}", "sco:Plan", f"Launch of the {name} mission around {year}")
    plan.link("sco:plannedBy", agency).link("sco:concerns", mission).add("sco:timeframe", en(f"around {year}"))
    plan.add("sco:targetDate", xsd_year(year))
    doc.derived(plan)
    doc.paragraph()
    a, b = doc.say([f"{cap(agency.ref)} has invited international partners to propose payloads "
                    f"for the {name} mission to the Moon"],
                   ", ", [f"which is scheduled for launch around {year}"], ".")
    doc.cite(a, opportunity, agency, mission, w.moon)
    doc.cite(b, plan, mission)
    k = rng.randint(2, 15)
    count = doc.new("count", f"{name} instruments", "sco:QuantifiedStatement",
                    f"{k} international scientific instruments on the {name} probe")
    count.add("sco:count", str(k)).link("sco:countOf", w.kinds["scientific instrument"]).link("sco:concerns", probe)
    doc.derived(count)
    (span,) = doc.say([f"The {name} probe ({cname}探测器) will carry {k} international instruments."])
    doc.cite(span, probe, count, w.kinds["scientific instrument"])
    doc.headline = doc.headline or f"{name} lunar mission opens to international payloads"
    if with_samples:
        earlier, cearlier = f"{series['en']}-{n2}", f"{series['zh']}{zh_number(n2)}号"
        grams = rng.randint(200, 2500)
        returned = doc.new("mission", "", "sco:LunarMission", f"{earlier} mission", f"{cearlier}任务",
                           slug=slugify(earlier))
        returned.link("sco:destination", w.moon)
        sample = doc.new("sample", "", "sco:Sample", f"Lunar samples returned by the {earlier} mission",
                         slug=f"{slugify(earlier)}-lunar-samples")
        sample.link("sco:returnedBy", returned)
        teams, countries = rng.randint(5, 60), rng.randint(2, 20)
        c_countries = doc.new("count", f"{earlier} sample applicant countries", "sco:QuantifiedStatement",
                              f"{countries} countries of the teams that applied to study the {earlier} samples")
        (c_countries.add("sco:count", str(countries)).link("sco:countOf", w.kinds["country"])
         .link("sco:concerns", sample))
        doc.derived(c_countries)
        c_teams = doc.new("count", f"{earlier} sample applicant teams", "sco:QuantifiedStatement",
                          f"{teams} scientific teams that applied to study the {earlier} samples")
        (c_teams.add("sco:count", str(teams)).link("sco:countOf", w.kinds["scientific team"])
         .link("sco:concerns", sample))
        c_teams.link("sco:hasComponent", c_countries)
        doc.derived(c_teams)
        a, b = doc.say([f"The {earlier} mission returned {grams} grams of lunar samples"], ", and ",
                       [f"{teams} scientific teams from {countries} countries have applied to study them"], ".")
        doc.cite(a, returned, sample, w.moon)
        doc.cite(b, c_teams, c_countries, w.kinds["scientific team"], w.kinds["country"], sample)


def official_statement(doc: Document) -> None:
    w, rng = doc.world, doc.rng
    speaker = w.officials.pick()
    role, org = speaker.extra["post"]  # type: ignore[misc]
    template, about = rng.choice(STATEMENT_TEMPLATES)
    k = rng.randint(3, 400)
    concerned = {"station": w.stations.pick, "programme": w.programmes.pick, "field": w.fields.pick}[about]()
    words = template.format(k=k, station=concerned.ref, programme=concerned.ref, field=concerned.en)
    statement = doc.new("statement", f"{speaker.en} {slugify(words)[:40]}", "sco:Statement", f"{speaker.en}: {words}")
    statement.link("sco:statedBy", speaker).link("sco:concerns", concerned).add("sco:date", xsd_date(doc.published))
    ra = doc.role_assignment(speaker, role, org)
    doc.paragraph()
    a, b = doc.say("“", [words], ",” said ", [f"{speaker.en}, {role.en} of {org.ref}"], ".")
    doc.cite(a, statement, concerned)
    doc.cite(b, ra, speaker, role, org)
    doc.headline = doc.headline or f"{speaker.en}: {words}"


def white_paper(doc: Document) -> None:
    w, rng = doc.world, doc.rng
    country = w.countries.pick()
    body = country.extra["ministry"] if rng.random() < 0.5 else country.extra["agency"]
    issued = days_before(doc.published, 1, 60, rng)
    year = issued.year
    title = f"{country.en}'s Space Program: A {year} Perspective"
    paper = doc.new("document", f"{country.en} space program {year} perspective", "sco:WhitePaper", title,
                    f"{year}{country.zh}的航天")
    paper.add("dcterms:title", en(title)).add("dcterms:issued", xsd_date(issued)).link("sco:concerns", country)
    k = rng.randint(3, 50)
    commitment = rng.choice(COMMITMENTS).format(k=k)
    statement = doc.new("statement", f"white paper {year} {country.en} commitment", "sco:Statement",
                        f"The white paper: {country.en} will {commitment}")
    statement.link("sco:statedBy", body).link("sco:statedIn", paper).add("sco:date", xsd_date(issued))
    doc.paragraph()
    a, b = doc.say([f"The white paper “{title}”, released by {body.ref} on {day_text(issued)}"], ", ",
                   [f"states that {country.en} will {commitment}"], ".")
    doc.cite(a, paper, body, country)
    doc.cite(b, statement, paper)
    doc.headline = doc.headline or f"White paper: {country.en} will {commitment}"


def meeting(doc: Document) -> None:
    w, rng = doc.world, doc.rng
    country = w.countries.pick()
    institute, city = country.extra["institute"], country.extra["capital"]
    when = doc.published + timedelta(days=rng.randint(-200, 200))
    forum = rng.choice(FORUMS)
    k = rng.randint(10, 90)
    event = doc.new("event", f"{forum} {when.year} {country.en}", "sco:Meeting", f"{forum} {when.year} in {city.en}")
    event.link("sco:organizer", institute).link("sco:location", city).add("sco:date", xsd_month(when))
    delegations = doc.new("count", f"{forum} {when.year} delegations", "sco:QuantifiedStatement",
                          f"{k} delegations at the {forum} {when.year} in {city.en}")
    delegations.add("sco:count", str(k)).link("sco:countOf", w.kinds["delegation"]).link("sco:concerns", event)
    doc.derived(delegations)
    tense = "hosted" if when <= doc.published else "will host"
    doc.paragraph()
    a, b = doc.say([f"{cap(institute.ref)} {tense} the {forum} {when.year} in {city.en} in {month_text(when)}"], ", ",
                   [f"bringing together {k} delegations"], ".")
    doc.cite(a, event, institute, city)
    doc.cite(b, delegations, w.kinds["delegation"], event)
    doc.headline = doc.headline or f"{cap(institute.ref)} {tense} the {forum} {when.year}"


SECTIONS = [
    (agreement, 4), (crewed_mission, 3), (payload_projects, 3), (cooperation_record, 2), (training, 1),
    (navigation_services, 1), (lunar_opportunity, 2), (official_statement, 3), (white_paper, 1), (meeting, 1),
]
SECTION_FUNCTIONS = [f for f, _ in SECTIONS]
SECTION_WEIGHTS = [wt for _, wt in SECTIONS]


def document_triples(doc: Document) -> int:
    """The triples the document would add now (a cheap estimate while it grows)."""
    total = 12
    described = doc.world.described
    for e in doc.entities.values():
        if e.shared:
            total += 1 if e.curie in described else e.triples() + 1
        else:
            total += e.triples() + 1
    return total + sum(12 + len(a.bodies) for a in doc.annotations)


# --- The repository ------------------------------------------------------------------


@dataclass
class Summary:
    documents: int
    triples: int
    seconds: float


REPOSITORY_FOLDERS = ("ontology", "shapes", "sources", "instances")


def generate(out: Path, triples: int, seed: int = 1, *, force: bool = False) -> Summary:
    """Write a synthetic repository of about `triples` asserted triples into `out`."""
    started = time.perf_counter()
    if out.resolve() == ROOT:
        raise ValueError("refusing to write the synthetic repository over this project")
    present = [name for name in REPOSITORY_FOLDERS if (out / name).exists()]
    if present and not force:
        raise FileExistsError(f"{out} already holds {', '.join(n + '/' for n in present)}; "
                              "pass --force to replace them")
    for name in present:
        shutil.rmtree(out / name)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "ontology", out / "ontology")
    shutil.copytree(ROOT / "shapes", out / "shapes")
    sources_dir, instances_dir = out / "sources", out / "instances"
    sources_dir.mkdir()
    instances_dir.mkdir()

    rng = random.Random(seed)
    world = World(rng, max(1, round(triples / (sum(TRIPLES_PER_DOCUMENT) / 2))))
    entries: list[str] = []
    written = 0
    number = 0
    while written < triples:
        remaining = triples - written
        budget = rng.randint(*TRIPLES_PER_DOCUMENT)
        if remaining - budget < TRIPLES_PER_DOCUMENT[0] // 2:
            budget = remaining
        doc = Document(world, number, seed)
        press_conference(doc)
        while True:
            rng.choices(SECTION_FUNCTIONS, SECTION_WEIGHTS)[0](doc)
            if document_triples(doc) >= budget - 40:
                break
        count, entry = doc.write(instances_dir, sources_dir, seed)
        written += count
        entries.append(entry)
        number += 1
    lines = [
        "# The source documents of a synthetic spacecoop repository (scripts/bench/generate.py,\n"
        f"# seed {seed}, {triples} triples requested). Offsets are code-point indices into the\n"
        "# decoded UTF-8 file: the body is text[bodyStart:bodyEnd].\n",
        SOURCES_PREFIXES,
        *entries,
        "\n",
    ]
    for curie, label_en, label_zh in sorted(world.publishing.values()):
        cls = "sco:Person" if curie.startswith("person:") else "sco:NewsMedium"
        lines.append(f"{curie} a {cls} ;\n    rdfs:label {en(label_en)} , {zh(label_zh)} .\n\n")
    (sources_dir / "sources.ttl").write_text("".join(lines), encoding="utf-8")
    return Summary(number, written, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="generate.py",
        description="Write a synthetic spacecoop repository (ontology, shapes, sources, instances) for benchmarks.",
    )

    def triples_count(text: str) -> int:
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not MIN_TRIPLES <= value <= MAX_TRIPLES:
            raise argparse.ArgumentTypeError(f"must be between {MIN_TRIPLES:,} and {MAX_TRIPLES:,}, not {value:,}")
        return value

    parser.add_argument("--triples", type=triples_count, required=True,
                        help="about how many asserted triples to write (instance files and sources.ttl)")
    parser.add_argument("--out", type=Path, required=True, help="the repository folder to write")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1); same seed and size, same bytes")
    parser.add_argument("--force", action="store_true",
                        help="replace OUT's ontology/, shapes/, sources/ and instances/ if they exist")
    args = parser.parse_args(argv)
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {args.out} exists and is not a folder")
    if args.out.resolve() == ROOT:
        parser.error(f"--out {args.out} is this project: its ontology/, sources/ and instances/ are not to be replaced")
    try:
        summary = generate(args.out, args.triples, args.seed, force=args.force)
    except FileExistsError as error:
        parser.error(str(error))
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{summary.documents} documents, {summary.triples} triples (requested {args.triples}) "
          f"written to {args.out} in {summary.seconds:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
