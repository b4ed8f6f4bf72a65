"""A local stand-in for Salesforce's REST API, served over HTTPS on 127.0.0.1 as Salesforce serves it, driven by
the real `simple-salesforce` client (which only speaks https).

What it answers, as Salesforce documents it (REST API Developer Guide): SOQL through `query` and `queryAll`
(`queryAll` also returns deleted rows, `IsDeleted = true`), pages of 2,000 records followed through
`nextRecordsUrl`, relationship fields as nested objects with `attributes` (`Owner.Email`, `Product2.Name`, null
when the lookup is empty), `sobjects/<Type>/` create (201 with `id`, `success`, `errors`) and PATCH update (204),
and its errors as a list of `{"message", "errorCode"}`: `INVALID_SESSION_ID` (401) for a session that expired,
`REQUEST_LIMIT_EXCEEDED` (403), `MALFORMED_QUERY` and `INVALID_FIELD` (400), `NOT_FOUND` (404).

The SOQL it understands is what a sync needs: SELECT of fields and relationship fields, FROM one object, WHERE
with AND, OR, parentheses, = != < <= > >=, IN and NOT IN, literals of strings, numbers, true/false/null, dates
and date-times; ORDER BY one field; LIMIT.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import re
import secrets
import ssl
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

PAGE = 2000
STANDARD_OBJECTS = (
    "Account", "Contact", "Opportunity", "OpportunityLineItem", "OpportunityContactRole", "Product2", "User", "Case",
    "Task",
)  # fmt: skip
API = re.compile(r"^/services/data/v(?P<version>\d+\.\d)/(?P<rest>.*)$")
# A relationship's lookup field and the object it names (the standard ones a sync reads).
RELATED_TYPE = {"Owner": "User", "CreatedBy": "User"}


class SoqlError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*')|(?P<dt>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d))"
    r"|(?P<date>\d{4}-\d\d-\d\d)|(?P<num>-?\d+(?:\.\d+)?)|(?P<op><=|>=|!=|<>|=|<|>|\(|\)|,)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))"
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise SoqlError("MALFORMED_QUERY", f"unexpected token at: {text[pos : pos + 20]}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


@functools.lru_cache(maxsize=65536)  # a query compares every row's stamp: most rows share a few seconds
def parse_datetime(text: str) -> dt.datetime:
    text = text.replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", text):
        text = text[:-2] + ":" + text[-2:]
    return dt.datetime.fromisoformat(text)


def _literal(kind: str, text: str) -> Any:
    if kind == "str":
        return text[1:-1].replace("\\'", "'").replace("\\\\", "\\")
    if kind == "dt":
        return parse_datetime(text)
    if kind == "date":
        return dt.date.fromisoformat(text)
    if kind == "num":
        return Decimal(text)
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    raise SoqlError("MALFORMED_QUERY", f"unexpected value {text}")


@dataclass
class Query:
    fields: list[str]
    sobject: str
    where: Callable[[Callable[[str], Any]], bool] | None
    order: tuple[str, bool] | None
    limit: int | None


class _Parser:
    def __init__(self, soql: str) -> None:
        self.toks = _tokens(soql)
        self.i = 0

    def peek(self) -> tuple[str, str]:
        return self.toks[self.i] if self.i < len(self.toks) else ("", "")

    def word(self, expected: str | None = None) -> str:
        kind, text = self.peek()
        if kind != "word" or (expected and text.upper() != expected):
            raise SoqlError("MALFORMED_QUERY", f"expected {expected or 'a name'}, found '{text}'")
        self.i += 1
        return text

    def take(self, op: str) -> None:
        if self.peek() != ("op", op):
            raise SoqlError("MALFORMED_QUERY", f"expected '{op}'")
        self.i += 1

    def query(self) -> Query:
        self.word("SELECT")
        fields = [self.word()]
        while self.peek() == ("op", ","):
            self.i += 1
            fields.append(self.word())
        self.word("FROM")
        sobject = self.word()
        where = order = limit = None
        if self.peek()[1].upper() == "WHERE":
            self.i += 1
            where = self.disjunction()
        if self.peek()[1].upper() == "ORDER":
            self.i += 1
            self.word("BY")
            name = self.word()
            descending = False
            if self.peek()[1].upper() in ("ASC", "DESC"):
                descending = self.word().upper() == "DESC"
            order = (name, descending)
        if self.peek()[1].upper() == "LIMIT":
            self.i += 1
            limit = int(self.peek()[1])
            self.i += 1
        if self.i != len(self.toks):
            raise SoqlError("MALFORMED_QUERY", f"unexpected '{self.peek()[1]}'")
        return Query(fields, sobject, where, order, limit)

    def disjunction(self) -> Callable[[Callable[[str], Any]], bool]:
        parts = [self.conjunction()]
        while self.peek()[1].upper() == "OR":
            self.i += 1
            parts.append(self.conjunction())
        return lambda get: any(p(get) for p in parts)

    def conjunction(self) -> Callable[[Callable[[str], Any]], bool]:
        parts = [self.atom()]
        while self.peek()[1].upper() == "AND":
            self.i += 1
            parts.append(self.atom())
        return lambda get: all(p(get) for p in parts)

    def atom(self) -> Callable[[Callable[[str], Any]], bool]:
        if self.peek() == ("op", "("):
            self.i += 1
            inner = self.disjunction()
            self.take(")")
            return inner
        name = self.word()
        negate = False
        if self.peek()[1].upper() == "NOT":
            self.i += 1
            negate = True
        if self.peek()[1].upper() == "IN":
            self.i += 1
            self.take("(")
            values = [_literal(*self.peek())]
            self.i += 1
            while self.peek() == ("op", ","):
                self.i += 1
                values.append(_literal(*self.peek()))
                self.i += 1
            self.take(")")
            return lambda get: (get(name) in values) != negate
        kind, op = self.peek()
        if (kind != "op" or op in "(),") and op.upper() != "LIKE":
            raise SoqlError("MALFORMED_QUERY", f"expected an operator after {name}")
        self.i += 1
        value = _literal(*self.peek())
        self.i += 1
        return lambda get: _compare(get(name), op, value)


def _compare(left: Any, op: str, right: Any) -> bool:
    if op.upper() == "LIKE":  # % any run of characters, _ one; without case, as Salesforce compares text
        pattern = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in str(right))
        return left is not None and re.fullmatch(pattern, str(left), re.IGNORECASE | re.DOTALL) is not None
    if op in ("=", "!=", "<>"):
        same = left == right if not isinstance(left, str) else left.lower() == str(right).lower()
        return same if op == "=" else not same
    if left is None or right is None:
        return False
    if isinstance(left, str) and isinstance(right, dt.datetime):
        left = parse_datetime(left)
    elif isinstance(left, str) and isinstance(right, dt.date):
        left = dt.date.fromisoformat(left)
    elif isinstance(left, int | float) and isinstance(right, Decimal):
        left = Decimal(str(left))
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]


def stamp(moment: dt.datetime) -> str:
    """A date-time as Salesforce writes it: 2026-12-01T10:00:00.000+0000."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


