"""What a command run in a simulated container prints and how it exits.

`run(world, pod, container, argv)` answers for the few commands the runbook runs inside pods:
`curl` (the pod's own service on localhost, other Services by name, and the EMR vendor's
FHIR and OAuth endpoints), `pg_isready`, `pg_controldata`, `pg_ctl promote`, `psql -c` with
a handful of queries, `npm run verify:data`, `netstat`, `sleep`, and `sh -c '...'` running one
of those (optionally piped into `grep`). Answers follow the world as it is now: the faults of
the running scenarios, which pods are ready, whether the replica was promoted. Anything else
exits 127 as a shell does.

Promotion is the only thing a command changes, and it does so through
`World.promote_replica`. Nothing here knows about HTTP or WebSockets: `irtui.sim.exec` carries
the output to the client.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from irtui.sim import objects as o
from irtui.sim.scenarios import ATTACKER

if TYPE_CHECKING:
    from irtui.sim.runtime import PodRT
    from irtui.sim.world import World

STDOUT, STDERR = 1, 2
FHIR_HOST = "fhir.epic.com"
FHIR_PATH = "/interconnect-fhir-oauth/api/FHIR/R4"
OAUTH_PATH = "/interconnect-fhir-oauth/oauth2/token"
MAX_SLEEP = 600.0  # seconds of real time a `sleep` may hold an exec open


@dataclass
class Result:
    """Output in the order it was written, as (channel, text) pieces, and the exit code."""

    chunks: list[tuple[int, str]] = field(default_factory=list)
    code: int = 0
    sleep: float = 0.0  # real seconds to wait before the process exits

    def out(self, text: str) -> Result:
        self.chunks.append((STDOUT, text))
        return self

    def err(self, text: str) -> Result:
        self.chunks.append((STDERR, text))
        return self

    def exit(self, code: int) -> Result:
        self.code = code
        return self

    @property
    def stdout(self) -> str:
        return "".join(text for ch, text in self.chunks if ch == STDOUT)


@dataclass
class Process:
    """Where a command runs: the pod's runtime record and its container's name and env."""

    world: World
    pod: PodRT
    container: str
    env: dict[str, str]

    @property
    def app(self) -> str:
        return self.pod.app

    @property
    def is_postgres(self) -> bool:
        return self.app in o.STATEFUL_SERVICES

    @property
    def is_node_app(self) -> bool:
        return self.app in o.PLATFORM_SERVICES


def run(world: World, pod: PodRT, container: str, argv: list[str], env: dict[str, str] | None = None) -> Result:
    """Run `argv` in `container` of `pod`; never raises for a bad command line."""
    proc = Process(world, pod, container, dict(env or pod.env))
    try:
        return _run(proc, argv)
    except _Usage as exc:
        return Result().err(str(exc) + "\n").exit(exc.code)


class _Usage(Exception):
    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def _not_found(name: str) -> Result:
    return Result().err(f"sh: 1: {name}: not found\n").exit(127)


def _run(proc: Process, argv: list[str]) -> Result:
    if not argv:
        return Result()
    name = argv[0].rsplit("/", 1)[-1]
    if name in ("sh", "bash", "ash", "dash"):
        return _shell(proc, argv)
    handler = _COMMANDS.get(name)
    if handler is None or not handler[1](proc):
        return _not_found(argv[0])
    return handler[0](proc, argv[1:])


# --- sh -c ---------------------------------------------------------------------------------

_VAR = re.compile(r"\$(\w+)|\$\{(\w+)\}")


def _shell(proc: Process, argv: list[str]) -> Result:
    """`sh -c SCRIPT`: simple commands joined by `;`, `&&`, `||` and `| grep`, with `$VAR` and
    `${VAR}` from the container's environment. No globbing, redirection or subshells."""
    if len(argv) < 3 or argv[1] != "-c":
        # An interactive shell without a terminal reads stdin, which exec here never sends.
        return Result()
    script = _VAR.sub(lambda m: _quote(proc.env.get(m.group(1) or m.group(2), "")), argv[2])
    lexer = shlex.shlex(script, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError as exc:
        return Result().err(f"sh: 1: Syntax error: {exc}\n").exit(2)
    result = Result()
    pipeline: list[list[str]] = [[]]
    run_next = True
    for token in [*tokens, ";"]:
        if token == "|":
            pipeline.append([])
            continue
        if token not in (";", "&&", "||"):
            pipeline[-1].append(token)
            continue
        if any(not words for words in pipeline) and pipeline != [[]]:
            return result.err(f'sh: 1: Syntax error: "{token}" unexpected\n').exit(2)
        if pipeline != [[]] and run_next:
            step = _run(proc, pipeline[0])
            for filter_words in pipeline[1:]:
                step = _pipe(step, filter_words)
            result.chunks += step.chunks
            result.sleep += step.sleep
            result.code = step.code
        run_next = token == ";" or (token == "&&") == (result.code == 0)
        pipeline = [[]]
    return result


def _quote(value: str) -> str:
    # The expansion happens before shlex reads the line; keep the value one word.
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _pipe(step: Result, argv: list[str]) -> Result:
    """`... | grep [-E] [-i] [-v] PATTERN`: the one filter the runbook pipes into."""
    if not argv or argv[0] != "grep":
        return _not_found(argv[0] if argv else "")
    flags = [a for a in argv[1:] if a.startswith("-")]
    words = [a for a in argv[1:] if not a.startswith("-")]
    if not words:
        return Result().err("Usage: grep [OPTION]... PATTERNS [FILE]...\n").exit(2)
    pattern = words[0] if any("E" in f for f in flags) else re.escape(words[0])
    regex = re.compile(pattern, re.IGNORECASE if any("i" in f for f in flags) else 0)
    invert = any("v" in f for f in flags)
    lines = [line for line in step.stdout.splitlines(keepends=True) if bool(regex.search(line)) != invert]
    out = Result(chunks=[(ch, t) for ch, t in step.chunks if ch == STDERR], sleep=step.sleep)
    return out.out("".join(lines)).exit(0 if lines else 1)


# --- curl ----------------------------------------------------------------------------------

@dataclass
class _Curl:
    url: str = ""
    method: str = ""
    fail: bool = False
    silent: bool = False
    show_error: bool = False
    verbose: bool = False
    output: str | None = None
    write_out: str = ""
    headers: list[str] = field(default_factory=list)
    data: list[str] = field(default_factory=list)


_CURL_ARG = {"-X": "method", "--request": "method", "-H": "headers", "--header": "headers", "-d": "data",
             "--data": "data", "--data-raw": "data", "-o": "output", "--output": "output", "-w": "write_out",
             "--write-out": "write_out"}
_CURL_FLAG = {"f": "fail", "s": "silent", "S": "show_error", "v": "verbose"}
_CURL_LONG = {"--fail": "fail", "--silent": "silent", "--show-error": "show_error", "--verbose": "verbose"}


def _parse_curl(args: list[str]) -> _Curl:
    opts = _Curl()
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in _CURL_ARG:
            if i + 1 >= len(args):
                raise _Usage(f"curl: option {arg}: requires parameter")
            _set(opts, _CURL_ARG[arg], args[i + 1])
            i += 2
            continue
        if arg in _CURL_LONG:
            setattr(opts, _CURL_LONG[arg], True)
        elif arg.startswith("-") and not arg.startswith("--") and len(arg) > 1:
            letters = arg[1:]
            for j, letter in enumerate(letters):
                if f"-{letter}" in _CURL_ARG:  # -XPOST, -fsSo FILE
                    rest = letters[j + 1:]
                    if not rest:
                        if i + 1 >= len(args):
                            raise _Usage(f"curl: option -{letter}: requires parameter")
                        rest = args[i + 1]
                        i += 1
                    _set(opts, _CURL_ARG[f"-{letter}"], rest)
                    break
                if letter not in _CURL_FLAG:
                    raise _Usage(f"curl: option -{letter}: is unknown\ncurl: try 'curl --help' for more information")
                setattr(opts, _CURL_FLAG[letter], True)
        elif arg.startswith("--"):
            raise _Usage(f"curl: option {arg}: is unknown\ncurl: try 'curl --help' for more information")
        else:
            opts.url = arg
        i += 1
    if not opts.url:
        raise _Usage("curl: no URL specified!\ncurl: try 'curl --help' for more information")
    return opts


def _set(opts: _Curl, attr: str, value: str) -> None:
    if attr in ("headers", "data"):
        getattr(opts, attr).append(value)
    else:
        setattr(opts, attr, value)


@dataclass(frozen=True)
class _Unreachable:
    """No HTTP answer at all: curl's own exit code and message."""

    code: int
    message: str


def _refused(host: str, port: int, ms: int = 1) -> _Unreachable:
    return _Unreachable(7, f"Failed to connect to {host} port {port} after {ms} ms: Couldn't connect to server")


_REASON = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
           502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


def _curl(proc: Process, args: list[str]) -> Result:
    opts = _parse_curl(args)
    url = opts.url if "://" in opts.url else "http://" + opts.url
    parts = urlsplit(url)
    host, scheme = (parts.hostname or ""), parts.scheme
    port = parts.port or (443 if scheme == "https" else 80)
    path = parts.path or "/"
    method = opts.method or ("POST" if opts.data else "GET")
    result = Result()
    answer = _answer(proc, host, port, path, method, "&".join(opts.data))
    if isinstance(answer, _Unreachable):
        if not opts.silent or opts.show_error:
            result.err(f"curl: ({answer.code}) {answer.message}\n")
        return result.exit(answer.code)
    status, content_type, body = answer
    if opts.verbose:
        result.err(f"*   Trying {host}:{port}...\n* Connected to {host} port {port}\n"
                   f"> {method} {path} HTTP/1.1\n> Host: {host}{'' if port in (80, 443) else f':{port}'}\n"
                   f"> User-Agent: curl/8.5.0\n> Accept: */*\n>\n"
                   f"< HTTP/1.1 {status} {_REASON.get(status, '')}\n< Content-Type: {content_type}\n"
                   f"< Content-Length: {len(body.encode())}\n<\n")
    if opts.fail and status >= 400:
        if not opts.silent or opts.show_error:
            result.err(f"curl: (22) The requested URL returned error: {status}\n")
        if opts.write_out:
            result.out(_write_out(opts.write_out, status))
        return result.exit(22)
    if opts.output is None:
        result.out(body)
    elif opts.output != "/dev/null":
        raise _Usage("curl: (23) Failure writing output to destination, passed 0 returned -1\n"
                     "(only -o /dev/null is writable here)", 23)
    if opts.write_out:
        result.out(_write_out(opts.write_out, status))
    return result


def _write_out(template: str, status: int) -> str:
    return template.replace("%{http_code}", str(status)).replace("%{response_code}", str(status)) \
        .replace("\\n", "\n").replace("\\t", "\t")


def _answer(proc: Process, host: str, port: int, path: str, method: str,
            data: str) -> tuple[int, str, str] | _Unreachable:
    """(status, content type, body) as the server at host:port answers, or why nothing did."""
    world = proc.world
    ns = proc.pod.namespace
    service = host.split(".", 1)[0] if host.endswith((f".{ns}", f".{ns}.svc", f".{ns}.svc.cluster.local")) else host
    if host in ("localhost", "127.0.0.1", "::1"):
        return _local(proc, port, path)
    if host == FHIR_HOST:
        return _fhir(proc, port, path, method, data)
    svc = world.store.get("services", ns, service)
    if svc is None:
        return _Unreachable(6, f"Could not resolve host: {host}")
    ports = [p for p in (svc.get("spec") or {}).get("ports") or [] if p.get("port") == port]
    if not ports:
        return _refused(host, port)
    status, content_type, body = world.service_endpoint(ns, service, port, path)
    if status == 503 and "no endpoints available" in body:
        return _refused(host, port, 3)
    return status, content_type, body


def _local(proc: Process, port: int, path: str) -> tuple[int, str, str] | _Unreachable:
    world, app = proc.world, proc.app
    if not proc.is_node_app or port not in (o.HTTP_PORT, o.METRICS_PORT):
        return _refused("localhost", port, 0)
    path = path.rstrip("/") or "/"
    if port == o.METRICS_PORT:
        if path != "/metrics":
            return 404, "text/plain", f"Cannot GET {path}\n"
        world.telemetry.refresh()
        return 200, "text/plain; version=0.0.4", world.telemetry.metrics_text(app)
    if path == "/health":
        world.telemetry.refresh()
        code, body = world.telemetry.health(app, proc.pod)
        return code, "application/json", json.dumps(body) + "\n"
    if path in ("/ready", "/live"):
        return 200, "text/plain", "ok\n"
    return 404, "text/plain", f"Cannot GET {path}\n"


def _fhir(proc: Process, port: int, path: str, method: str, data: str) -> tuple[int, str, str] | _Unreachable:
    """The EMR vendor's endpoints, as seen from inside the cluster (the only egress allowed)."""
    world = proc.world
    if port != 443:
        return _refused(FHIR_HOST, port, 2)
    if world.faults.active("emr_upstream_down"):
        body = {"error": "temporarily_unavailable"} if path == OAUTH_PATH else {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "transient", "diagnostics": "upstream unavailable"}]}
        return 503, "application/json", json.dumps(body) + "\n"
    if path == OAUTH_PATH:
        if method != "POST":
            return 405, "application/json", json.dumps({"error": "invalid_request"}) + "\n"
        form = parse_qs(data)
        if not (form.get("client_id") or [""])[0]:
            return 401, "application/json", json.dumps({"error": "invalid_client"}) + "\n"
        # The token itself is not something a drill should print: a fixed, obviously fake value.
        return 200, "application/json", json.dumps(
            {"access_token": "simulated", "token_type": "Bearer", "expires_in": 3600}) + "\n"
    if path.startswith(FHIR_PATH):
        resource = path[len(FHIR_PATH):].strip("/") or "metadata"
        if resource == "metadata":
            return 200, "application/fhir+json", json.dumps({"resourceType": "CapabilityStatement",
                                                             "status": "active", "fhirVersion": "4.0.1"}) + "\n"
        return 200, "application/fhir+json", json.dumps(
            {"resourceType": "Bundle", "type": "searchset", "total": 0}) + "\n"
    return 404, "text/html", "<html><body>Not Found</body></html>\n"


