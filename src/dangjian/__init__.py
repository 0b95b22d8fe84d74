"""Dangjian — 基层党建管理平台."""

__version__ = "0.1.0"
