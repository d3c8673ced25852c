"""Helpers for the incident tests: the store URL through a TCP proxy that can cut and restore
the path to PostgreSQL."""

from __future__ import annotations

from tcp_proxy import TcpProxy


def via_proxy(pg_dsn: str, schema: str, proxy: TcpProxy) -> str:
    return proxy.dsn(pg_dsn, query=f"schema={schema}")
