"""Helpers for the API server's tests: real clients pointed at a running simulator."""

from __future__ import annotations

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


def advance(sim, seconds: float) -> dict:
    """Move simulated time forward (the world's controllers run through it) before returning."""
    return sim.control("POST", "/sim/advance", json={"seconds": seconds}).json()
