"""waf.yaml read as data: the web ACL on CloudFront (us-east-1) that limits form posts per address.

The limit per address, the pages it answers with (CloudFront cannot map 413 or 429 to a page), AWS's managed rule
groups with the one rule that would block every file post set to Count, and the alarms. The main stack takes the
web ACL's ARN as its WebAclArn parameter (tests/integration/test_template.py).
"""

from __future__ import annotations

import re
import subprocess
import sys
from functools import cache
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote

import pytest
import yaml

from tests.integration.cfn import ROOT, load_template

WAF = ROOT / "waf.yaml"
API_POST = {"method": "POST", "path": "/api/referrals", "headers": {"content-length": "2048"}}


@cache
def _load() -> dict[str, Any]:
    from cfnlint.decode import cfn_yaml

    return dict(cfn_yaml.load(str(WAF)))


@pytest.fixture(scope="module")
def waf() -> dict[str, Any]:
    return _load()


@pytest.fixture(scope="module")
def acl(waf: dict[str, Any]) -> dict[str, Any]:
    (name,) = [n for n, r in waf["Resources"].items() if r["Type"] == "AWS::WAFv2::WebACL"]
    return dict(waf["Resources"][name]["Properties"])


def _rules(acl: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {rule["Name"]: rule for rule in acl["Rules"]}


def _transform(value: str, transformations: list[dict[str, Any]]) -> str:
    for step in sorted(transformations, key=lambda t: t["Priority"]):
        kind = step["Type"]
        if kind == "URL_DECODE":
            value = unquote(value)
        elif kind == "LOWERCASE":
            value = value.lower()
        else:
            assert kind == "NONE", kind
    return value


def _field(request: dict[str, Any], field: dict[str, Any]) -> str | None:
    if "Method" in field:
        return str(request["method"])
    if "UriPath" in field:
        return str(request["path"])
    if "SingleHeader" in field:
        return request["headers"].get(field["SingleHeader"]["Name"].lower())
    raise AssertionError(f"no model for {field}")


def matches(statement: dict[str, Any], request: dict[str, Any]) -> bool:
    """What WAF would decide for the statements waf.yaml uses (a small model, enough to test their meaning)."""
    (kind,) = statement
    body = statement[kind]
    if kind == "AndStatement":
        return all(matches(s, request) for s in body["Statements"])
    if kind == "ByteMatchStatement":
        value = _field(request, body["FieldToMatch"])
        if value is None:
            return False
        value = _transform(value, body["TextTransformations"])
        wanted, how = body["SearchString"], body["PositionalConstraint"]
        return {"EXACTLY": value == wanted, "STARTS_WITH": value.startswith(wanted)}[how]
    if kind == "RegexMatchStatement":
        value = _field(request, body["FieldToMatch"])
        return (
            value is not None
            and re.search(body["RegexString"], _transform(value, body["TextTransformations"])) is not None
        )
    raise AssertionError(f"no model for {kind}")


def test_cfn_lint_passes_without_errors_or_warnings() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from cfnlint.runner import main; sys.exit(main())", str(WAF)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_is_a_cloudfront_web_acl_that_can_only_be_made_in_us_east_1(
    waf: dict[str, Any], acl: dict[str, Any]
) -> None:
    assert acl["Scope"] == "CLOUDFRONT"
    assert acl["DefaultAction"] == {"Allow": {}}
    (assertion,) = waf["Rules"]["CloudFrontWebAclsLiveInUsEast1"]["Assertions"]
    assert assertion["Assert"] == {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}
    assert waf["Outputs"]["WebAclArn"]["Value"] == {"Fn::GetAtt": ["WebAcl", "Arn"]}
    # The ARN it outputs is one the main stack's WebAclArn parameter takes.
    pattern = load_template()["Parameters"]["WebAclArn"]["AllowedPattern"]
    assert re.fullmatch(
        pattern,
        "arn:aws:wafv2:us-east-1:123456789012:global/webacl/send-mediation-waf/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
    )


