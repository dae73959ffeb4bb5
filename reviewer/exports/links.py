"""Download links of export jobs that expire: the job's id signed (TimestampSigner) when its zip
is made, valid for settings.NEUROREVIEW_EXPORT_LINK_MAX_AGE_S seconds."""

import datetime

from django.conf import settings
from django.core import signing

SALT = "reviewer.exports.download"


class LinkExpired(Exception):
    pass


class LinkInvalid(Exception):
    pass


def max_age() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.NEUROREVIEW_EXPORT_LINK_MAX_AGE_S)


def sign(job_pk: int) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(job_pk))


def job_pk(token: str) -> int:
    """The job a token names: LinkExpired past its age, LinkInvalid when tampered with."""
    try:
        return int(signing.TimestampSigner(salt=SALT).unsign(token, max_age=max_age()))
    except signing.SignatureExpired as expired:
        raise LinkExpired(str(expired)) from expired
    except (signing.BadSignature, ValueError) as bad:
        raise LinkInvalid(str(bad)) from bad


def expires_at(token: str) -> datetime.datetime:
    _, stamp, _ = token.rsplit(":", 2)
    made = datetime.datetime.fromtimestamp(signing.b62_decode(stamp), tz=datetime.UTC)
    return made + max_age()