# --- PostgreSQL tools ----------------------------------------------------------------------

def _db_host_state(proc: Process, host: str | None) -> tuple[str, str]:
    """(label, state) for pg_isready/psql: state is accepting, rejecting or no response."""
    faults = proc.world.faults
    if host in (None, "", "localhost", "127.0.0.1", "/var/run/postgresql"):
        if not proc.is_postgres:
            return "/var/run/postgresql:5432", "no response"
        target = proc.app
        label = "/var/run/postgresql:5432"
    else:
        target = host.split(".", 1)[0]
        label = f"{host}:5432"
        if target not in o.STATEFUL_SERVICES:
            return label, "unknown host"
    if target == "postgres":
        if faults.active("db_hung") or faults.active("db_corrupt") or not faults.primary_ready():
            return label, "no response"
    elif not faults.replica_ready():
        return label, "no response"
    return label, "accepting connections"


def _pg_isready(proc: Process, args: list[str]) -> Result:
    host = _option(args, "-h", "--host")
    label, state = _db_host_state(proc, host)
    if state == "unknown host":
        return Result().out(f"{label} - no attempt\n").exit(3)
    code = {"accepting connections": 0, "rejecting connections": 1, "no response": 2}[state]
    return Result().out(f"{label} - {state}\n").exit(code)


