"""Collect, check and consolidate the yearly "Đơn vị học tập" self-evaluations."""

__version__ = "0.1.0"
