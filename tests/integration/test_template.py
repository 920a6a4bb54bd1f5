"""template.yaml read as data: it lints, transforms offline, and grants each function only what it uses."""

from __future__ import annotations

import copy
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from functions.forms.domain.paths import SCHEMAS_DIR
from functions.forms.domain.schemas import FORM_FILES
from tests.integration.cfn import ROOT, TEMPLATE, functions, load_template, of_type

# Read by the code but never on AWS: the local server's settings, and limits whose code default is the intent.
NOT_SET_ON_AWS = {
    "PORT": "local server only (SITE_URL is set on AWS)",
    "VAR_DIR": "local adapters only",
    "SITE_DIR": "local server only",
    "MAX_BODY_BYTES": "the code's default is the limit; set it only to change it",
    "LOCAL_RETENTION_DAYS": "local files only (S3 lifecycle rules expire them on AWS)",
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value))


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = document["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _role_of(function: dict[str, Any]) -> str:
    role = function["Properties"]["Role"]
    assert set(role) == {"Fn::GetAtt"}, role
    name, attribute = (
        role["Fn::GetAtt"] if isinstance(role["Fn::GetAtt"], list) else role["Fn::GetAtt"].split(".")
    )
    assert attribute == "Arn"
    return name


def test_cfn_lint_passes_without_errors_or_warnings() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from cfnlint.runner import main; sys.exit(main())",
            str(TEMPLATE),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_sam_transform_works_offline(template: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from samtranslator.translator.transform import transform

    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    monkeypatch.setenv("AWS_REGION", "eu-west-2")
    fragment = copy.deepcopy(_plain(template))
    fragment["Globals"]["Function"]["CodeUri"] = "s3://placeholder-bucket/functions.zip"

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    output = transform(fragment, {"AWS::Region": "eu-west-2"}, NoManagedPolicies())
    types = [r["Type"] for r in output["Resources"].values()]
    assert types.count("AWS::Lambda::Function") == 3
    assert "AWS::IAM::Role" in types and types.count("AWS::IAM::Role") == 3  # ours; SAM made none
    assert "AWS::ApiGatewayV2::Api" in types and "AWS::ApiGatewayV2::Stage" in types
    (mapping,) = [r for r in output["Resources"].values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    for resource in output["Resources"].values():
        if resource["Type"] == "AWS::Lambda::Function":
            props = resource["Properties"]
            assert props["Runtime"] in {"python3.12", "python3.13"}
            assert props["Architectures"] == ["arm64"]
            assert props["Timeout"] and props["MemorySize"] and props["ReservedConcurrentExecutions"]
            assert props["LoggingConfig"]["LogGroup"]


def test_every_handler_imports(template: dict[str, Any]) -> None:
    for name, function in functions(template).items():
        module_name, _, attribute = function["Properties"]["Handler"].rpartition(".")
        module = importlib.import_module(module_name)
        assert callable(getattr(module, attribute)), name


def test_every_environment_variable_the_code_reads_is_set(template: dict[str, Any]) -> None:
    pattern = re.compile(r"""(?:environ\.get|environ\[|getenv|env\.get)\(?\s*["']([A-Z][A-Z0-9_]+)["']""")
    read = {m for path in (ROOT / "functions").rglob("*.py") for m in pattern.findall(path.read_text())}
    assert {"SUBMISSIONS_BUCKET", "QUEUE_URL", "TEAM_EMAIL"} <= read  # the scan finds what it should
    common = template["Globals"]["Function"]["Environment"]["Variables"]
    for name, function in functions(template).items():
        own = function["Properties"].get("Environment", {}).get("Variables", {})
        missing = read - set(common) - set(own) - set(NOT_SET_ON_AWS)
        assert not missing, f"{name} lacks {sorted(missing)}"
    assert common["FORMS_BACKEND"] == "aws"


def test_every_function_has_its_own_role(template: dict[str, Any]) -> None:
    roles = [_role_of(f) for f in functions(template).values()]
    assert len(roles) == len(set(roles)) == 3
    for name, function in functions(template).items():
        assert "Policies" not in function["Properties"], f"{name}: policies belong on its role"
        assert template["Resources"][_role_of(function)]["Type"] == "AWS::IAM::Role"
    assert "Role" not in template["Globals"]["Function"]


def _allow_statements(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, role in of_type(template, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            for statement in _statements(policy["PolicyDocument"]):
                found.append((name, statement))
        assert not role["Properties"].get("ManagedPolicyArns"), f"{name}: managed policies grant Resource *"
    assert not of_type(template, "AWS::IAM::Policy") and not of_type(template, "AWS::IAM::ManagedPolicy")
    return found


def test_no_policy_grants_wildcard_actions_or_resources(template: dict[str, Any]) -> None:
    statements = _allow_statements(template)
    assert statements
    for role, statement in statements:
        assert statement["Effect"] == "Allow"
        actions = _as_list(statement["Action"])
        for action in actions:
            assert "*" not in action, f"{role}: {action}"
        assert "NotAction" not in statement and "NotResource" not in statement
        for resource in _as_list(statement["Resource"]):
            assert resource != "*", f"{role} {statement.get('Sid')}: Resource '*'"
            text = json.dumps(resource)
            assert not re.search(r'"\*"|:\*"', text), f"{role}: {text}"


def test_only_the_worker_sends_email_and_only_as_the_sender_identity(template: dict[str, Any]) -> None:
    for role, statement in _allow_statements(template):
        ses = [a for a in _as_list(statement["Action"]) if a.startswith("ses:")]
        if not ses:
            continue
        assert role == "WorkerRole"
        assert set(ses) <= {"ses:SendEmail", "ses:SendRawEmail"}
        (resource,) = _as_list(statement["Resource"])
        assert resource["Fn::Sub"].endswith(":identity/${SenderIdentity}")


def test_submit_only_puts_new_submissions_and_the_worker_only_reads_them(template: dict[str, Any]) -> None:
    def grants(role: str) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for name, statement in _allow_statements(template):
            if name == role:
                for resource in _as_list(statement["Resource"]):
                    key = json.dumps(resource)
                    out.setdefault(key, set()).update(_as_list(statement["Action"]))
        return out

    submissions = json.dumps({"Fn::Sub": "${SubmissionsBucket.Arn}/submissions/*"})
    assert grants("FormsRole")[submissions] == {"s3:PutObject", "s3:GetObject"}  # GetObject: a repeated post
    assert grants("WorkerRole")[submissions] == {"s3:GetObject"}
    assert all("SubmissionsBucket" not in key for key in grants("UploadsRole"))


def test_data_buckets_are_private_encrypted_tls_only_and_expire(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    for bucket in ("SubmissionsBucket", "UploadsBucket"):
        props = resources[bucket]["Properties"]
        (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
        assert rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"] == {"Fn::GetAtt": ["DataKey", "Arn"]}
        assert all(
            props["PublicAccessBlockConfiguration"][k] is True
            for k in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
        )
        assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
        (expiry,) = props["LifecycleConfiguration"]["Rules"]
        assert expiry["ExpirationInDays"] == {"Ref": "RetentionDays"}
        assert expiry["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] >= 1
    for policy in of_type(template, "AWS::S3::BucketPolicy").values():
        (tls,) = [s for s in _statements(policy["Properties"]["PolicyDocument"]) if s.get("Sid") == "TlsOnly"]
        assert tls["Effect"] == "Deny" and tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    policies = {p["Properties"]["Bucket"]["Ref"] for p in of_type(template, "AWS::S3::BucketPolicy").values()}
    assert policies == {"SubmissionsBucket", "UploadsBucket", "SiteBucket"}
    (cors,) = resources["UploadsBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert cors["AllowedOrigins"] == [{"Fn::Sub": "https://${SiteDomain}"}] and cors["AllowedMethods"] == [
        "POST"
    ]


def test_every_form_has_its_route_and_routes_are_throttled(template: dict[str, Any]) -> None:
    routes = {}
    for function in functions(template).values():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] == "HttpApi":
                routes[event["Properties"]["Path"]] = event["Properties"]
    for name, filename in FORM_FILES.items():
        path = SCHEMAS_DIR / filename
        if path.exists():
            route = json.loads(path.read_text())["x-form"]["route"]
            assert f"/api/{route}" in routes, name
    assert "/api/uploads" in routes
    assert routes.pop("/api/token")["Method"] == "GET"
    assert routes.pop("/api/files/{token}")["Method"] == "GET"
    assert routes.pop("/forms/{proxy+}")["Method"] == routes.pop("/{lang}/forms/{proxy+}")["Method"] == "GET"
    assert all(r["Method"] == "POST" and r["RouteSettings"]["ThrottlingRateLimit"] for r in routes.values())
    api = template["Resources"]["HttpApi"]["Properties"]
    assert api["DefaultRouteSettings"]["ThrottlingBurstLimit"] > 0
    assert api["CorsConfiguration"]["AllowOrigins"] == [{"Fn::Sub": "https://${SiteDomain}"}]
    assert "sourceIp" not in api["AccessLogSettings"]["Format"]


def test_the_queue_retries_then_dead_letters_and_outlives_the_worker(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    queue = resources["SubmissionQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}
    assert 3 <= int(queue["RedrivePolicy"]["maxReceiveCount"]) <= 20
    worker = resources["WorkerFunction"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * worker["Timeout"]
    assert worker["Events"]["Queue"]["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_the_site_sends_strict_security_headers(template: dict[str, Any]) -> None:
    config = template["Resources"]["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    headers = config["SecurityHeadersConfig"]
    csp = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ")}
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"] and directives["object-src"] == ["'none'"]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] in {
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    }
    distribution = template["Resources"]["SiteDistribution"]["Properties"]["DistributionConfig"]
    behaviours = [distribution["DefaultCacheBehavior"], *distribution["CacheBehaviors"]]
    assert all(b["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeadersPolicy"} for b in behaviours)
    (site,) = [o for o in distribution["Origins"] if o["Id"] == "site"]
    assert site["OriginAccessControlId"] and site["S3OriginConfig"]["OriginAccessIdentity"] == ""
    assert distribution["CustomErrorResponses"][0]["ResponsePagePath"] == "/404.html"
    assert (ROOT / "docs" / "404.md").exists()


def test_alarms_cover_the_dead_letter_queue_functions_and_ses(template: dict[str, Any]) -> None:
    alarms = of_type(template, "AWS::CloudWatch::Alarm").values()
    watched = {(a["Properties"]["Namespace"], a["Properties"]["MetricName"]) for a in alarms}
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible") in watched
    assert {("AWS/SES", "Bounce"), ("AWS/SES", "Complaint")} <= watched
    for function in functions(template):
        for metric in ("Errors", "Throttles"):
            assert any(
                a["Properties"]["MetricName"] == metric
                and a["Properties"]["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function}}]
                for a in alarms
            ), (function, metric)
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms)
    (subscription,) = template["Resources"]["AlarmTopic"]["Properties"]["Subscription"]
    assert subscription == {"Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}}


def test_every_log_group_has_a_retention_period(template: dict[str, Any]) -> None:
    groups = of_type(template, "AWS::Logs::LogGroup")
    assert len(groups) == 4
    assert all(g["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"} for g in groups.values())
    for name, function in functions(template).items():
        assert function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"] in groups, name


def test_the_operator_is_asked_for_the_service_settings(template: dict[str, Any]) -> None:
    assert {
        "SenderIdentity",
        "SenderAddress",
        "TeamEmail",
        "SiteDomain",
        "RetentionDays",
        "AlarmEmail",
    } <= set(template["Parameters"])


def test_the_build_is_a_makefile_that_takes_the_schemas_from_the_top_of_the_repository(
    template: dict[str, Any],
) -> None:
    for name, function in functions(template).items():
        assert function["Metadata"]["BuildMethod"] == "makefile", name
        assert f"build-{name}" in (ROOT / "functions" / "Makefile").read_text()
    assert not list(Path(ROOT / "functions").rglob("*.schema.json"))  # one committed copy only


def test_confirmation_pages_go_to_the_forms_function_uncached(template: dict[str, Any]) -> None:
    """CloudFront sends every form's confirmation page, in every language, to the API, which fills it in."""
    from functions.forms.web.sent_page import confirmation_pages

    distribution = template["Resources"]["SiteDistribution"]["Properties"]["DistributionConfig"]
    behaviours = distribution["CacheBehaviors"]

    def behaviour_for(path: str) -> dict[str, Any]:
        for behaviour in behaviours:  # CloudFront takes the first matching pattern; * matches any characters
            if re.fullmatch(re.escape(behaviour["PathPattern"]).replace(r"\*", ".*"), path):
                return behaviour
        return distribution["DefaultCacheBehavior"]

    pages = confirmation_pages()
    assert "/forms/referral-sent/" in pages and "/pl/forms/referral-sent/" in pages
    for path in pages:
        behaviour = behaviour_for(path)
        assert behaviour["TargetOriginId"] == "api", path
        assert behaviour["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", path  # CachingDisabled
    for path in ("/forms/referral/", "/pl/forms/referral/", "/", "/assets/stylesheets/main.css"):
        assert behaviour_for(path)["TargetOriginId"] == "site", path
    role = template["Resources"]["FormsRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    (reads,) = [s for s in role if s["Sid"] == "ReadFormAndConfirmationPagesToFillIn"]
    assert reads["Action"] == "s3:GetObject"


def test_failed_posts_get_a_page_that_says_what_to_do_but_our_own_503_is_kept(
    template: dict[str, Any],
) -> None:
    distribution = template["Resources"]["SiteDistribution"]["Properties"]["DistributionConfig"]
    pages = {r["ErrorCode"]: r["ResponsePagePath"] for r in distribution["CustomErrorResponses"]}
    for code in (500, 502, 504):
        assert pages[code] == "/forms/not-sent/index.html"
        assert (ROOT / "docs" / "forms" / "not-sent.md").exists()
    assert 503 not in pages  # storage down: the API's own page, with the family's answers kept
    # The file links' own pages (functions/forms/file_links.py) reach the team as they are.
    assert not {403, 410, 503} & set(pages)