def _option(args: list[str], *names: str) -> str | None:
    for i, arg in enumerate(args):
        for name in names:
            if arg == name and i + 1 < len(args):
                return args[i + 1]
            if name.startswith("--") and arg.startswith(name + "="):
                return arg.split("=", 1)[1]
            if not name.startswith("--") and arg.startswith(name) and len(arg) > len(name):
                return arg[len(name):]
    return None


def _is_primary(proc: Process) -> bool:
    return proc.app == "postgres" or proc.world.replica_promoted


def _pg_controldata(proc: Process, args: list[str]) -> Result:
    data_dir = _option(args, "-D", "--pgdata") or next((a for a in args if not a.startswith("-")), None) \
        or proc.env.get("PGDATA")
    if not data_dir:
        return Result().err("pg_controldata: error: no data directory specified\n"
                            "pg_controldata: hint: Try \"pg_controldata --help\" for more information.\n").exit(1)
    if data_dir.rstrip("/") not in ("/var/lib/postgresql/data", "/var/lib/postgresql/data/pgdata"):
        return Result().err(f'pg_controldata: error: could not open file "{data_dir}/global/pg_control" '
                            "for reading: No such file or directory\n").exit(1)
    faults = proc.world.faults
    result = Result()
    corrupt = proc.app == "postgres" and faults.active("db_corrupt")
    if corrupt:
        result.out("WARNING: Calculated CRC checksum does not match value stored in file.\n"
                   "Either the file is corrupt, or it has a different layout than this program\n"
                   "is expecting.  The results below are untrustworthy.\n\n")
    state = "in crash recovery" if corrupt else ("in production" if _is_primary(proc) else "in archive recovery")
    ident = "7301894433810356412"  # a streaming replica shares its primary's system identifier
    timeline = 2 if proc.app == "postgres-replica" and proc.world.replica_promoted else 1
    return result.out(
        "pg_control version number:            1300\n"
        "Catalog version number:               202307071\n"
        f"Database system identifier:           {ident}\n"
        f"Database cluster state:               {state}\n"
        "Latest checkpoint location:           0/5A0001C8\n"
        f"Latest checkpoint's TimeLineID:       {timeline}\n"
        "wal_level setting:                    replica\n"
        "max_connections setting:              100\n"
        "Data page checksum version:           1\n")


