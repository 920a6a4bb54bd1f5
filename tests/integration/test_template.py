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

import devserver
from functions.forms.domain.paths import SCHEMAS_DIR
from functions.forms.domain.schemas import FORM_FILES
from hooks import assets
from tests.integration.cfn import ROOT, TEMPLATE, functions, load_template, of_type

# Read by the code but never on AWS: the local server's settings, and limits whose code default is the intent.
NOT_SET_ON_AWS = {
    "PORT": "local server only (SITE_URL is set on AWS)",
    "VAR_DIR": "local adapters only",
    "SITE_DIR": "local server only",
    "MAX_BODY_BYTES": "the code's default is the limit; set it only to change it",
    "LOCAL_RETENTION_DAYS": "local files only (S3 lifecycle rules expire them on AWS)",
    "FORMS_SECRET": "local only: on AWS the key is read from Secrets Manager (FORMS_SECRET_ARN), never configured",
    "AWS_REGION": "set by Lambda itself",
    "AWS_LAMBDA_FUNCTION_NAME": "set by Lambda itself",
    "UPLOADS_PER_MINUTE": "local server only (off on AWS: the web ACL limits each address, S3 takes the files)",
}
# Set only on the functions that use them (every other variable the code reads is set on every function).
API_FUNCTIONS = {"FormsFunction", "ViewsFunction", "UploadsFunction"}  # the functions behind CloudFront
ONLY_ON = {
    "ORIGIN_SECRET_ARN": API_FUNCTIONS,
    "MAX_TEAM_EMAILS_PER_MINUTE": {"WorkerFunction"},
    "FIGURES_FUNCTIONS": {"WorkerFunction"},
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
    assert types.count("AWS::Lambda::Function") == 4
    assert "AWS::IAM::Role" in types and types.count("AWS::IAM::Role") == 4  # ours; SAM made none
    # The web ACL stays optional after the transform: a condition, and no WebACLId when it is false.
    assert output["Conditions"]["HasWebAcl"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "WebAclArn"}, ""]}]}
    config = output["Resources"]["SiteDistribution"]["Properties"]["DistributionConfig"]
    assert config["WebACLId"] == {"Fn::If": ["HasWebAcl", {"Ref": "WebAclArn"}, {"Ref": "AWS::NoValue"}]}
    paths = output["Resources"]["HttpApi"]["Properties"]["Body"]["paths"]
    target = json.dumps(paths["/api/child-views"]["post"]["x-amazon-apigateway-integration"]["uri"])
    assert "ViewsFunction" in target and "FormsFunction" not in target
    target = json.dumps(paths["/api/referrals"]["post"]["x-amazon-apigateway-integration"]["uri"])
    assert "FormsFunction" in target
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
        elsewhere = {variable for variable, users in ONLY_ON.items() if name not in users}
        missing = read - set(common) - set(own) - set(NOT_SET_ON_AWS) - elsewhere
        assert not missing, f"{name} lacks {sorted(missing)}"
        for variable, users in ONLY_ON.items():
            assert (variable in own) == (name in users), (name, variable)
            assert variable not in common, variable
    assert common["FORMS_BACKEND"] == "aws"


def test_every_function_has_its_own_role(template: dict[str, Any]) -> None:
    roles = [_role_of(f) for f in functions(template).values()]
    assert len(roles) == len(set(roles)) == 4
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
    assert not of_type(template, "AWS::IAM::Policy")
    # One managed policy of our own: the team command's (attached to people, never to a function).
    assert list(of_type(template, "AWS::IAM::ManagedPolicy")) == ["OperatorPolicy"]
    for statement in _statements(template["Resources"]["OperatorPolicy"]["Properties"]["PolicyDocument"]):
        found.append(("OperatorPolicy", statement))
    return found


# IAM has no resource-level permission for these actions: "*" is the only resource they take.
NO_RESOURCE_LEVEL = {"cloudwatch:GetMetricData"}


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
            if (
                resource == "*"
                and set(actions) <= NO_RESOURCE_LEVEL
                and role in {"OperatorPolicy", "WorkerRole"}
            ):
                continue
            assert resource != "*", f"{role} {statement.get('Sid')}: Resource '*'"
            text = json.dumps(resource)
            assert not re.search(r'"\*"|:\*"', text), f"{role}: {text}"


def test_only_the_worker_sends_email_and_only_as_the_sender_identity(template: dict[str, Any]) -> None:
    for role, statement in _allow_statements(template):
        ses = [a for a in _as_list(statement["Action"]) if a.startswith("ses:")]
        if not ses:
            continue
        # Of the functions, only the worker; and the team command (resend, release, the summary), as the same sender.
        assert role in {"WorkerRole", "OperatorPolicy"}
        assert set(ses) <= {"ses:SendEmail", "ses:SendRawEmail"}
        (resource,) = _as_list(statement["Resource"])
        assert resource["Fn::Sub"].endswith(":identity/${SenderIdentity}")


