"""The only place that chooses AWS or local adapters, and builds this process's one, complete Services.

FORMS_BACKEND=aws (set by template.yaml): S3, SQS, SES v2 through boto3. Anything else (`make serve`, the tests):
files under var/, with each submission delivered straight after it is stored.
"""

from __future__ import annotations

import os
from dataclasses import replace
from functools import cache

from functions.forms.adapters import aws, local
from functions.forms.application.deliver import deliver
from functions.forms.application.services import Services
from functions.forms.application.team import TeamServices
from functions.forms.config import Settings, from_env, settings
from functions.forms.domain import file_tokens
from functions.forms.domain.throttle import Throttle
from functions.forms.ports import MailError, StorageError


def link_key_for(config: Settings) -> bytes:
    """The key that signs file links: from FORMS_SECRET on AWS, else from var/file-links.key (made once)."""
    base = (
        config.forms_secret.encode("utf-8") if config.forms_secret else local.local_link_key(config.var_dir)
    )
    return file_tokens.derive_key(base)


def local_services(config: Settings | None = None) -> Services:
    """File-backed storage, outbox and uploads under var/, with delivery straight after storing."""
    config = config or settings()
    queue = local.InlineQueue()
    services = Services(
        settings=config,
        storage=local.LocalStorage(config.var_dir / "submissions"),
        queue=queue,
        mailer=local.LocalMailer(config.var_dir / "outbox"),
        uploads=local.LocalUploads(config.var_dir / "uploads", config.site_url),
        site_pages=local.LocalSitePages(config.site_dir),
        throttle=Throttle(config.throttle_per_minute, config.throttle_burst),
        upload_throttle=Throttle(config.uploads_per_minute, config.uploads_per_minute),
        link_key=cache(lambda: link_key_for(config)),
        metrics=local.LocalDailyMetrics(config.var_dir / "metrics"),  # for the team's figures (team.py)
        email_budget=_email_budget(config),
    )

    def deliver_now(form: str, submission_id: str) -> None:
        try:
            deliver(services, form, submission_id)
        except (MailError, OSError):
            pass  # stays pending; logged in deliver

    queue.deliver = deliver_now
    return services


def with_secrets(config: Settings) -> Settings:
    """The settings with the secrets named by FORMS_SECRET_ARN and ORIGIN_SECRET_ARN read from Secrets Manager
    (once, when the function starts): never plain in the functions' configuration."""
    if config.forms_secret_arn:
        config = replace(config, forms_secret=aws.read_secret(config.forms_secret_arn))
    if config.origin_secret_arn:
        config = replace(config, origin_secret=aws.read_secret(config.origin_secret_arn))
    return config


def aws_services(config: Settings | None = None) -> Services:
    """S3, SQS and SES v2 through boto3 (clients made when first used)."""
    config = with_secrets(config or settings())
    return Services(
        settings=config,
        storage=aws.S3Storage(config.submissions_bucket),
        queue=aws.SQSQueue(config.queue_url),
        mailer=aws.SESMailer(),
        uploads=aws.S3Uploads(config.uploads_bucket),
        site_pages=aws.S3SitePages(config.site_bucket),
        throttle=Throttle(config.throttle_per_minute, config.throttle_burst),
        upload_throttle=Throttle(config.uploads_per_minute, config.uploads_per_minute),
        link_key=cache(lambda: link_key_for(config)),
        metrics=aws.EmfMetrics(),
        email_budget=_email_budget(config),
    )


def _email_budget(config: Settings) -> Throttle:
    cap = config.max_team_emails_per_minute
    return Throttle(cap, cap)  # 0: off


def is_local(config: Settings) -> bool:
    """Whether this process keeps everything in files under var/ (`make serve`, the tests) rather than on AWS."""
    return config.backend != "aws"


@cache
def services() -> Services:
    """This process's services, made once."""
    config = settings()
    return local_services(config) if is_local(config) else aws_services(config)


# The team's side (`python -m functions.team`, the worker's daily summary) ---------------------------------------

FIGURES_ON_AWS = (
    "The figures (forms shown, completion, errors per question) are on the stack's CloudWatch dashboard "
    "(STACK-figures), and `python -m functions.team stats --stack STACK` prints them."
)


