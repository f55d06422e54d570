"""Panopto's identity-provider sign-in: a password grant whose password is a hash.

A server holding an identity provider's *application key* can obtain a token as any user of
that provider, with no browser and no pop-up (API notes §1.4; Panopto's own sample
``auth-id-provider``). The user key is ``{instance}\\{username}``; the password is
``base64(SHA-256(utf8(lower(userKey) + "|" + lower(applicationKey))))``.

The application key opens Panopto as every user of the provider, so it only ever comes from
the environment (``PANOPTO_IDP_APPLICATION_KEY``) and is never logged.
"""

from __future__ import annotations

import base64
import hashlib

#: Separates the provider instance from the username in a Panopto user key.
USER_KEY_SEPARATOR = "\\"
#: A LMS username longer than this is not one (Panopto user names are short).
MAX_USERNAME_LENGTH = 200


def user_key(instance: str, username: str) -> str:
    """``{instance}\\{username}``, the way Panopto's LMS integrations name provider users.

    :raises ValueError: when either part is empty, too long or holds the separator.
    """
    for part in (instance, username):
        if not part or len(part) > MAX_USERNAME_LENGTH or USER_KEY_SEPARATOR in part:
            raise ValueError("Not a usable identity-provider instance or username.")
    return f"{instance}{USER_KEY_SEPARATOR}{username}"


def provider_password(key: str, application_key: str) -> str:
    """The password of the hashed password grant for the user ``key``."""
    material = (key.lower() + "|" + application_key.lower()).encode("utf-8")
    return base64.b64encode(hashlib.sha256(material).digest()).decode("ascii")
