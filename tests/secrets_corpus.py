"""Secrets as they leak in an incident: each case is text a responder types, a pod carries or
a log prints, and the secret in it that must never be stored, shown or written.

The secrets are unique strings, so finding one in a file's bytes or a database row proves
the leak. `CONFIG` is the config that adds the one site-specific pattern of the corpus.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    secret: str


CASES = (
    Case("env name *PASS*", "DB_PASS=hunter2-env-7731", "hunter2-env-7731"),
    Case("env name *SECRET*", "export JWT_SECRET=jwt-sec-2290", "jwt-sec-2290"),
    Case("env name *TOKEN*, yaml", "SLACK_TOKEN: xoxb-tok-6403", "xoxb-tok-6403"),
    Case("env name *KEY*", "STRIPE_API_KEY='sk-live-key-5518'", "sk-live-key-5518"),
    Case("URL password", "DATABASE_URL=postgres://emr:url-pw-4412@postgres:5432/emrtask", "url-pw-4412"),
    Case("URL password in prose", "connect failed for redis://:redis-pw-0917@cache:6379/0, retrying", "redis-pw-0917"),
    Case("--password x", "pg_dump --password arg-pw-3385 -h postgres emrtask", "arg-pw-3385"),
    Case("--password=x", "mysqldump --password=eq-pw-7106 emrtask", "eq-pw-7106"),
    Case("mysql -pSECRET", "mysql -u root -pmy-pw-2741 emrtask", "my-pw-2741"),
    Case("--token x", "kubectl --token tok-arg-8830 get pods", "tok-arg-8830"),
    Case("--client-secret x", "oidc-login --client-id irtui --client-secret cs-arg-6620", "cs-arg-6620"),
    Case("PEM private key", "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpemBody0042Secret\nQk9EWQ==\n"
                           "-----END RSA PRIVATE KEY-----\nend", "MIIEpemBody0042Secret"),
    Case("PEM in a JSON log line", '{"msg":"loaded","pem":"-----BEGIN PRIVATE KEY-----\\nMIIEjsonPem7781\\n'
                                   '-----END PRIVATE KEY-----\\n"}', "MIIEjsonPem7781"),
    Case("Bearer header", "curl -H 'Authorization: Bearer eyJhbGc.bearer-5150.sig' http://api", "eyJhbGc.bearer-5150.sig"),
    Case("Basic header", "Authorization: Basic YWRtaW46YmFzaWMtOTk=", "YWRtaW46YmFzaWMtOTk="),
    Case("JSON member", '{"level":"info","api_key":"json-key-3304"}', "json-key-3304"),
    Case("configured pattern", "vault lease hvs.CAESIconf1g9pattern7 renewed", "hvs.CAESIconf1g9pattern7"),
)

SECRETS = tuple(case.secret for case in CASES)

# The site-specific rule: HashiCorp Vault service tokens.
PATTERN = r"hvs\.[A-Za-z0-9]{16,}"
CONFIG = f"[redaction]\npatterns = ['{PATTERN}']  # a TOML literal string: no escapes\n"

# Near misses that must stay readable: a responder needs them.
KEPT = (
    "DB_PASSWORD: <set from secretKeyRef>",
    'client_secret="$CLIENT_SECRET"',
    "DB_PASSWORD_FILE=/run/secrets/db",
    "psql -h postgres -p 5432 emrtask",
    "EMR_FALLBACK_MODE=true",
    "Back-off restarting failed container task-service in pod task-service-7d9c",
    "app.kubernetes.io/name=api-gateway",
    "-----BEGIN CERTIFICATE-----\nMIIBpublicCert\n-----END CERTIFICATE-----",
    "Basic auth failed",
)


def leaks(data: bytes | str) -> list[str]:
    """The corpus secrets found in `data`."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return [secret for secret in SECRETS if secret in text]