def _pg_ctl(proc: Process, args: list[str]) -> Result:
    if not args or args[0] != "promote":
        mode = args[0] if args else ""
        if mode in ("status", "start", "stop", "restart", "reload"):
            return Result().err(f'pg_ctl: the simulated container does not {mode} its server; '
                                "delete the pod to restart it\n").exit(1)
        return Result().err("pg_ctl: no operation specified\n"
                            'Try "pg_ctl --help" for more information.\n').exit(1)
    if _is_primary(proc):
        return Result().err("pg_ctl: cannot promote server; server is not in standby mode\n").exit(1)
    proc.world.promote_replica()
    return Result().out("waiting for server to promote.... done\nserver promoted\n")


_SELECT_1 = re.compile(r"^select\s+1\s*;?$", re.I)
_COUNT_ACTIVITY = re.compile(r"^select\s+count\(\*\)\s+from\s+pg_stat_activity\s*;?$", re.I)
_IN_RECOVERY = re.compile(r"^select\s+pg_is_in_recovery\(\)\s*;?$", re.I)
_PROMOTE = re.compile(r"^select\s+pg_promote\(\s*(true|false)?\s*(,\s*\d+\s*)?\)\s*;?$", re.I)


def _table(column: str, value: str) -> str:
    width = max(len(column), len(value)) + 2
    return (f"{column.center(width)}\n{'-' * width}\n{value.rjust(width - 1)} \n(1 row)\n\n")


