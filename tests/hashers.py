"""A password hasher for tests."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 at 1,000 iterations rather than Django's million: a test user costs
    milliseconds, not half a second. The hash still reads as pbkdf2_sha256 with its iteration
    count, so a server process a test starts with the real settings checks it as well."""

    iterations = 1000