def _grants(template: dict[str, Any], role: str) -> dict[str, set[str]]:
    """{resource (as JSON): actions} for one role."""
    out: dict[str, set[str]] = {}
    for name, statement in _allow_statements(template):
        if name == role:
            for resource in _as_list(statement["Resource"]):
                key = json.dumps(resource)
                out.setdefault(key, set()).update(_as_list(statement["Action"]))
    return out


def test_submit_only_puts_new_submissions_and_the_worker_only_reads_them(template: dict[str, Any]) -> None:
    submissions = json.dumps({"Fn::Sub": "${SubmissionsBucket.Arn}/submissions/*"})
    for role in ("FormsRole", "ViewsRole"):  # GetObject: a repeated post finds the first record
        assert _grants(template, role)[submissions] == {"s3:PutObject", "s3:GetObject"}, role
    assert _grants(template, "WorkerRole")[submissions] == {"s3:GetObject"}
    assert all("SubmissionsBucket" not in key for key in _grants(template, "UploadsRole"))


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
        (expiry,) = [r for r in props["LifecycleConfiguration"]["Rules"] if r["Id"] == "ExpireAfterRetention"]
        assert expiry["Status"] == "Enabled" and "Prefix" not in expiry  # the whole bucket
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
    # The files named by their content have a policy of their own: the same security headers, and a year's keep
    # (test_files_named_by_their_content_are_kept_a_year_and_pages_are_asked_about_each_time).
    policies = {"SecurityHeadersPolicy", "StaticAssetsPolicy"}
    assert all(b["ResponseHeadersPolicyId"] in [{"Ref": p} for p in policies] for b in behaviours)
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
    assert len(groups) == 5
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
    makefile = (ROOT / "functions" / "Makefile").read_text()
    for name, function in functions(template).items():
        assert function["Metadata"]["BuildMethod"] == "makefile", name
        # `sam build` runs `make build-<LogicalId>` for each function: without the target the build fails.
        assert re.search(rf"^[^#\n]*\bbuild-{name}\b[^\n]*:", makefile, re.M), (
            f"functions/Makefile has no build-{name} target (sam build would fail)"
        )
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
    # CloudFront cannot map 413 or 429 (cfn-lint E3030): the web ACL answers those with its own pages
    # (tests/integration/test_waf_template.py). The code's own 429 is off on AWS.
    assert not {413, 429} & set(pages)
    assert template["Globals"]["Function"]["Environment"]["Variables"]["THROTTLE_PER_MINUTE"] == "0"


# ---------------------------------------------------------------- issue 17: floods, starvation, the open API


def _env(template: dict[str, Any], function: str) -> dict[str, Any]:
    return dict(template["Resources"][function]["Properties"].get("Environment", {}).get("Variables", {}))


def _distribution(template: dict[str, Any]) -> dict[str, Any]:
    return dict(template["Resources"]["SiteDistribution"]["Properties"]["DistributionConfig"])


def _secret_readers(template: dict[str, Any], secret: str) -> set[str]:
    readers = set()
    for role, statement in _allow_statements(template):
        if "secretsmanager:GetSecretValue" in _as_list(statement["Action"]):
            assert _as_list(statement["Action"]) == ["secretsmanager:GetSecretValue"], statement
            resources = _as_list(statement["Resource"])
            assert len(resources) == 1 and set(resources[0]) == {"Ref"}, statement  # one named secret
            if resources[0]["Ref"] == secret:
                readers.add(role)
    return readers


def test_cleaning_files_has_its_own_function_so_referrals_are_never_starved(template: dict[str, Any]) -> None:
    def routes(function: str) -> set[tuple[str, str]]:
        events = template["Resources"][function]["Properties"]["Events"].values()
        return {
            (e["Properties"]["Method"], e["Properties"]["Path"]) for e in events if e["Type"] == "HttpApi"
        }

    forms = template["Resources"]["FormsFunction"]["Properties"]
    views = template["Resources"]["ViewsFunction"]["Properties"]
    # The views form, and the check of each file as it is added (it cleans the file, so it runs here too).
    assert routes("ViewsFunction") == {("POST", "/api/child-views"), ("POST", "/api/uploads/{upload_id}")}
    assert ("POST", "/api/referrals") in routes("FormsFunction")
    assert ("POST", "/api/child-views") not in routes("FormsFunction")
    assert {("GET", "/api/token"), ("GET", "/api/files/{token}")} <= routes("FormsFunction")
    assert views["Handler"] == forms["Handler"] == "functions.api.handler"  # the same code
    # Each has its own reserved executions: a queue of files being cleaned waits for the views function's.
    assert views["ReservedConcurrentExecutions"] >= 5 and forms["ReservedConcurrentExecutions"] >= 5
    assert (
        views["MemorySize"] == 1024 and views["Timeout"] == 28
    )  # CPU to clean files, inside API Gateway's 30 s
    assert forms["MemorySize"] <= 512 and forms["Timeout"] <= 15  # no file is cleaned there
    assert _role_of(template["Resources"]["ViewsFunction"]) == "ViewsRole"
    assert views["LoggingConfig"]["LogGroup"] == {"Ref": "ViewsLogGroup"}
    assert forms["LoggingConfig"]["LogGroup"] == {"Ref": "FormsLogGroup"}
    total = sum(f["Properties"]["ReservedConcurrentExecutions"] for f in functions(template).values())
    assert total <= 30, "README's Prerequisites name the total: change both"