def _psql(proc: Process, args: list[str]) -> Result:
    query = _option(args, "-c", "--command")
    host = _option(args, "-h", "--host")
    if query is None:
        return Result().err("psql: error: stdin is not a terminal; give the query with -c\n").exit(1)
    label, state = _db_host_state(proc, host)
    if state != "accepting connections":
        where = (f'connection to server at "{host}", port 5432 failed: ' if host
                 else 'connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: ')
        reason = "could not translate host name to address" if state == "unknown host" else (
            "timeout expired" if proc.world.faults.active("db_hung") else "Connection refused")
        return Result().err(f"psql: error: {where}{reason}\n").exit(2)
    server = (host or proc.app).split(".", 1)[0]
    primary = server == "postgres" or proc.world.replica_promoted
    q = query.strip()
    if _SELECT_1.match(q):
        return Result().out(_table("?column?", "1"))
    if _COUNT_ACTIVITY.match(q):
        in_use = proc.world.telemetry.state["task-service"].pool_in_use if server == "postgres" else 0
        return Result().out(_table("count", str(in_use + 6)))
    if _IN_RECOVERY.match(q):
        return Result().out(_table("pg_is_in_recovery", "f" if primary else "t"))
    if _PROMOTE.match(q):
        if primary:
            return Result().err("ERROR:  recovery is not in progress\n"
                                "HINT:  Recovery control functions can only be executed during recovery.\n").exit(1)
        proc.world.promote_replica()
        return Result().out(_table("pg_promote", "t"))
    return Result().err("ERROR:  the simulated server answers SELECT 1, SELECT count(*) FROM pg_stat_activity, "
                        "SELECT pg_is_in_recovery() and SELECT pg_promote() only\n").exit(1)


# --- the services' own tools -----------------------------------------------------------------

def _npm(proc: Process, args: list[str]) -> Result:
    if args[:1] != ["run"] or len(args) < 2:
        return Result().err("npm error the simulated image only runs scripts: npm run <script>\n").exit(1)
    script = args[1]
    if proc.app != "task-service" or script != "verify:data":
        return Result().err(f'npm error Missing script: "{script}"\n'
                            "npm error\nnpm error To see a list of scripts, run:\nnpm error   npm run\n").exit(1)
    faults = proc.world.faults
    result = Result().out("\n> task-service verify:data\n> node scripts/verify-data.js\n\n")
    if not faults.db_ok_for(proc.pod):
        error = ("timeout exceeded when trying to connect" if faults.active("db_hung")
                 else f"connect ECONNREFUSED {proc.env.get('DB_HOST') or 'postgres'}:5432")
        return result.err(f"Error: {error}\n    at verifyData (/app/scripts/verify-data.js:18:11)\n").exit(1)
    if faults.active("pool_exhausted"):
        return result.err("KnexTimeoutError: Knex: Timeout acquiring a connection. The pool is probably full.\n") \
            .exit(1)
    return result.out("checking tasks ............ ok (0 orphaned rows)\n"
                      "checking handovers ........ ok (0 without a task)\n"
                      "checking emr_links ........ ok (0 dangling references)\n"
                      "data integrity verified\n")


