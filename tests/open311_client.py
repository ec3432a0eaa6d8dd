"""Real Open311 client libraries from PyPI against a running Veche (tests/open311.rs runs it).

    python open311_client.py BASE_URL API_KEY SERVICE_CODE LISTED_REQUEST_ID

- georeport 0.3.1 (GeoReport v2 reads; it files nothing): the service list, a service
  definition, the request list (all, by ids, filtered by code, status and dates), one request,
  and a missing one (its HTTPError), in JSON and in XML.
- civicbot 0.4.0 (its Open311Client files requests): create_request with validate_remote, so
  it reads the service list and the definition first and checks its form against them.

Prints what it saw as one JSON object; the Rust test asserts on it.
"""
import datetime
import json
import sys

import requests
from civicbot.http import HttpTransport, RateLimiter
from civicbot.open311 import Open311Client
from civicbot.registry import Endpoint
from georeport import GeoReport


def as_list(value):
    """xmltodict gives one element as a dict, several as a list, none as None."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def ids(requests_seen):
    return sorted(str(r["service_request_id"]) for r in as_list(requests_seen))


def read(base, code, listed, fmt):
    client = GeoReport(base, output_format=fmt)
    services = as_list(client.get_service_list())
    definition = client.get_service_definition(code)
    attributes = definition["attributes"]
    if fmt == "xml":
        attributes = as_list(attributes["attribute"])
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp = lambda at: at.strftime("%Y-%m-%dT%H:%M:%SZ")
    seen = {
        "services": sorted(str(s["service_code"]) for s in services),
        "groups": sorted({s["group"] for s in services if s.get("group")}),
        "attribute": attributes[0]["code"],
        "requests": ids(client.get_service_requests()),
        "by_id": ids(client.get_service_requests(service_request_id=f"{listed},unknown")),
        "filtered": ids(
            client.get_service_requests(
                service_code=code,
                status="open",
                start_date=stamp(now - datetime.timedelta(hours=1)),
                end_date=stamp(now + datetime.timedelta(hours=1)),
            )
        ),
    }
    try:
        seen["closed"] = ids(client.get_service_requests(status="closed"))
    except TypeError:
        # georeport indexes into an empty XML list (`<service_requests/>` parses as None):
        # the library's limit, not the server's; the JSON run checks the empty answer.
        seen["closed"] = []
    one = client.get_service_request(listed)
    seen["one"] = {k: one[k] for k in ("service_request_id", "status", "address")}
    try:
        client.get_service_request("01JNOSUCHREPORT")
        seen["missing"] = 200
    except requests.HTTPError as error:
        seen["missing"] = error.response.status_code
    return seen


def file(base, key, code):
    endpoint = Endpoint(id="veche", name="Veche", base_url=base, write=True)
    transport = HttpTransport(rate_limiter=RateLimiter(min_interval=0))
    client = Open311Client(endpoint, transport=transport)
    prepared = client.create_request(
        code,
        dry_run=False,
        confirm="SEND",
        api_key=key,
        validate_remote=True,
        lat=55.7355,
        lng=37.5885,
        address_string="Плющиха, 12",
        description="Яма у подъезда, filed by civicbot",
    )
    return str(prepared.response[0]["service_request_id"])


def main():
    base, key, code, listed = sys.argv[1:5]
    out = {fmt: read(base, code, listed, fmt) for fmt in ("json", "xml")}
    out["filed"] = file(base, key, code)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