def test_posts_to_the_api_are_limited_per_address(waf: dict[str, Any], acl: dict[str, Any]) -> None:
    rule = _rules(acl)["PostsPerAddress"]
    rate = rule["Statement"]["RateBasedStatement"]
    assert rate["AggregateKeyType"] == "IP"
    assert rate["EvaluationWindowSec"] == 300
    assert rate["Limit"] == {"Ref": "PostsPerAddressPer5Minutes"}
    parameter = waf["Parameters"]["PostsPerAddressPer5Minutes"]
    assert parameter["MinValue"] >= 10  # WAF's smallest limit
    # A class of 30 families each making about 10 posts (files added one by one without JavaScript) fits;
    # a script's 10 posts a second does not fit for long.
    assert 30 * 10 <= parameter["Default"] <= 10 * 60
    assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429

    scope = rate["ScopeDownStatement"]
    counted = [
        API_POST,
        {"method": "POST", "path": "/api/child-views", "headers": {}},
        {"method": "POST", "path": "/api/uploads", "headers": {}},
        {"method": "POST", "path": "/API/Referrals", "headers": {}},  # never reaches the API, counted anyway
        {"method": "POST", "path": "/%61pi/referrals", "headers": {}},
    ]
    not_counted = [
        {"method": "GET", "path": "/api/token", "headers": {}},
        {"method": "GET", "path": "/api/files/abc", "headers": {}},
        {"method": "GET", "path": "/forms/referral/", "headers": {}},
        {"method": "GET", "path": "/forms/referral-sent/", "headers": {}},
        {"method": "POST", "path": "/forms/referral/", "headers": {}},
        {"method": "POST", "path": "/apiary", "headers": {}},
        {"method": "OPTIONS", "path": "/api/referrals", "headers": {}},
    ]
    for request in counted:
        assert matches(scope, request), request
    for request in not_counted:
        assert not matches(scope, request), request


def test_posts_api_gateway_would_refuse_get_a_page_instead(acl: dict[str, Any]) -> None:
    rule = _rules(acl)["PostsTooBigForTheApi"]
    assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 413
    statement = rule["Statement"]

    def post(length: str | None) -> dict[str, Any]:
        return {**API_POST, "headers": {} if length is None else {"content-length": length}}

    for length in ("10000000", "10485761", "52428800"):  # API Gateway takes at most 10 MB (10,485,760 bytes)
        assert matches(statement, post(length)), length
    for length in ("0", "4194304", "6291456", "9999999", None):  # up to a 4 MB file a post is ours to judge
        assert not matches(statement, post(length)), length
    assert not matches(
        statement, {"method": "GET", "path": "/api/token", "headers": {"content-length": "99999999"}}
    )


