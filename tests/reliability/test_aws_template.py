"""The AWS half of the defences lives in template.yaml (owned apart): check it says what the code relies on."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


class _Loader(yaml.SafeLoader):
    pass


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


_Loader.add_multi_constructor("!", _tag)


@pytest.fixture(scope="module")
def resources():
    if not TEMPLATE.exists():
        pytest.skip("template.yaml is not in this checkout")
    return yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=_Loader)["Resources"]


def test_every_api_route_is_throttled_and_cors_allows_only_the_site(resources):
    routes = {}
    for resource in resources.values():
        for ev in (resource.get("Properties", {}).get("Events") or {}).values():
            if ev.get("Type") == "HttpApi":
                routes[ev["Properties"]["Path"]] = ev["Properties"].get("RouteSettings", {})
    for path in ("/api/referrals", "/api/child-views", "/api/uploads", "/api/token"):
        assert path in routes, path
    api = next(r for r in resources.values() if r["Type"] == "AWS::Serverless::HttpApi")["Properties"]
    assert api["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0
    assert api["CorsConfiguration"]["AllowOrigins"] == ["https://${SiteDomain}"]


def test_retention_secret_and_site_headers(resources):
    expiring = [
        rule
        for r in resources.values()
        if r["Type"] == "AWS::S3::Bucket"
        for rule in r["Properties"].get("LifecycleConfiguration", {}).get("Rules", [])
        if "ExpirationInDays" in rule
    ]
    assert len(expiring) >= 2  # submissions and uploads
    policy = next(r for r in resources.values() if r["Type"] == "AWS::CloudFront::ResponseHeadersPolicy")
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["ContentTypeOptions"] and headers["ReferrerPolicy"]
    text = TEMPLATE.read_text(encoding="utf-8")
    # The time trap's key: the functions get the secret's ARN and read it from Secrets Manager, never its value.
    assert "FORMS_SECRET_ARN: !Ref FormsSecret" in text
    assert "FORMS_SECRET:" not in text
    functions = [r for r in resources.values() if r["Type"] == "AWS::Serverless::Function"]
    for function in functions:
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        assert not any("resolve:secretsmanager" in str(v) for v in variables.values())


def test_the_api_is_reached_only_through_cloudfront_with_its_web_acl(resources):
    distribution = resources["SiteDistribution"]["Properties"]["DistributionConfig"]
    (api,) = [o for o in distribution["Origins"] if o["Id"] == "api"]
    assert [h["HeaderName"] for h in api["OriginCustomHeaders"]] == ["X-Origin-Verify"]
    assert "resolve:secretsmanager:${OriginSecret}" in api["OriginCustomHeaders"][0]["HeaderValue"]
    for name, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        events = (resource["Properties"].get("Events") or {}).values()
        if any(e.get("Type") == "HttpApi" for e in events):
            assert (
                resource["Properties"]["Environment"]["Variables"]["ORIGIN_SECRET_ARN"] == "OriginSecret"
            ), name
    assert "WebACLId" in distribution  # set from WebAclArn (waf.yaml) when given


def test_child_views_cannot_starve_referrals(resources):
    def owner(path):
        for name, resource in resources.items():
            for ev in (resource.get("Properties", {}).get("Events") or {}).values():
                if ev.get("Type") == "HttpApi" and ev["Properties"]["Path"] == path:
                    return name
        return None

    views, referrals = owner("/api/child-views"), owner("/api/referrals")
    assert views and referrals and views != referrals
    for name in (views, referrals):
        assert resources[name]["Properties"]["ReservedConcurrentExecutions"] > 0
