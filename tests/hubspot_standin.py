"""A local stand-in for HubSpot's CRM API (v3 objects and search, v4 associations, owners), driven by the real
`hubspot-api-client` (which calls it through urllib3).

As HubSpot documents it: objects listed with `limit` (at most 100) and the `after` cursor, `properties`,
`associations` (their ids inline) and `archived`; search (`POST .../search`) with filter groups (EQ, NEQ, GT,
GTE, LT, LTE, IN, NOT_IN, HAS_PROPERTY, NOT_HAS_PROPERTY, CONTAINS_TOKEN), sorts, at most 200 per page, and no
result beyond the 10,000th (a 400 VALIDATION_ERROR); batch read; v4 association batch read; notes created with
their associations and updated by PATCH; errors as `{"status": "error", "message", "category"}`: 401
INVALID_AUTHENTICATION for a token it does not know, and 429 RATE_LIMIT with `Retry-After` when told to.
Times are ISO 8601 with milliseconds and `Z`; date-time filters take milliseconds since the epoch.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

SEARCH_CAP = 10_000
# The association type ids HubSpot defines, from one object type to another (a note to a deal is 214).
ASSOCIATION_TYPES = {
    ("contacts", "companies"): 1, ("companies", "contacts"): 2, ("deals", "companies"): 5, ("companies", "deals"): 6,
    ("deals", "contacts"): 3, ("contacts", "deals"): 4, ("line_items", "deals"): 20, ("deals", "line_items"): 19,
    ("tickets", "companies"): 26, ("companies", "tickets"): 25, ("notes", "deals"): 214, ("deals", "notes"): 213,
}  # fmt: skip
DATE_TIME_PROPERTIES = {"hs_lastmodifieddate", "lastmodifieddate", "createdate", "closedate", "hs_timestamp"}


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _millis(text: str) -> int:
    return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    times: int
    path_contains: str = ""
    retry_after: str | None = None


class HubSpotStandIn:
    def __init__(self, token: str = "pat-na1-standin", *, search_cap: int = SEARCH_CAP) -> None:
        self.token = token
        self.search_cap = search_cap
        self.objects: dict[str, dict[str, dict[str, Any]]] = {
            t: {} for t in ("companies", "contacts", "deals", "line_items", "tickets", "notes")
        }
        self.links: set[tuple[str, str, str, str]] = set()  # (from type, from id, to type, to id), both ways
        self.owners: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self.failures: list[Failure] = []
        self._ids = itertools.count(1001)
        self._lock = threading.RLock()
        self.clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
        self._server: ThreadingHTTPServer | None = None

    # ---- data, as a HubSpot user would enter it -------------------------------------------------------------
    def owner(self, email: str) -> str:
        owner_id = str(next(self._ids))
        now = iso(self.clock())
        self.owners[owner_id] = {
            "id": owner_id, "email": email, "firstName": "", "lastName": "", "userId": int(owner_id),
            "createdAt": now, "updatedAt": now, "archived": False, "teams": [],
        }  # fmt: skip
        return owner_id

    def put(self, object_type: str, properties: dict[str, Any], *, object_id: str | None = None) -> str:
        """Creates or changes an object; its last-modified date moves to now."""
        with self._lock:
            table = self.objects[object_type]
            object_id = object_id or str(next(self._ids))
            now = iso(self.clock())
            row = table.setdefault(object_id, {"id": object_id, "properties": {}, "createdAt": now, "archived": False})
            row["properties"].update({k: None if v is None else str(v) for k, v in properties.items()})
            row["properties"]["hs_object_id"] = object_id
            row["properties"]["lastmodifieddate" if object_type == "contacts" else "hs_lastmodifieddate"] = now
            row["updatedAt"] = now
            return object_id

    def link(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        with self._lock:
            self.links.add((from_type, from_id, to_type, to_id))
            self.links.add((to_type, to_id, from_type, from_id))

    def archive(self, object_type: str, object_id: str) -> None:
        with self._lock:
            row = self.objects[object_type][object_id]
            row["archived"] = True
            row["archivedAt"] = iso(self.clock())

    def fail(self, status: int, body: dict[str, Any], *, times: int = 1, path_contains: str = "",
             retry_after: str | None = None) -> None:  # fmt: skip
        self.failures.append(Failure(status, body, times, path_contains, retry_after))

    def rate_limit(self, *, times: int = 1, path_contains: str = "", retry_after: str = "1") -> None:
        body = {"status": "error", "message": "You have reached your secondly limit.", "errorType": "RATE_LIMIT",
                "correlationId": str(uuid.uuid4()), "policyName": "SECONDLY"}  # fmt: skip
        self.fail(429, body, times=times, path_contains=path_contains, retry_after=retry_after)

    # ---- serving ---------------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> HubSpotStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null") if length else None
                status, answer, headers = standin.handle(method, self.path, self.headers.get("Authorization", ""), body)
                data = b"" if answer is None else json.dumps(answer).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json;charset=utf-8", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_PATCH(self) -> None:
                self._serve("PATCH")

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        threading.Thread(target=server.serve_forever, name="hubspot-standin", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # ---- the API ---------------------------------------------------------------------------------------------
    def handle(self, method: str, path: str, authorization: str, body: Any) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            self.requests.append((method, path))
            for failure in self.failures:
                if failure.times > 0 and failure.path_contains in path:
                    failure.times -= 1
                    headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
                    return failure.status, failure.body, headers
            if authorization != f"Bearer {self.token}":
                return 401, _error("Authentication credentials not found.", "INVALID_AUTHENTICATION"), {}
            url = urlparse(path)
            # A list parameter comes repeated (properties=a&properties=b) or comma-separated; HubSpot takes both.
            query = {k: ",".join(v) for k, v in parse_qs(url.query).items()}
            parts = [p for p in url.path.split("/") if p]
            try:
                return (*self._route(method, parts, query, body or {}), {})
            except _Refused as exc:
                return exc.status, _error(exc.message, exc.category), {}

    def _route(self, method: str, parts: list[str], query: dict[str, str], body: dict[str, Any]) -> tuple[int, Any]:
        if parts[:3] == ["crm", "v3", "owners"] and method == "GET":
            return 200, self._page(list(self.owners.values()), query, lambda o: o)
        if parts[:3] == ["crm", "v3", "objects"] and len(parts) >= 4:
            object_type = parts[3]
            if object_type not in self.objects:
                raise _Refused(400, f"Unable to infer object type from: {object_type}", "VALIDATION_ERROR")
            rest = parts[4:]
            if method == "GET" and not rest:
                return 200, self._list(object_type, query)
            if method == "POST" and rest == ["search"]:
                return 200, self._search(object_type, body)
            if method == "POST" and rest == ["batch", "read"]:
                return 200, self._batch_read(object_type, body)
            if method == "POST" and not rest:
                return 201, self._create(object_type, body)
            if method == "PATCH" and len(rest) == 1:
                if rest[0] not in self.objects[object_type]:
                    raise _Refused(404, "resource not found", "OBJECT_NOT_FOUND")
                self.put(object_type, body.get("properties") or {}, object_id=rest[0])
                return 200, self._shape(object_type, self.objects[object_type][rest[0]], None, [])
        if parts[:3] == ["crm", "v4", "associations"] and parts[5:] == ["batch", "read"] and method == "POST":
            return 200, self._associations(parts[3], parts[4], body)
        raise _Refused(404, "resource not found", "OBJECT_NOT_FOUND")

    def _shape(
        self, object_type: str, row: dict[str, Any], properties: list[str] | None, associations: list[str]
    ) -> dict[str, Any]:
        props = row["properties"]
        wanted = properties if properties is not None else ["hs_object_id", "createdate", "hs_lastmodifieddate"]
        out: dict[str, Any] = {
            "id": row["id"],
            "properties": {name: props.get(name) for name in wanted},
            "createdAt": row["createdAt"],
            "updatedAt": row["updatedAt"],
            "archived": row["archived"],
        }
        if row.get("archivedAt"):
            out["archivedAt"] = row["archivedAt"]
        found = {}
        for other in associations:
            ids = sorted(t for f, i, t_type, t in self.links if f == object_type and i == row["id"] and t_type == other)
            if ids:
                kind = f"{object_type[:-1]}_to_{other[:-1]}"
                found[other] = {"results": [{"id": i, "type": kind} for i in ids]}
        if found:
            out["associations"] = found
        return out

    def _page(self, rows: list[Any], query: dict[str, str], shape: Callable[[Any], Any]) -> dict[str, Any]:
        limit = min(int(query.get("limit") or 10), 100)
        start = int(query.get("after") or 0)
        page = rows[start : start + limit]
        out: dict[str, Any] = {"results": [shape(r) for r in page]}
        if start + limit < len(rows):
            out["paging"] = {"next": {"after": str(start + limit), "link": "?after=" + str(start + limit)}}
        return out

    def _list(self, object_type: str, query: dict[str, str]) -> dict[str, Any]:
        archived = query.get("archived", "false").lower() == "true"
        rows = sorted(
            (r for r in self.objects[object_type].values() if r["archived"] == archived), key=lambda r: int(r["id"])
        )
        properties = query["properties"].split(",") if query.get("properties") else None
        associations = query["associations"].split(",") if query.get("associations") else []
        return self._page(rows, query, lambda r: self._shape(object_type, r, properties, associations))

    def _search(self, object_type: str, body: dict[str, Any]) -> dict[str, Any]:
        limit = min(int(body.get("limit") or 10), 200)
        start = int(body.get("after") or 0)
        if start + limit > self.search_cap:
            raise _Refused(400, "There was a problem with the request.", "VALIDATION_ERROR")
        groups = body.get("filterGroups") or []
        rows = [
            r
            for r in self.objects[object_type].values()
            if not r["archived"]
            and (not groups or any(_matches(r["properties"], g.get("filters") or []) for g in groups))
        ]
        rows.sort(key=lambda r: int(r["id"]))
        for sort in reversed(body.get("sorts") or []):
            name = sort["propertyName"] if isinstance(sort, dict) else str(sort)
            descending = isinstance(sort, dict) and sort.get("direction") == "DESCENDING"
            rows.sort(key=lambda r: _sortable(name, r["properties"].get(name)), reverse=descending)
        page = rows[start : start + limit]
        out: dict[str, Any] = {
            "total": len(rows),
            "results": [self._shape(object_type, r, body.get("properties"), []) for r in page],
        }
        if start + limit < len(rows):
            out["paging"] = {"next": {"after": str(start + limit)}}
        return out

    def _batch_read(self, object_type: str, body: dict[str, Any]) -> dict[str, Any]:
        now = iso(self.clock())
        rows = [self.objects[object_type].get(str(i["id"])) for i in body.get("inputs") or []]
        results = [self._shape(object_type, r, body.get("properties"), []) for r in rows if r and not r["archived"]]
        return {"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}

    def _create(self, object_type: str, body: dict[str, Any]) -> dict[str, Any]:
        object_id = self.put(object_type, body.get("properties") or {})
        for association in body.get("associations") or []:
            to_id = str(association["to"]["id"])
            type_ids = [t.get("associationTypeId") for t in association.get("types") or []]
            to_type = next((b for (a, b), n in ASSOCIATION_TYPES.items() if a == object_type and n in type_ids), None)
            if to_type is None:
                raise _Refused(400, f"invalid association type {type_ids}", "VALIDATION_ERROR")
            self.link(object_type, object_id, to_type, to_id)
        return self._shape(object_type, self.objects[object_type][object_id], None, [])

    def _associations(self, from_type: str, to_type: str, body: dict[str, Any]) -> dict[str, Any]:
        now = iso(self.clock())
        type_id = ASSOCIATION_TYPES.get((from_type, to_type), 0)
        results = []
        for item in body.get("inputs") or []:
            from_id = str(item["id"])
            to = sorted(t for f, i, t_type, t in self.links if f == from_type and i == from_id and t_type == to_type)
            if to:
                results.append({
                    "from": {"id": from_id},
                    "to": [{"toObjectId": int(t), "associationTypes": [
                        {"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}]} for t in to],
                })  # fmt: skip
        return {"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}


class _Refused(Exception):
    def __init__(self, status: int, message: str, category: str) -> None:
        super().__init__(message)
        self.status, self.message, self.category = status, message, category


def _error(message: str, category: str) -> dict[str, Any]:
    return {"status": "error", "message": message, "correlationId": str(uuid.uuid4()), "category": category}


def _sortable(name: str, value: str | None) -> tuple[int, Any]:
    if value is None:
        return (1, "")
    if name in DATE_TIME_PROPERTIES:
        return (0, _millis(value) if "T" in value else int(value))
    return (0, value.lower())


def _matches(properties: dict[str, Any], filters: list[dict[str, Any]]) -> bool:
    for f in filters:
        name, op = f["propertyName"], f["operator"]
        value = properties.get(name)
        if op == "HAS_PROPERTY":
            ok = value not in (None, "")
        elif op == "NOT_HAS_PROPERTY":
            ok = value in (None, "")
        elif op in ("IN", "NOT_IN"):
            wanted = {str(v).lower() for v in f.get("values") or []}
            ok = (str(value).lower() in wanted) == (op == "IN") if value is not None else op == "NOT_IN"
        elif op == "CONTAINS_TOKEN":
            ok = value is not None and str(f["value"]).lower().strip("*") in str(value).lower()
        else:
            if value is None:
                ok = op == "NEQ"
            else:
                left: Any = value
                right: Any = f.get("value")
                if name in DATE_TIME_PROPERTIES:
                    left = _millis(value) if "T" in str(value) else int(value)
                    right = int(right)
                elif re.fullmatch(r"-?\d+(\.\d+)?", str(value)) and re.fullmatch(r"-?\d+(\.\d+)?", str(right)):
                    left, right = float(value), float(right)
                else:
                    left, right = str(value).lower(), str(right).lower()
                ok = {"EQ": left == right, "NEQ": left != right, "GT": left > right, "GTE": left >= right,
                      "LT": left < right, "LTE": left <= right}[op]  # fmt: skip
        if not ok:
            return False
    return True
