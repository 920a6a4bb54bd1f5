"""The only place that chooses AWS or local adapters, and builds this process's one, complete Services.

FORMS_BACKEND=aws (set by template.yaml): S3, SQS, SES v2 through boto3. Anything else (`make serve`, the tests):
files under var/, with each submission delivered straight after it is stored.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from functions.forms.adapters import aws, local
from functions.forms.application.deliver import deliver
from functions.forms.application.services import Services
from functions.forms.config import Settings, settings
from functions.forms.domain import file_tokens
from functions.forms.domain.throttle import Throttle
from functions.forms.ports import MailError


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
        link_key=cache(lambda: link_key_for(config)),
        metrics=local.LocalMetrics(),
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