def _netstat(proc: Process, args: list[str]) -> Result:
    flags = "".join(a[1:] for a in args if a.startswith("-") and not a.startswith("--"))
    listening = "a" in flags or "l" in flags
    only_listening = "l" in flags and "a" not in flags
    world = proc.world
    me = proc.pod.pod_ip or "10.244.0.2"
    rows: list[tuple[str, str, str]] = []
    if listening:
        ports = (5432,) if proc.is_postgres else (o.HTTP_PORT, o.METRICS_PORT)
        rows += [(f"0.0.0.0:{p}", "0.0.0.0:*", "LISTEN") for p in ports]
    if not only_listening:
        if proc.is_node_app:
            db = world.store.get("services", proc.pod.namespace, (proc.env.get("DB_HOST") or "postgres"))
            db_ip = ((db or {}).get("spec") or {}).get("clusterIP", "172.20.45.25")
            count = world.telemetry.state.get(proc.app).pool_in_use if proc.app == "task-service" else 2
            state = "ESTABLISHED" if world.faults.db_ok_for(proc.pod) else "SYN_SENT"
            if state == "SYN_SENT":
                count = 1
            rows += [(f"{me}:{41000 + 17 * i}", f"{db_ip}:5432", state) for i in range(count)]
            rows += _intruder_connections(world, proc.pod.name, me)
        elif proc.is_postgres:
            peers = sorted(rt.pod_ip for rt in world.pods.values()
                           if rt.namespace == proc.pod.namespace and rt.app == "task-service" and rt.pod_ip)
            rows += [(f"{me}:5432", f"{ip}:{41000 + 17 * i}", "ESTABLISHED") for i, ip in enumerate(peers)]
    title = ("Active Internet connections (only servers)" if only_listening else
             "Active Internet connections (servers and established)" if listening else
             "Active Internet connections (w/o servers)")
    lines = [title, "Proto Recv-Q Send-Q Local Address           Foreign Address         State"]
    lines += [f"tcp        0      0 {local:<23} {remote:<23} {state}" for local, remote, state in rows]
    return Result().out("\n".join(lines) + "\n")


def _intruder_connections(world: World, pod: str, me: str) -> list[tuple[str, str, str]]:
    """What the security-breach drill's implant keeps open in a pod it runs in: the channel
    to the attacker's address that the runtime-security events name (the dropper's download
    and the upload of the leaked credentials), as netstat shows it."""
    if pod not in world.faults.compromised:
        return []
    peer = f"{ATTACKER}:443"
    return [(f"{me}:51514", peer, "ESTABLISHED"), (f"{me}:51522", peer, "ESTABLISHED")]


def _sleep(proc: Process, args: list[str]) -> Result:
    try:
        seconds = float(args[0].rstrip("s")) if args else None
    except ValueError:
        seconds = None
    if seconds is None or seconds < 0:
        return Result().err("sleep: invalid time interval\n").exit(1)
    return Result(sleep=min(seconds, MAX_SLEEP))


def _echo(proc: Process, args: list[str]) -> Result:
    return Result().out(" ".join(args) + "\n")


def _everywhere(proc: Process) -> bool:
    return True


def _postgres_only(proc: Process) -> bool:
    return proc.is_postgres


def _node_only(proc: Process) -> bool:
    return proc.is_node_app


def _with_psql(proc: Process) -> bool:
    # The services' images carry the client tools (the runbook runs psql -h from task-service).
    return proc.is_postgres or proc.is_node_app


_COMMANDS = {
    "curl": (_curl, _node_only),
    "pg_isready": (_pg_isready, _with_psql),
    "psql": (_psql, _with_psql),
    "pg_controldata": (_pg_controldata, _postgres_only),
    "pg_ctl": (_pg_ctl, _postgres_only),
    "npm": (_npm, _node_only),
    "netstat": (_netstat, _everywhere),
    "sleep": (_sleep, _everywhere),
    "echo": (_echo, _everywhere),
}
