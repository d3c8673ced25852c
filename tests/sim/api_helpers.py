"""Helpers for the API server's tests: real clients pointed at a running simulator."""

from __future__ import annotations

import time
from typing import Any, Callable

import httpx
import yaml
from kubernetes import client, config

NS = "emrtask-prod"


def kube(sim, context: str | None = None) -> client.ApiClient:
    """The official client, configured from the simulator's kubeconfig."""
    return config.new_client_from_config(config_file=sim.kubeconfig, context=context)


def token(sim, user: str = "sre") -> str:
    kubeconfig = yaml.safe_load(open(sim.kubeconfig))
    return next(u["user"]["token"] for u in kubeconfig["users"] if u["name"] == user)


def http(sim, user: str | None = "sre", **kwargs) -> httpx.Client:
    """A plain HTTP client with the user's bearer token (the server takes tokens on either scheme)."""
    headers = {"Authorization": f"Bearer {token(sim, user)}"} if user else {}
    headers.update(kwargs.pop("headers", {}))
    return httpx.Client(base_url=sim.url, headers=headers, timeout=30, **kwargs)


def wait_until(predicate: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> Any:
    """Poll until predicate() is truthy; returns its value. Fails after a generous timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def advance(sim, seconds: float) -> dict:
    """Move simulated time forward (the world's controllers run through it) before returning."""
    return sim.control("POST", "/sim/advance", json={"seconds": seconds}).json()
