"""Authentication (bearer token -> user) and authorization (RBAC rules from rbac.toml).

`user_info` is what the server says a user is (a SelfSubjectReview's answer: who am I?).

One function, `allowed`, answers both the enforcement check and SelfSubjectAccessReview, so
what `kubectl auth can-i` says is what the server then does.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

POLICY_FILE = Path(__file__).with_name("rbac.toml")

# Granted to every authenticated user, as Kubernetes' default cluster roles do.
_ALWAYS = {("authorization.k8s.io", "selfsubjectaccessreviews"), ("authorization.k8s.io", "selfsubjectrulesreviews"),
           ("authentication.k8s.io", "selfsubjectreviews")}


@dataclass(frozen=True)
class Rule:
    verbs: frozenset[str]
    groups: frozenset[str]
    resources: frozenset[str]
    names: frozenset[str]

    def matches(self, verb: str, group: str, resource: str, subresource: str, name: str | None) -> bool:
        if "*" not in self.verbs and verb not in self.verbs:
            return False
        if "*" not in self.groups and group not in self.groups:
            return False
        full = f"{resource}/{subresource}" if subresource else resource
        if "*" not in self.resources and full not in self.resources and f"*/{subresource}" not in self.resources:
            return False
        if self.names and (not name or name not in self.names):
            return False
        return True


@dataclass(frozen=True)
class User:
    name: str
    token: str
    context: str
    rules: tuple[Rule, ...]


class Policy:
    def __init__(self, users: list[User]):
        self.users = {u.name: u for u in users}
        self._by_token = {u.token: u for u in users}

    @classmethod
    def load(cls, path: Path = POLICY_FILE) -> "Policy":
        data = tomllib.loads(path.read_text())
        users = []
        for name, entry in data.get("users", {}).items():
            rules = tuple(
                Rule(frozenset(r.get("verbs", [])), frozenset(r.get("apiGroups", [""])),
                     frozenset(r.get("resources", [])), frozenset(r.get("resourceNames", [])))
                for r in entry.get("rules", [])
            )
            users.append(User(name, entry["token"], entry.get("context", f"sim-{name}"), rules))
        return cls(users)

    def authenticate(self, authorization: str | None) -> User | None:
        if not authorization or not authorization.startswith("Bearer "):
            return None
        return self._by_token.get(authorization[7:].strip())

    def allowed(self, user: User, verb: str, group: str, resource: str, subresource: str = "",
                name: str | None = None) -> bool:
        if (group, resource) in _ALWAYS and verb == "create":
            return True
        return any(rule.matches(verb, group, resource, subresource, name) for rule in user.rules)

    def user_info(self, user: User) -> dict:
        return {"username": user.name, "groups": ["system:authenticated"]}

    def rules_review(self, user: User) -> list[dict]:
        out = [{"verbs": ["create"], "apiGroups": ["authorization.k8s.io"],
                "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]}]
        for rule in user.rules:
            entry = {"verbs": sorted(rule.verbs), "apiGroups": sorted(rule.groups), "resources": sorted(rule.resources)}
            if rule.names:
                entry["resourceNames"] = sorted(rule.names)
            out.append(entry)
        return out