def test_aws_managed_rules_apply_with_only_the_body_size_rule_counted(acl: dict[str, Any]) -> None:
    groups = {
        rule["Statement"]["ManagedRuleGroupStatement"]["Name"]: rule
        for rule in acl["Rules"]
        if "ManagedRuleGroupStatement" in rule["Statement"]
    }
    assert set(groups) == {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    }
    for rule in groups.values():
        assert rule["OverrideAction"] == {"None": {}}  # the groups block; not the whole group in Count
        assert rule["Statement"]["ManagedRuleGroupStatement"]["VendorName"] == "AWS"
        assert "ScopeDownStatement" not in rule["Statement"]["ManagedRuleGroupStatement"]
    common = groups["AWSManagedRulesCommonRuleSet"]["Statement"]["ManagedRuleGroupStatement"]
    # SizeRestrictions_BODY blocks bodies over 8 KB: every post with a file, and long answers.
    assert common["RuleActionOverrides"] == [{"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}]
    for name in ("AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList"):
        assert "RuleActionOverrides" not in groups[name]["Statement"]["ManagedRuleGroupStatement"]


def test_rules_have_distinct_priorities_names_and_metrics(acl: dict[str, Any]) -> None:
    rules = acl["Rules"]
    for key in ("Priority", "Name"):
        values = [r[key] for r in rules]
        assert len(values) == len(set(values)), key
    metrics = [r["VisibilityConfig"]["MetricName"] for r in rules] + [acl["VisibilityConfig"]["MetricName"]]
    assert len(metrics) == len(set(metrics))
    for config in [acl["VisibilityConfig"], *(r["VisibilityConfig"] for r in rules)]:
        assert config["CloudWatchMetricsEnabled"] is True
        assert config["SampledRequestsEnabled"] is False  # samples would keep families' addresses
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,128}", config["MetricName"])
        assert config["MetricName"] not in {"All", "ALL", "Default_Action"}
    # Cheap checks first: the reputation list, then the size and the limit, then the body-reading groups.
    order = [r["Name"] for r in sorted(rules, key=lambda r: r["Priority"])]
    assert order.index("PostsPerAddress") < order.index("AWS-AWSManagedRulesCommonRuleSet")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: set[str] = set()
        self.links: list[str] = []
        self.lang = ""
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        self.attributes.update(values)
        if tag == "html":
            self.lang = values.get("lang") or ""
        if tag == "a":
            self.links.append(values.get("href") or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_the_pages_it_answers_with_say_what_to_do_and_name_no_other_host(acl: dict[str, Any]) -> None:
    facts = yaml.safe_load((ROOT / "data" / "facts.yml").read_text(encoding="utf-8"))
    bodies = acl["CustomResponseBodies"]
    used = {
        r["Action"]["Block"]["CustomResponse"]["CustomResponseBodyKey"]
        for r in acl["Rules"]
        if "Block" in r.get("Action", {})
    }
    assert used == set(bodies) == {"too-many-posts", "too-big"}
    for key, body in bodies.items():
        assert body["ContentType"] == "TEXT_HTML"
        content = body["Content"]
        assert len(content.encode("utf-8")) <= 4096, key  # WAF's limit for one body
        page = _Page()
        page.feed(content)
        assert page.lang == "en" and {"title", "h1", "main"} <= set(page.tags), key
        assert not {"script", "style", "img", "link", "iframe", "form"} & set(page.tags), key
        assert not {a for a in page.attributes if a == "style" or a.startswith("on")}, key
        # Only our own pages, the team's phone and email (the facts of data/facts.yml, kept in step here).
        assert set(page.links) == {"/", f"tel:{facts['phone_link']}", f"mailto:{facts['email']}"}, key
        text = " ".join(" ".join(page.text).split())
        assert facts["phone"] in text and facts["email"] in text, key
        assert "back button" in text, key  # the answers are in the form they came from
    assert "Wait 5 minutes" in bodies["too-many-posts"]["Content"]  # the evaluation window


def test_alarms_watch_the_limit_the_size_rule_and_all_blocks(
    waf: dict[str, Any], acl: dict[str, Any]
) -> None:
    alarms = {
        n: r["Properties"] for n, r in waf["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"
    }
    assert acl["Name"] == {"Ref": "AWS::StackName"}
    metric_of = {r["Name"]: r["VisibilityConfig"]["MetricName"] for r in acl["Rules"]}
    watched = set()
    for alarm in alarms.values():
        assert alarm["Namespace"] == "AWS/WAFV2" and alarm["MetricName"] == "BlockedRequests"
        dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
        # A web ACL on CloudFront has no Region dimension (its metrics are in us-east-1).
        assert set(dimensions) == {"WebACL", "Rule"}
        assert dimensions["WebACL"] == acl["Name"]
        watched.add(dimensions["Rule"])
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
        assert alarm["TreatMissingData"] == "notBreaching"
    assert watched == {metric_of["PostsPerAddress"], metric_of["PostsTooBigForTheApi"], "ALL"}
    (limit,) = [a for a in alarms.values() if {"Name": "Rule", "Value": "PostsPerAddress"} in a["Dimensions"]]
    assert limit["Threshold"] == 0 and limit["Period"] == 300  # any address stopped: maybe a school
    (subscription,) = waf["Resources"]["AlarmTopic"]["Properties"]["Subscription"]
    assert subscription == {"Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}}


def test_make_deploys_it_in_us_east_1_and_lints_it() -> None:
    deploy = (ROOT / "mk" / "deploy.mk").read_text(encoding="utf-8")
    (recipe,) = re.findall(r"^deploy-waf:.*\n((?:\t.*\n)+)", deploy, re.M)
    assert "--region us-east-1" in recipe and "--template-file waf.yaml" in recipe
    assert re.search(r"cfn-lint template\.yaml waf\.yaml", deploy)