def test_only_the_views_function_touches_families_uploads(template: dict[str, Any]) -> None:
    incoming = json.dumps({"Fn::Sub": "${UploadsBucket.Arn}/incoming/*"})
    files = json.dumps({"Fn::Sub": "${UploadsBucket.Arn}/files/*"})
    views = _grants(template, "ViewsRole")
    assert views[incoming] == {"s3:GetObject", "s3:DeleteObject", "s3:PutObject"}
    assert views[files] == {"s3:GetObject", "s3:PutObject"}
    forms = _grants(template, "FormsRole")
    assert incoming not in forms
    assert forms[files] == {"s3:GetObject"}  # the team's file links: read, then presign a GET
    assert _grants(template, "UploadsRole")[incoming] == {"s3:PutObject"}  # signs the browser's POST


def test_secrets_come_from_secrets_manager_never_from_the_configuration(template: dict[str, Any]) -> None:
    common = template["Globals"]["Function"]["Environment"]["Variables"]
    assert common["FORMS_SECRET_ARN"] == {"Ref": "FormsSecret"}
    assert "FORMS_SECRET" not in common
    for name in functions(template):
        assert "FORMS_SECRET" not in _env(template, name), name
        text = json.dumps({**common, **_env(template, name)})
        assert "resolve:secretsmanager" not in text, f"{name}: a secret's value in the configuration"
    # Every function reads the forms key (time trap, file links) from its ARN, and may read nothing else.
    # The functions, and the team command (a resent email's file links are signed with it).
    assert _secret_readers(template, "FormsSecret") == {
        "FormsRole",
        "ViewsRole",
        "UploadsRole",
        "WorkerRole",
        "OperatorPolicy",
    }
    secrets = of_type(template, "AWS::SecretsManager::Secret")
    assert set(secrets) == {"FormsSecret", "OriginSecret"}
    for secret in secrets.values():
        generated = secret["Properties"]["GenerateSecretString"]
        assert generated["PasswordLength"] >= 32 and generated["ExcludePunctuation"] is True


def test_only_cloudfront_reaches_the_api(template: dict[str, Any]) -> None:
    """CloudFront's API origin sends X-Origin-Verify from a generated secret; the API's functions can check it."""
    (api,) = [o for o in _distribution(template)["Origins"] if o["Id"] == "api"]
    (header,) = api["OriginCustomHeaders"]
    assert header["HeaderName"] == "X-Origin-Verify"
    assert header["HeaderValue"] == {"Fn::Sub": "{{resolve:secretsmanager:${OriginSecret}:SecretString}}"}
    for name in API_FUNCTIONS:
        assert _env(template, name)["ORIGIN_SECRET_ARN"] == {"Ref": "OriginSecret"}, name
    assert "ORIGIN_SECRET_ARN" not in _env(template, "WorkerFunction")  # not behind the API
    assert _secret_readers(template, "OriginSecret") == {"FormsRole", "ViewsRole", "UploadsRole"}
    # Every API route's function checks it: none is served by a function without the secret.
    for name, function in functions(template).items():
        events = function["Properties"].get("Events", {}).values()
        if any(e["Type"] == "HttpApi" for e in events):
            assert name in API_FUNCTIONS, name


