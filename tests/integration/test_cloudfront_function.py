"""The site's CloudFront function (DirectoryIndexFunction in template.yaml), run in Node as CloudFront would run it.

The code is read from the template and run in a bare V8 context (no require, console, Buffer or URL: CloudFront's
runtime has none of them) with CloudFront viewer-request events. Each redirect's Location is resolved the way a
browser does (WHATWG URL, in Node) against the site's own address, and must stay on it: `//evil.example/login`
and `/\\evil.example` must never become a redirect to another host.

Without `node` the tests are skipped on a developer's machine and fail under CI (CI set, as CI=true).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from typing import Any, NoReturn

import pytest

from tests.integration.cfn import load_template

SITE = "https://www.send-mediation.example"
HOST = "www.send-mediation.example"
CLOUDFRONT_MAX_CODE_BYTES = 10 * 1024

# Reads {code, events} on stdin; answers [{result, resolved}] on stdout. The function's code runs in a fresh
# context holding only the language's own objects.
RUNNER = r"""
const vm = require('vm');
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const {code, events, site} = JSON.parse(input);
  const context = vm.createContext({});
  vm.runInContext(code, context, {filename: 'directory-index.js'});
  if (typeof context.handler !== 'function') throw new Error('no handler(event) in the code');
  const out = events.map((event) => {
    const result = context.handler(JSON.parse(JSON.stringify(event)));
    const plain = JSON.parse(JSON.stringify(result));
    let resolved = null;
    if (plain && plain.statusCode && plain.headers && plain.headers.location) {
      const url = new URL(plain.headers.location.value, site);
      resolved = {href: url.href, host: url.host, protocol: url.protocol, pathname: url.pathname};
    }
    return {result: plain, resolved: resolved};
  });
  process.stdout.write(JSON.stringify(out));
});
"""


def unavailable(message: str) -> NoReturn:
    """Skip on a developer's machine; fail under CI, which must always run these."""
    if os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def code() -> str:
    return str(load_template()["Resources"]["DirectoryIndexFunction"]["Properties"]["FunctionCode"])


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    if found is None:
        unavailable("node is not installed: the CloudFront function cannot be run")
    return found


def event(uri: str, query: dict[str, Any] | None = None, method: str = "GET") -> dict[str, Any]:
    """A viewer-request event as CloudFront Functions (cloudfront-js-2.0) gives it."""
    return {
        "version": "1.0",
        "context": {"eventType": "viewer-request", "distributionId": "EDFDVBD6EXAMPLE", "requestId": "r-1"},
        "viewer": {"ip": "198.51.100.7"},
        "request": {
            "method": method,
            "uri": uri,
            "querystring": query or {},
            "headers": {"host": {"value": HOST}, "accept": {"value": "text/html"}},
            "cookies": {},
        },
    }


