"""Reading a kubeconfig without the kubernetes package's config loader, when that is enough.

`import kubernetes` runs the package's `__init__`, which imports its config loader, the
dynamic client, watch, stream, leader election and informers, and with them requests,
requests-oauthlib, charset-normalizer and more: ~0.2 s of every launch, before a single
request. The client itself (`kubernetes.client`) needs none of it. This module owns:

- `import_client()`: import `kubernetes.client` without running the package's `__init__`
  (the package is registered as a bare namespace first, so each submodule still loads
  when something asks for it, `kubernetes.config` included);
- `read()`: the kubeconfig's contexts, merged from `$KUBECONFIG` as kubectl merges them
  (the first file to define a name wins), and the chosen context's cluster and user;
- `configure()`: the client `Configuration` for a context whose user authenticates with a
  token, a token file, a client certificate or a username and password, set exactly as the
  official loader sets it, or with an exec plugin, run by `irtui.kube.exec_plugin` (with a
  deadline, and its own error as the connection error). Auth providers (deprecated since
  Kubernetes 1.22) return False: the caller hands those to `kubernetes.config`.

Credentials never travel in clear and key material never stays on disk. A user with a
token, a password, an exec plugin or an auth provider on an `http://` server is refused
(kubectl never sends them there either). Inline `*-data` (a client key) is handed to
urllib3, which accepts only paths and re-reads them at every new connection, as an
anonymous in-memory file (`memfd_create`) named `/proc/self/fd/N`: it has no directory
entry, and it vanishes with the process however the process ends, SIGKILL included. Where
there is no memfd, a 0600 file in a 0700 private directory stands in, removed at exit.
"""

from __future__ import annotations

import atexit
import base64
import importlib.util
import os
import shutil
import sys
import tempfile
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kubernetes.client import Configuration

DEFAULT_LOCATION = "~/.kube/config"


def import_client() -> types.ModuleType:
    """`kubernetes.client`, imported without the package's `__init__` unless it already ran."""
    for name in ("kubernetes", "kubernetes.utils"):  # kubernetes.client.rest needs utils.retry
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None or spec.submodule_search_locations is None:
            break  # not installed as a package: let the plain import report it
        package = types.ModuleType(name)
        package.__path__ = list(spec.submodule_search_locations)
        package.__spec__ = spec
        package.__file__ = spec.origin
        package.__package__ = name
        sys.modules[name] = package
    import kubernetes.client

    return kubernetes.client


class KubeconfigProblem(Exception):
    """The kubeconfig cannot be read or does not have what the chosen context needs."""


@dataclass
class Kubeconfig:
    files: list[Path]
    current_context: str
    contexts: dict[str, dict[str, Any]] = field(default_factory=dict)
    clusters: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    origin: dict[tuple[str, str], Path] = field(default_factory=dict)  # (section, name) -> its file

    @property
    def where(self) -> str:
        return os.pathsep.join(str(f) for f in self.files)

    def context_list(self) -> list[dict[str, Any]]:
        """As `kubernetes.config.list_kube_config_contexts` gives them: name and context."""
        return [{"name": name, "context": ctx} for name, ctx in self.contexts.items()]