@dataclass
class Failure:
    status: int
    error_code: str
    message: str
    times: int
    path_contains: str = ""


class SalesforceStandIn:
    def __init__(self, *, version: str = "59.0") -> None:
        self.version = version
        self.session_id = "00D" + secrets.token_hex(12)
        # The standard objects an org has, with or without records (an unknown type is INVALID_TYPE).
        self.objects: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in STANDARD_OBJECTS}
        self.requests: list[tuple[str, str]] = []  # (method, path): what the client asked
        self.failures: list[Failure] = []
        self._cursors: dict[str, list[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self.clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
        self._server: ThreadingHTTPServer | None = None
        self._dir = tempfile.TemporaryDirectory()
        self.ca_bundle = str(Path(self._dir.name) / "standin-ca.pem")

    # ---- data, as an admin would enter it -------------------------------------------------------------------
    def new_id(self, prefix: str) -> str:
        return (prefix + f"{next(self._ids):012d}" + "AAA")[:18]

    def put(self, sobject: str, record: dict[str, Any], *, at: dt.datetime | None = None) -> str:
        """Creates or changes a record (by its Id, made when absent); its SystemModstamp moves to `at`."""
        with self._lock:
            table = self.objects.setdefault(sobject, {})
            prefix = {"Account": "001", "Contact": "003", "Opportunity": "006", "User": "005", "Case": "500"}
            record_id = record.get("Id") or self.new_id(prefix.get(sobject, "a00"))
            row = table.setdefault(record_id, {"Id": record_id, "IsDeleted": False})
            row.update(record)
            row["SystemModstamp"] = stamp(at or self.clock())
            return record_id

    def delete(self, sobject: str, record_id: str, *, purge: bool = False, at: dt.datetime | None = None) -> None:
        """To the recycle bin (queryAll still shows it, IsDeleted true), or purged (gone without a trace)."""
        with self._lock:
            if purge:
                self.objects[sobject].pop(record_id)
            else:
                self.objects[sobject][record_id].update(IsDeleted=True, SystemModstamp=stamp(at or self.clock()))

    def fail(self, status: int, error_code: str, message: str, *, times: int = 1, path_contains: str = "") -> None:
        self.failures.append(Failure(status, error_code, message, times, path_contains))

    def expire_session(self) -> None:
        """The session the bot holds expires: every call answers INVALID_SESSION_ID until it signs in again."""
        self.session_id = "00D" + secrets.token_hex(12)

    # ---- serving ---------------------------------------------------------------------------------------------
    @property
    def instance_url(self) -> str:
        assert self._server is not None
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> SalesforceStandIn:
        cert, key = _self_signed(Path(self._dir.name))
        Path(self.ca_bundle).write_bytes(Path(cert).read_bytes())
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: Any | None) -> None:
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                if body is not None:
                    self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null") if length else None
                status, answer = standin.handle(method, self.path, self.headers.get("Authorization", ""), body)
                self._answer(status, answer)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_PATCH(self) -> None:
                self._serve("PATCH")

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        server.daemon_threads = True
        self._server = server
        threading.Thread(target=server.serve_forever, name="salesforce-standin", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        self._dir.cleanup()

    # ---- the API ---------------------------------------------------------------------------------------------
    def handle(self, method: str, path: str, authorization: str, body: Any) -> tuple[int, Any]:
        with self._lock:
            self.requests.append((method, path))
            for failure in self.failures:
                if failure.times > 0 and failure.path_contains in path:
                    failure.times -= 1
                    return failure.status, [{"message": failure.message, "errorCode": failure.error_code}]
            if authorization != f"Bearer {self.session_id}":
                return 401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
            url = urlparse(path)
            m = API.match(url.path)
            if not m:
                return 404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
            rest = m.group("rest").rstrip("/")
            try:
                if method == "GET" and rest in ("query", "queryAll"):
                    soql = parse_qs(url.query).get("q", [""])[0]
                    return 200, self._query(soql, with_deleted=rest == "queryAll")
                if method == "GET" and rest.startswith(("query/", "queryAll/")):
                    return self._more(rest.split("/", 1)[1])
                if rest.startswith("sobjects/"):
                    return self._sobject(method, rest.split("/")[1:], body or {})
            except SoqlError as exc:
                return 400, [{"message": str(exc), "errorCode": exc.code}]
            return 404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]

    def _sobject(self, method: str, parts: list[str], body: dict[str, Any]) -> tuple[int, Any]:
        sobject = parts[0]
        if method == "POST" and len(parts) == 1:
            record_id = self.put(sobject, body)
            return 201, {"id": record_id, "success": True, "errors": []}
        if method == "PATCH" and len(parts) == 2:
            if parts[1] not in self.objects.get(sobject, {}):
                return 404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
            self.put(sobject, {**body, "Id": parts[1]})
            return 204, None
        return 405, [{"errorCode": "METHOD_NOT_ALLOWED", "message": f"HTTP Method '{method}' not allowed"}]

    def _get(self, record: dict[str, Any], name: str) -> Any:
        """A field of a record, following one relationship (Owner.Email: the User named by OwnerId)."""
        if "." not in name:
            return record.get(name)
        relation, rest = name.split(".", 1)
        target = self.objects.get(RELATED_TYPE.get(relation, relation), {}).get(record.get(relation + "Id") or "")
        return None if target is None else self._get(target, rest)

    def _shape(self, sobject: str, record: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        url = f"/services/data/v{self.version}/sobjects/{sobject}/{record['Id']}"
        out: dict[str, Any] = {"attributes": {"type": sobject, "url": url}}
        for name in fields:
            if "." not in name:
                out[name] = record.get(name)
                continue
            relation, leaf = name.split(".", 1)
            rtype = RELATED_TYPE.get(relation, relation)
            target = self.objects.get(rtype, {}).get(record.get(relation + "Id") or "")
            if target is None:
                out[relation] = None
                continue
            nested = out.get(relation) or {
                "attributes": {"type": rtype, "url": f"/services/data/v{self.version}/sobjects/{rtype}/{target['Id']}"}
            }
            nested[leaf] = self._get(target, leaf)
            out[relation] = nested
        return out

    def _query(self, soql: str, *, with_deleted: bool) -> dict[str, Any]:
        q = _Parser(soql).query()
        if q.sobject not in self.objects:
            raise SoqlError("INVALID_TYPE", f"sObject type '{q.sobject}' is not supported.")
        rows = [r for r in self.objects[q.sobject].values() if with_deleted or not r.get("IsDeleted")]
        if q.where is not None:
            where = q.where
            rows = [r for r in rows if where(lambda name, r=r: self._get(r, name))]  # type: ignore[misc]
        if q.order is not None:
            name, descending = q.order
            rows.sort(key=lambda r: (self._get(r, name) is None, self._get(r, name) or ""), reverse=descending)
        if q.limit is not None:
            rows = rows[: q.limit]
        shaped = [self._shape(q.sobject, r, q.fields) for r in rows]
        return self._page(shaped, len(shaped))

    def _page(self, records: list[dict[str, Any]], total: int) -> dict[str, Any]:
        page, rest = records[:PAGE], records[PAGE:]
        answer: dict[str, Any] = {"totalSize": total, "done": not rest, "records": page}
        if rest:
            locator = "01g" + secrets.token_hex(8)
            offset = total - len(rest)
            self._cursors[f"{locator}-{offset}"] = rest
            answer["nextRecordsUrl"] = f"/services/data/v{self.version}/query/{locator}-{offset}"
        return answer

    def _more(self, cursor: str) -> tuple[int, Any]:
        rest = self._cursors.pop(cursor, None)
        if rest is None:
            return 400, [{"errorCode": "INVALID_QUERY_LOCATOR", "message": "invalid query locator"}]
        total = int(cursor.rsplit("-", 1)[1]) + len(rest)
        return 200, self._page(rest, total)


def _self_signed(folder: Path) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key (the client is told to trust it through CRM_CA_BUNDLE)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_path), str(key_path)


def records_of(standin: SalesforceStandIn, sobject: str) -> list[dict[str, Any]]:
    return [dict(r) for r in standin.objects.get(sobject, {}).values()]


def seed_synthetic(sf: SalesforceStandIn, *, accounts: int, contacts: int, opportunities: int, seed: int = 7) -> None:
    """A large org for the benches: every account a customer (a won deal each), contacts and deals spread over them,
    one product per won deal, a renewal open on one account in ten."""
    import random

    rng = random.Random(seed)
    # Entered over the last 30 days, up to an hour ago, as a real org's records were: a sync now is past them,
    # and the changes made later stand apart.
    total = max(accounts + contacts + opportunities * 2, 1)
    first = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    step = (dt.timedelta(days=30) - dt.timedelta(hours=1)) / total
    entered = itertools.count()
    sf.clock = lambda: first + step * next(entered)
    countries = ["Germany", "USA", "Japan", "France", "Brazil", "United Kingdom", "India", "Canada"]
    industries = ["Retail", "Energy", "Software", "Banking", "Healthcare", "Manufacturing", "Logistics"]
    users = [sf.put("User", {"Email": f"rep{i}@example.com"}) for i in range(200)]
    products = [sf.put("Product2", {"Name": f"Product {i}"}) for i in range(12)]
    account_ids = []
    for i in range(accounts):
        account_ids.append(
            sf.put(
                "Account",
                {
                    "Name": f"Company {i:06d}",
                    "Industry": rng.choice(industries),
                    "BillingCountry": rng.choice(countries),
                    "NumberOfEmployees": rng.randint(5, 20000),
                    "OwnerId": rng.choice(users),
                },
            )  # fmt: skip
        )
    for i in range(contacts):
        sf.put("Contact", {"AccountId": account_ids[i % accounts], "Name": f"Person {i:07d}",
                           "Email": f"person{i}@example.test", "Title": "Director"})  # fmt: skip
    today = dt.date.today()
    for i in range(opportunities):
        account = account_ids[i % accounts]
        won = i < accounts or rng.random() < 0.3
        renewal = not won and i % 10 == 0
        closes = today + dt.timedelta(days=rng.randint(-700, -1) if won else rng.randint(1, 200))
        opp = sf.put("Opportunity", {"AccountId": account, "Name": f"Deal {i:07d}", "StageName": "Closed Won" if won
                                     else "Negotiation", "Amount": float(rng.randint(1, 500) * 1000),
                                     "CloseDate": closes.isoformat(), "IsClosed": won, "IsWon": won,
                                     "Type": "Renewal" if renewal else "New Customer",
                                     "OwnerId": rng.choice(users)})  # fmt: skip
        if won and i < accounts:
            sf.put("OpportunityLineItem", {"OpportunityId": opp, "Product2Id": rng.choice(products)})
    sf.clock = lambda: dt.datetime.now(dt.UTC)


def main() -> None:
    """`python -m tests.salesforce_standin [--accounts N --contacts N --opportunities N]`: serves a stand-in in a
    process of its own (the benches' CRM), prints how to reach it as one JSON line, and answers
    `POST /control/change?n=N` by changing N accounts (an incremental sync's work)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=0)
    parser.add_argument("--contacts", type=int, default=0)
    parser.add_argument("--opportunities", type=int, default=0)
    args = parser.parse_args()
    sf = SalesforceStandIn()
    seed_synthetic(sf, accounts=args.accounts, contacts=args.contacts, opportunities=args.opportunities)
    handle = sf.handle

    def with_control(method: str, path: str, authorization: str, body: Any) -> tuple[int, Any]:
        if path.startswith("/control/change"):
            n = int(parse_qs(urlparse(path).query).get("n", ["0"])[0])
            for record_id in list(sf.objects["Account"])[:n]:
                sf.put("Account", {"Id": record_id, "Industry": "Changed"})
            return 200, {"changed": n}
        return handle(method, path, authorization, body)

    sf.handle = with_control  # type: ignore[method-assign]
    sf.start()
    print(json.dumps({"instance_url": sf.instance_url, "session_id": sf.session_id, "ca_bundle": sf.ca_bundle}))
    sys.stdout.flush()
    threading.Event().wait()


if __name__ == "__main__":
    main()