def run(node: str, code: str, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    completed = subprocess.run(
        [node, "-e", RUNNER],
        input=json.dumps({"code": code, "events": events, "site": SITE + "/"}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    results: list[dict[str, Any]] = json.loads(completed.stdout)
    assert len(results) == len(events)
    return results


def redirect_to(answer: dict[str, Any]) -> str | None:
    result = answer["result"]
    if "statusCode" not in result:
        return None
    assert result["statusCode"] == 301 and result["statusDescription"] == "Moved Permanently"
    return str(result["headers"]["location"]["value"])


SERVED = [
    ("/", "/index.html"),
    ("/mediation/", "/mediation/index.html"),
    ("/pl/forms/referral/", "/pl/forms/referral/index.html"),
    ("/a/b.css", "/a/b.css"),
    ("/assets/javascripts/bundle.1a2b3c.min.js", "/assets/javascripts/bundle.1a2b3c.min.js"),
    ("/404.html", "/404.html"),
    ("/sitemap.xml", "/sitemap.xml"),
]
REDIRECTED = [
    ("/mediation", "/mediation/"),
    ("/pl/forms/referral", "/pl/forms/referral/"),
    ("/forms/referral-sent", "/forms/referral-sent/"),
    ("/easy-read/what-is-mediation", "/easy-read/what-is-mediation/"),
    ("/%2F%2Fevil", "/%2F%2Fevil/"),  # encoded slashes stay a path on this site
    ("/@evil.example:443/x", "/@evil.example:443/x/"),
]
NEVER_REDIRECTED = [
    "//evil.example/login",
    "//evil.example",
    "///evil.example",
    "////evil.example/a",
    "/\\evil.example",
    "/\\/evil.example",
    "/\\\\evil.example/login",
    "/\t/evil.example",
    "/\n/evil.example",
    "/ /evil.example",
    "/a//evil.example",
    "/mediation\\",
    "/a b",
]
QUERIES: list[tuple[dict[str, Any], str]] = [
    ({}, "/mediation/"),
    ({"utm_source": {"value": "leaflet"}}, "/mediation/?utm_source=leaflet"),
    ({"a": {"value": "1"}, "b": {"value": ""}}, "/mediation/?a=1&b"),
    ({"a": {"value": "1", "multiValue": [{"value": "1"}, {"value": "2"}]}}, "/mediation/?a=1&a=2"),
    # CloudFront gives names and values as the viewer sent them, still percent-encoded: kept as they are.
    ({"q": {"value": "%E5%AE%B6"}}, "/mediation/?q=%E5%AE%B6"),
    ({"next": {"value": "/forms/referral/"}}, "/mediation/?next=/forms/referral/"),
]
ODD_QUERY_VALUES = [
    '"><script>',
    "a b",
    "line\r\nSet-Cookie: x=1",
    "\\\\evil.example",
    "#frag",
    "<",
    "\u00e9",
]
OTHER_HOST_QUERY = {"next": {"value": "https://evil.example/"}}


def _generated() -> list[tuple[str, dict[str, Any]]]:
    """Many paths and query strings made of the pieces that matter for where a browser goes."""
    pieces = [
        "/",
        "//",
        "\\",
        ".",
        "..",
        "a",
        "evil.example",
        "%2F",
        "%5C",
        "%2e",
        "@",
        ":",
        "?",
        "#",
        "\t",
        " ",
        "x",
        "-",
        "~",
    ]
    query_pieces = ["a", "=", "&", "%20", "/", "\\", "//evil.example", ":", "?", "@", " ", '"', "+"]
    chance = random.Random(17)  # the same cases every run
    cases = []
    for _ in range(3000):
        uri = "/" + "".join(chance.choice(pieces) for _ in range(chance.randint(0, 8)))
        query = {}
        if chance.random() < 0.4:
            name = "".join(chance.choice("abq") for _ in range(chance.randint(1, 3)))
            query[name] = {"value": "".join(chance.choice(query_pieces) for _ in range(chance.randint(0, 5)))}
        cases.append((uri, query))
    return cases


GENERATED = _generated()


def _key(uri: str, query: dict[str, Any] | None) -> str:
    return json.dumps([uri, query or {}], sort_keys=True)


@pytest.fixture(scope="module")
def answers(node: str, code: str) -> dict[str, dict[str, Any]]:
    """Every case of this module, run in one Node process (starting Node is the slow part)."""
    cases: list[tuple[str, dict[str, Any] | None]] = []
    for uri, _ in SERVED:
        cases += [(uri, None), (uri, {"utm": {"value": "x"}})]
    cases += [(uri, None) for uri, _ in REDIRECTED]
    for uri in NEVER_REDIRECTED:
        cases += [(uri, None), (uri, OTHER_HOST_QUERY)]
    cases += [("/mediation", query) for query, _ in QUERIES]
    cases += [("/mediation", {"q": {"value": value}}) for value in ODD_QUERY_VALUES]
    cases += GENERATED
    results = run(node, code, [event(uri, query) for uri, query in cases])
    return {_key(uri, query): result for (uri, query), result in zip(cases, results, strict=True)}


def test_the_code_fits_cloudfront_and_uses_nothing_cloudfront_lacks(code: str) -> None:
    assert len(code.encode("utf-8")) <= CLOUDFRONT_MAX_CODE_BYTES
    props = load_template()["Resources"]["DirectoryIndexFunction"]["Properties"]
    assert props["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    for missing in ("require(", "console.", "Buffer", "new URL", "fetch("):
        assert missing not in code, missing


@pytest.mark.parametrize(("uri", "served"), SERVED)
def test_pages_and_files_are_served_from_the_bucket(answers: dict[str, Any], uri: str, served: str) -> None:
    for query in (None, {"utm": {"value": "x"}}):
        answer = answers[_key(uri, query)]
        assert redirect_to(answer) is None
        assert answer["result"]["uri"] == served
        assert answer["result"]["querystring"] == (query or {})  # passed on untouched


@pytest.mark.parametrize(("uri", "location"), REDIRECTED)
def test_a_folder_without_its_slash_is_redirected_on_this_site(
    answers: dict[str, Any], uri: str, location: str
) -> None:
    answer = answers[_key(uri, None)]
    assert redirect_to(answer) == location
    assert answer["resolved"]["host"] == HOST and answer["resolved"]["protocol"] == "https:"


@pytest.mark.parametrize("uri", NEVER_REDIRECTED)
def test_a_path_a_browser_could_read_as_another_host_is_never_redirected(
    answers: dict[str, Any], uri: str
) -> None:
    for query in (None, OTHER_HOST_QUERY):
        answer = answers[_key(uri, query)]
        assert redirect_to(answer) is None, uri
        # Passed on as it came: the bucket has no such page, and CloudFront answers with the 404 page.
        assert answer["result"]["uri"] == uri
        assert answer["result"]["method"] == "GET"


def test_the_query_string_is_kept_on_a_redirect(answers: dict[str, Any]) -> None:
    for query, location in QUERIES:
        answer = answers[_key("/mediation", query)]
        assert redirect_to(answer) == location, query
        assert answer["resolved"]["host"] == HOST


@pytest.mark.parametrize("value", ODD_QUERY_VALUES)
def test_a_query_string_with_anything_odd_is_dropped_not_copied(answers: dict[str, Any], value: str) -> None:
    assert redirect_to(answers[_key("/mediation", {"q": {"value": value}})]) == "/mediation/"


def test_no_path_or_query_redirects_anywhere_but_this_site(answers: dict[str, Any]) -> None:
    """Every generated case: a redirect resolves (as a browser would) to a path on this site, under the path asked."""
    redirects = 0
    for uri, query in GENERATED:
        answer = answers[_key(uri, query)]
        location = redirect_to(answer)
        if location is None:
            expected = uri + "index.html" if uri.endswith("/") else uri
            assert answer["result"]["uri"] == expected, uri
            continue
        redirects += 1
        resolved = answer["resolved"]
        assert resolved["host"] == HOST and resolved["protocol"] == "https:", (uri, location, resolved)
        assert location.startswith(uri + "/"), (uri, location)
        assert location[1] not in "/\\", location
        assert all(0x20 < ord(c) < 0x7F for c in location), location
    assert redirects > 100  # the generator does reach the redirect