def test_the_web_acl_is_a_parameter_set_on_the_distribution_when_given(template: dict[str, Any]) -> None:
    parameter = template["Parameters"]["WebAclArn"]
    assert parameter["Type"] == "String" and parameter["Default"] == ""
    pattern = re.compile(parameter["AllowedPattern"])
    account = "123456789012"
    assert pattern.fullmatch("")
    assert pattern.fullmatch(
        f"arn:aws:wafv2:us-east-1:{account}:global/webacl/send-mediation-waf/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d"
    )
    # A regional web ACL, or one made outside us-east-1, cannot be put on CloudFront.
    assert not pattern.fullmatch(f"arn:aws:wafv2:eu-west-2:{account}:regional/webacl/x/1a2b")
    assert not pattern.fullmatch(f"arn:aws:wafv2:eu-west-2:{account}:global/webacl/x/1a2b")
    assert template["Conditions"]["HasWebAcl"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "WebAclArn"}, ""]}]}
    assert _distribution(template)["WebACLId"] == {
        "Fn::If": ["HasWebAcl", {"Ref": "WebAclArn"}, {"Ref": "AWS::NoValue"}]
    }
    groups = template["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
    assert any("WebAclArn" in group["Parameters"] for group in groups)


def test_unsent_uploads_are_deleted_after_a_day(template: dict[str, Any]) -> None:
    bucket = template["Resources"]["UploadsBucket"]["Properties"]
    rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["ExpireUnsentUploads"] == {
        "Id": "ExpireUnsentUploads",
        "Status": "Enabled",
        "Prefix": "incoming/",
        "ExpirationInDays": 1,
    }
    assert rules["ExpireAfterRetention"]["ExpirationInDays"] == {"Ref": "RetentionDays"}  # kept as it was
    # incoming/ is where uploads land (the browser's presigned POST, a file added without JavaScript), so the
    # rule covers every file as it was sent; clean copies (files/) keep RetentionDays.
    incoming = json.dumps({"Fn::Sub": "${UploadsBucket.Arn}/incoming/*"})
    assert {key for key in _grants(template, "UploadsRole") if "UploadsBucket" in key} == {incoming}
    assert "s3:PutObject" in _grants(template, "ViewsRole")[incoming]


def test_the_worker_caps_team_emails_and_deferred_emails_raise_an_alarm(template: dict[str, Any]) -> None:
    cap = _env(template, "WorkerFunction")["MAX_TEAM_EMAILS_PER_MINUTE"]
    assert isinstance(cap, str) and 1 <= int(cap) <= 60  # SES's own rate is 14 a second in production
    (alarm,) = [
        a["Properties"]
        for a in of_type(template, "AWS::CloudWatch::Alarm").values()
        if a["Properties"]["MetricName"] == "EmailsDeferred"
    ]
    assert alarm["Namespace"] == "SendMediation/Forms"
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "WorkerFunction"}}]
    assert alarm["Statistic"] == "Sum" and alarm["Period"] == 300
    assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


# ---------------------------------------------------------------- issue 20: repeat views fetch only the page


def test_files_named_by_their_content_are_kept_a_year_and_pages_are_asked_about_each_time(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    distribution = resources["SiteDistribution"]["Properties"]["DistributionConfig"]
    (static,) = [b for b in distribution["CacheBehaviors"] if b["PathPattern"] == f"/{assets.STATIC}/*"]
    assert static["TargetOriginId"] == "site"
    assert static["CachePolicyId"] == "658327ea-f89d-4fab-a63d-7e88639e58f6"  # Managed-CachingOptimized
    assert static["ResponseHeadersPolicyId"] == {"Ref": "StaticAssetsPolicy"}
    # Before the behaviours of the API and the confirmation pages would matter, /static/* matches nothing else.
    assert all(
        not b["PathPattern"].startswith(f"/{assets.STATIC}")
        for b in distribution["CacheBehaviors"]
        if b is not static
    )

    def custom(policy: str) -> dict[str, tuple[str, bool]]:
        config = resources[policy]["Properties"]["ResponseHeadersPolicyConfig"]
        return {h["Header"]: (h["Value"], h["Override"]) for h in config["CustomHeadersConfig"]["Items"]}

    assert custom("StaticAssetsPolicy")["Cache-Control"] == (devserver.IMMUTABLE, True)
    assert devserver.IMMUTABLE == "public, max-age=31536000, immutable"
    # Pages (and the API, whose own no-store is kept: Override false) are asked about again every time.
    assert custom("SecurityHeadersPolicy")["Cache-Control"] == ("no-cache", False)
    assert distribution["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeadersPolicy"}

    # The same security headers on both.
    def security(policy: str) -> tuple[Any, dict[str, tuple[str, bool]]]:
        config = resources[policy]["Properties"]["ResponseHeadersPolicyConfig"]
        return config["SecurityHeadersConfig"], {
            k: v for k, v in custom(policy).items() if k != "Cache-Control"
        }

    assert security("StaticAssetsPolicy") == security("SecurityHeadersPolicy")
    removed = {
        p: resources[p]["Properties"]["ResponseHeadersPolicyConfig"]["RemoveHeadersConfig"]
        for p in ("StaticAssetsPolicy", "SecurityHeadersPolicy")
    }
    assert removed["StaticAssetsPolicy"] == removed["SecurityHeadersPolicy"]