def locations(kubeconfig: str | None) -> list[Path]:
    if kubeconfig:
        return [Path(kubeconfig).expanduser()]
    env = os.environ.get("KUBECONFIG", "")
    paths = [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    return paths or [Path(DEFAULT_LOCATION).expanduser()]


def read(kubeconfig: str | None = None) -> Kubeconfig:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    files = locations(kubeconfig)
    merged = Kubeconfig(files, "")
    found = False
    for path in files:
        try:
            text = path.read_text()
        except FileNotFoundError:
            if kubeconfig or len(files) == 1:
                raise KubeconfigProblem(f"no such file: {path}") from None
            continue  # kubectl skips missing entries of $KUBECONFIG
        except OSError as exc:
            raise KubeconfigProblem(f"cannot read {path}: {exc.strerror or exc}") from None
        try:
            doc = yaml.load(text, Loader=loader) or {}
        except yaml.YAMLError as exc:
            raise KubeconfigProblem(f"{path} is not valid YAML: {exc}") from None
        if not isinstance(doc, dict):
            raise KubeconfigProblem(f"{path} is not a kubeconfig (expected a mapping at the top)")
        found = True
        merged.current_context = merged.current_context or str(doc.get("current-context") or "")
        for section, key in (("contexts", "context"), ("clusters", "cluster"), ("users", "user")):
            target = getattr(merged, section)
            for entry in doc.get(section) or ():
                if not isinstance(entry, dict) or "name" not in entry:
                    raise KubeconfigProblem(f"{path}: an entry of {section} has no name")
                name = str(entry["name"])
                if name not in target:
                    target[name] = entry.get(key) or {}
                    merged.origin[(section, name)] = path
    if not found:
        raise KubeconfigProblem(f"no kubeconfig found at {merged.where}")
    return merged


def choose(config: Kubeconfig, context: str | None) -> str:
    name = context or config.current_context
    if not name:
        raise KubeconfigProblem("no current-context is set and no --context was given")
    if name not in config.contexts:
        raise KubeconfigProblem(f"context {name!r} not found")
    return name


def configure(config: Kubeconfig, context: str, configuration: Configuration) -> bool:
    """Set `configuration` for `context`; False if its user needs the official loader."""
    ctx = config.contexts[context]
    cluster_name, user_name = ctx.get("cluster"), ctx.get("user")
    if cluster_name not in config.clusters:
        raise KubeconfigProblem(f"context {context!r} names cluster {cluster_name!r}, which is not defined")
    cluster = config.clusters[cluster_name]
    # As the official loader: no such user (or none named), no credentials.
    user = (config.users.get(user_name) if user_name is not None else None) or {}
    if "server" not in cluster:
        raise KubeconfigProblem(f"cluster {cluster_name!r} has no server")
    refuse_plain_http(str(cluster["server"]), user, user_name)
    if "auth-provider" in user:
        return False
    cluster_base = os.path.abspath(os.path.dirname(config.origin[("clusters", cluster_name)]))
    user_file = config.origin.get(("users", user_name)) if user_name is not None else None
    user_base = os.path.abspath(os.path.dirname(user_file)) if user_file else cluster_base

    # The same fields, in the same forms, as kubernetes.config.kube_config sets them.
    token = None if "exec" in user else _data(user, "tokenFile", "token", user_base)
    if token:
        configuration.api_key["BearerToken"] = f"Bearer {token.decode().strip()}"
    elif "username" in user and "password" in user:
        pair = f"{user['username']}:{user['password']}".encode()
        configuration.api_key["BearerToken"] = "Basic " + base64.b64encode(pair).decode()
    host = str(cluster["server"]).rstrip("/")
    configuration.host = host
    if host.startswith("https"):
        configuration.ssl_ca_cert = _file(cluster, "certificate-authority", cluster_base)
        configuration.cert_file = _file(user, "client-certificate", cluster_base)
        configuration.key_file = _file(user, "client-key", cluster_base)
    if "insecure-skip-tls-verify" in cluster:
        configuration.verify_ssl = not cluster["insecure-skip-tls-verify"]
    if "tls-server-name" in cluster:
        configuration.tls_server_name = cluster["tls-server-name"]
    if "proxy-url" in cluster:
        configuration.proxy = cluster["proxy-url"]
    if "exec" in user:
        _use_exec_plugin(user["exec"], user_base, cluster, configuration)
    return True


def _use_exec_plugin(spec: Any, base: str, cluster: dict, configuration: Configuration) -> None:
    """Credentials from the user's exec plugin, run now (so its failure is the connection
    error) and again, through the client's refresh hook, whenever its token expires."""
    from irtui.kube.exec_plugin import ExecPlugin, ExecPluginError, cluster_info

    if not isinstance(spec, dict):
        raise KubeconfigProblem("the user's exec entry is not a mapping")
    try:
        plugin = ExecPlugin(spec, base, cluster_info(cluster, configuration.ssl_ca_cert))
        status = plugin.credential()
    except ExecPluginError as exc:
        raise KubeconfigProblem(str(exc)) from None
    if status.get("clientCertificateData") and status.get("clientKeyData"):
        configuration.cert_file = in_memory_file(str(status["clientCertificateData"]).encode())
        configuration.key_file = in_memory_file(str(status["clientKeyData"]).encode())
    if status.get("token"):
        def refresh(config: Configuration) -> None:
            # Called before every request; the plugin runs only when the token is due. Its
            # error fails that request, and the pane shows the plugin's words.
            config.api_key["BearerToken"] = f"Bearer {plugin.token()}"

        refresh(configuration)
        # The client declares the hook by its None default alone, hence the ignore.
        configuration.refresh_api_key_hook = refresh  # type: ignore[assignment]


_CREDENTIALS = (("token", "a token"), ("tokenFile", "a token"), ("password", "a password"),
                ("exec", "an exec plugin's token"), ("auth-provider", "an auth provider's token"))


def refuse_plain_http(server: str, user: dict, user_name: Any) -> None:
    """Credentials over plain HTTP are readable by anyone on the path. kubectl never sends
    them there (it drops them silently, and the server answers 401); irtui refuses at
    connect, saying why."""
    if not server.lower().startswith("http://"):
        return
    what = next((label for key, label in _CREDENTIALS if user.get(key)), None)
    if what:
        raise KubeconfigProblem(f"server {server} is plain http:// and user {user_name!r} has {what}: "
                                "refusing to send a credential unencrypted (use https://)")


def _data(node: dict, file_key: str, data_key: str, base: str) -> bytes | None:
    """A value given inline (`data_key`, preferred when present) or in a file (`file_key`,
    relative to the kubeconfig that names it)."""
    if data_key in node:
        return str(node[data_key]).encode() if node[data_key] else None
    if node.get(file_key):
        path = _path(base, node[file_key])
        try:
            return Path(path).read_bytes()
        except OSError as exc:
            raise KubeconfigProblem(f"cannot read {file_key} {path}: {exc.strerror or exc}") from None
    return None


def _file(node: dict, key: str, base: str) -> str | None:
    """The path of the file `key` names, or of an in-memory file holding `key`-data."""
    data_key = f"{key}-data"
    if data_key in node:
        if not node[data_key]:
            return None
        try:
            content = base64.standard_b64decode(str(node[data_key]))
        except ValueError:
            raise KubeconfigProblem(f"{data_key} is not valid base64") from None
        return in_memory_file(content)
    if node.get(key):
        path = _path(base, node[key])
        if not os.path.isfile(path):
            raise KubeconfigProblem(f"{key} {path} does not exist")
        return path
    return None


def _path(base: str, value: Any) -> str:
    return os.path.normpath(os.path.join(base, os.path.expanduser(str(value))))


_memory_fds: list[int] = []  # open for the life of the process: their paths stay valid
_private_dir: str | None = None


def in_memory_file(content: bytes) -> str:
    """A path that reads as `content` for as long as this process lives, and no longer."""
    if hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd"):
        fd = os.memfd_create("irtui-kube", os.MFD_CLOEXEC)
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view):]
        _memory_fds.append(fd)
        return f"/proc/self/fd/{fd}"
    return _private_temp_file(content)


def _private_temp_file(content: bytes) -> str:
    global _private_dir
    from irtui.files import write_private

    if _private_dir is None:
        _private_dir = tempfile.mkdtemp(prefix="irtui-kube-")  # 0700
        atexit.register(shutil.rmtree, _private_dir, True)
    fd, name = tempfile.mkstemp(dir=_private_dir)
    os.close(fd)
    write_private(name, content)
    return name
