"""English names of administrative divisions and industry fields, for pages shown in English.
Divisions: the stem in Hanyu
Pinyin (pypinyin, with the readings that place names take where a character has several), the
kind of division in English — 成都市 → Chengdu City, 青羊区 → Qingyang District,
凉山彝族自治州 → Liangshan Yi Autonomous Prefecture."""

from __future__ import annotations

import re
from functools import lru_cache

from django.utils.translation import get_language
from pypinyin import lazy_pinyin

# longest first: 自治县 before 县
_KINDS = [
    ("自治州", "Autonomous Prefecture"),
    ("自治县", "Autonomous County"),
    ("自治区", "Autonomous Region"),
    ("自治旗", "Autonomous Banner"),
    ("特别行政区", "Special Administrative Region"),
    ("地区", "Prefecture"),
    ("新区", "New Area"),
    ("林区", "Forest District"),
    ("省", "Province"),
    ("市", "City"),
    ("区", "District"),
    ("县", "County"),
    ("旗", "Banner"),
    ("盟", "League"),
]
_PEOPLES = {
    "藏": "Tibetan",
    "羌": "Qiang",
    "彝": "Yi",
    "回": "Hui",
    "苗": "Miao",
    "土家": "Tujia",
    "蒙古": "Mongol",
    "壮": "Zhuang",
    "傣": "Dai",
    "布依": "Bouyei",
    "侗": "Dong",
    "瑶": "Yao",
    "白": "Bai",
    "哈尼": "Hani",
    "傈僳": "Lisu",
    "纳西": "Naxi",
    "景颇": "Jingpo",
    "维吾尔": "Uyghur",
    "哈萨克": "Kazakh",
    "朝鲜": "Korean",
    "满": "Manchu",
    "黎": "Li",
    "畲": "She",
    "水": "Shui",
    "仡佬": "Gelao",
    "土": "Tu",
    "撒拉": "Salar",
    "东乡": "Dongxiang",
    "保安": "Bonan",
    "裕固": "Yugur",
    "各": "",  # 各族: of several peoples
}
_PEOPLE = re.compile("(" + "|".join(sorted(_PEOPLES, key=len, reverse=True)) + ")族")
# readings that place names take (pypinyin's everyday reading differs): 新都 Xindu,
# 长宁 Changning, 什邡 Shifang, 荥经 Yingjing, 筠连 Junlian
_PLACE_READINGS = {"都": "du", "长": "chang", "什": "shi", "荥": "ying", "筠": "jun"}


def _pinyin(stem: str) -> str:
    syllables = [
        _PLACE_READINGS.get(char, syllable)
        for char, syllable in zip(stem, lazy_pinyin(stem), strict=False)
    ]
    if len(syllables) != len(stem):  # non-Chinese characters: pypinyin keeps runs together
        syllables = lazy_pinyin(stem)
    word = ""
    for syllable in syllables:
        # an apostrophe where a syllable starting with a vowel would run into the one before
        if word and syllable[:1] in "aoe":
            word += "'"
        word += syllable
    return word[:1].upper() + word[1:]


@lru_cache(maxsize=8192)
def english_name(name: str) -> str:
    """The division's name in English; a name of no known kind is romanised whole."""
    if not name:
        return name
    stem, kind = name, ""
    for suffix, english in _KINDS:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem, kind = name[: -len(suffix)], english
            break
    peoples: list[str] = []
    first = _PEOPLE.search(stem)
    if first and first.start() > 0 and kind.startswith("Autonomous"):
        place, rest = stem[: first.start()], stem[first.start() :]
        peoples = [_PEOPLES[m.group(1)] for m in _PEOPLE.finditer(rest)]
        stem = place
    parts = [_pinyin(stem)]
    named = [p for p in peoples if p]
    if named:
        parts.append(" and ".join(named) if len(named) <= 2 else ", ".join(named))
    if kind:
        parts.append(kind)
    return " ".join(parts)


def localised(name: str) -> str:
    """The division's name in the language of the page: Chinese as stored, else English."""
    return english_name(name) if (get_language() or "").startswith("en") else name


# the fields of 《国家重点支持的高新技术领域》 and seed 004's key industries, in the English
# the national documents use
INDUSTRIES = {
    "电子信息": "Electronic information",
    "生物与新医药": "Biotechnology and new medicine",
    "航空航天": "Aerospace",
    "人工智能": "Artificial intelligence",
    "先进装备": "Advanced equipment",
    "生物制造": "Biomanufacturing",
    "清洁能源": "Clean energy",
    "先进材料": "Advanced materials",
    "新材料": "New materials",
    "高技术服务": "High-tech services",
    "新能源与节能": "New energy and energy saving",
    "资源与环境": "Resources and environment",
    "先进制造与自动化": "Advanced manufacturing and automation",
    "新一代信息技术产业": "New-generation information technology",
    "高端装备制造产业": "High-end equipment manufacturing",
    "新材料产业": "New materials industry",
    "生物产业": "Bio-industry",
    "新能源汽车产业": "New-energy vehicles",
    "新能源产业": "New energy industry",
    "节能环保产业": "Energy saving and environmental protection",
    "数字创意产业": "Digital creative industry",
    "相关服务业": "Related services",
    "未来制造": "Future manufacturing",
    "未来信息": "Future information",
    "未来材料": "Future materials",
    "未来能源": "Future energy",
    "未来空间": "Future space",
    "未来健康": "Future health",
}


def localised_industry(name: str | None) -> str:
    """An industry field in the language of the page (a name of no known field as stored)."""
    if not name:
        return ""
    if (get_language() or "").startswith("en"):
        return INDUSTRIES.get(name, name)
    return name
