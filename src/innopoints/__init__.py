"""innopoints — 企业创新积分信息管理平台 (enterprise innovation-points platform)."""

__version__ = "0.1.0"