def _local_team(services: Services) -> TeamServices:
    var_dir = services.settings.var_dir
    return TeamServices(
        services=services,
        records=local.LocalRecords(var_dir / "submissions"),
        dead_letters=local.LocalDeadLetters(),
        outbox=local.LocalOutbox(var_dir / "outbox"),
        figures=local.LocalFigures(var_dir / "metrics"),
    )


@cache
def team_services() -> TeamServices:
    """This process's services with the team's own (the worker's daily summary; the command run locally)."""
    base = services()
    if is_local(base.settings):
        return _local_team(base)
    return TeamServices(
        services=base,
        records=aws.S3Records(base.settings.submissions_bucket),
        dead_letters=aws.SQSDeadLetters(base.settings.queue_url),
        outbox=aws.NoOutbox(),
        command="python -m functions.team {verb} --stack STACK",
        figures=aws.CloudWatchFigures(base.settings.figures_functions)
        if base.settings.figures_functions
        else None,
        figures_note=FIGURES_ON_AWS,
    )


def _signed_links_key(config: Settings) -> bytes:
    """The file links' key on AWS: the stack's FormsSecret, read when a link is first made (a resent email)."""
    if not config.forms_secret_arn:
        raise StorageError("file links need the stack's FormsSecret: name the stack with --stack")
    return link_key_for(with_secrets(config))


def team_services_for(
    stack: str | None = None,
    submissions_bucket: str | None = None,
    uploads_bucket: str | None = None,
    queue_url: str | None = None,
) -> TeamServices:
    """The team's command on AWS, for a stack (its outputs, parameters and resources, read with CloudFormation) or
    for buckets named on the command line (or in the environment with FORMS_BACKEND=aws); else locally."""
    named = {
        "SUBMISSIONS_BUCKET": submissions_bucket,
        "UPLOADS_BUCKET": uploads_bucket,
        "QUEUE_URL": queue_url,
    }
    env = {**os.environ, **{key: value for key, value in named.items() if value}}
    dead_letter_url, functions, command = "", [], "python -m functions.team {verb}"
    if stack:
        info = aws.describe_stack(stack)
        env.update(
            {
                "FORMS_BACKEND": "aws",
                "SUBMISSIONS_BUCKET": info.outputs.get("SubmissionsBucketName", ""),
                "UPLOADS_BUCKET": info.outputs.get("UploadsBucketName", ""),
                "QUEUE_URL": info.outputs.get("QueueUrl", ""),
                "TEAM_EMAIL": info.parameters.get("TeamEmail", ""),
                "MAIL_FROM": f"KIDS SEND Mediation forms <{info.parameters.get('SenderAddress', '')}>",
                "SITE_URL": f"https://{info.parameters.get('SiteDomain', '')}/",
                "FORMS_SECRET_ARN": info.resources.get("FormsSecret", ""),
            }
        )
        dead_letter_url = info.outputs.get("DeadLetterQueueUrl", "")
        functions = [info.resources[n] for n in ("FormsFunction", "ViewsFunction") if info.resources.get(n)]
        command = f"python -m functions.team {{verb}} --stack {stack}"
    elif any(named.values()):
        env["FORMS_BACKEND"] = "aws"
    config = from_env(env)
    if is_local(config):
        return _local_team(local_services(config))
    if not config.submissions_bucket:
        raise StorageError("name the stack (--stack NAME) or the submissions bucket (--submissions-bucket)")
    base = Services(
        settings=config,
        storage=aws.S3Storage(config.submissions_bucket),
        queue=aws.SQSQueue(config.queue_url),
        mailer=aws.SESMailer(),
        uploads=aws.S3Uploads(config.uploads_bucket),
        site_pages=aws.S3SitePages(config.site_bucket),
        throttle=Throttle(0, 0),
        upload_throttle=Throttle(0, 0),
        link_key=cache(lambda: _signed_links_key(config)),
        # Counts made on the operator's computer would never reach CloudWatch: kept in memory, not printed.
        metrics=local.LocalMetrics(),
        email_budget=Throttle(0, 0),
    )
    return TeamServices(
        services=base,
        records=aws.S3Records(config.submissions_bucket),
        dead_letters=aws.SQSDeadLetters(config.queue_url, dead_letter_url),
        outbox=aws.NoOutbox(),
        figures=aws.CloudWatchFigures(functions) if functions else None,
        command=command,
        figures_note=""
        if functions
        else "The figures are read from the stack's functions: add --stack NAME.",
    )
