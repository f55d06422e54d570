"""Launch validation: pylti1p3's checks plus the ones it leaves out.

pylti1p3 checks the state, the signature, the issuer, the deployment and the message claims.
This subclass adds what LTI 1.3 and OIDC Core ask for and the library does not do
(see the 1EdTech Security Framework §5.1.3, https://www.imsglobal.org/spec/security/v1p0/):

- ``aud`` may be a string or an array; with several audiences ``azp`` must name our client.
- the nonce is consumed on first use, so an id_token cannot be replayed;
- a clock leeway for platforms whose clocks run a little ahead;
- only RS256, and a clear refusal of anything else;
- the ``target_link_uri`` claim must be one of our own launch URLs;
- the platform's key set is cached, and fetched again once when a token names an unknown key;
- a launch whose state cookie the browser refused is accepted only for a login that kept its
  state in the platform's storage, and is then held until the page proves it
  (:mod:`app.lti.platform_storage`);
- a deployment seen for the first time follows the ``UNKNOWN_DEPLOYMENTS`` policy: recorded
  and accepted, or recorded and held until an administrator approves it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Collection
from typing import Any

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.common import JWException
from jwcrypto.jwk import JWK
from pylti1p3.contrib.flask import FlaskMessageLaunch
from pylti1p3.exception import LtiKeyException

from ..errors import DeploymentHeld, LaunchError, LaunchReason, StateNotFound
from ..store import KeyValueStore
from . import platform_storage
from .deep_linking import SETTINGS_CLAIM, check_settings
from .storage import DatabaseLaunchDataStorage
from .tool_config import (
    DEPLOYMENT_ACTIVE,
    DEPLOYMENT_HELD,
    deployment_status,
    record_new_deployment,
)

logger = logging.getLogger(__name__)

#: Platform clocks drift ahead of ours by seconds; a minute absorbs that without letting an
#: expired token live meaningfully longer.
JWT_LEEWAY_SECONDS = 60

#: How long a fetched platform key set is trusted before it is fetched again.
PLATFORM_JWKS_TTL_SECONDS = 60 * 60

#: After a refetch for an unknown ``kid``, no further refetch of the same URL for this long,
#: so a stream of tokens with made-up key ids cannot make us hammer the platform.
JWKS_REFETCH_INTERVAL_SECONDS = 30

TARGET_LINK_URI_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri"
DEPLOYMENT_ID_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
#: LTI Core 1.3 §5.3.3: a deployment id is at most 255 ASCII characters.
MAX_DEPLOYMENT_ID_LENGTH = 255
SIGNING_ALGORITHM = "RS256"

#: Claims that must be JSON strings when present, with the words used to name them.
STRING_CLAIMS = {
    "iss": "issuer (iss)",
    "sub": "user id (sub)",
    "azp": "authorised party (azp)",
    "https://purl.imsglobal.org/spec/lti/claim/deployment_id": "deployment id",
    "https://purl.imsglobal.org/spec/lti/claim/message_type": "message type",
    "https://purl.imsglobal.org/spec/lti/claim/version": "LTI version",
    TARGET_LINK_URI_CLAIM: "target link URI",
}

#: Claims that must be JSON objects when present.
OBJECT_CLAIMS = {
    "https://purl.imsglobal.org/spec/lti/claim/resource_link": "resource link",
    "https://purl.imsglobal.org/spec/lti/claim/context": "context",
    "https://purl.imsglobal.org/spec/lti/claim/custom": "custom parameters",
}
ROLES_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/roles"
MESSAGE_TYPE_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/message_type"
HANDLED_MESSAGE_TYPES = ("LtiResourceLinkRequest", "LtiDeepLinkingRequest")


class ToolMessageLaunch(FlaskMessageLaunch):
    """A message launch with the extra checks listed in this module's docstring."""

    def __init__(
        self,
        *args: Any,
        store: KeyValueStore | None = None,
        launch_urls: Collection[str] = (),
        unknown_deployments: str = "hold",
        **kwargs: Any,
    ) -> None:
        # All have defaults only because pylti1p3's from_cache() builds launches without
        # them; a restored launch is never validated again, so it needs none of them.
        super().__init__(*args, **kwargs)
        self._store = store or KeyValueStore()
        self._launch_urls = frozenset(launch_urls)
        self._unknown_deployments = unknown_deployments
        self._force_key_refetch = False
        self._key_set_from_cache = False
        #: Set when the launch came without its state cookie, through platform storage.
        self.storage_login: platform_storage.StorageLogin | None = None
        #: What the login that started this launch sent (read with its nonce).
        self._login_params: dict[str, Any] | None = None

    def validate(self) -> ToolMessageLaunch:
        # Same steps as pylti1p3, in a safer order: the signature is checked before the nonce
        # is consumed, so a forged token cannot burn a real user's nonce.
        if self._restored:
            raise LaunchError(
                "A stored launch cannot be validated again.", LaunchReason.INVALID
            )

        self._validated = True
        try:
            self.validate_state()
            self.validate_jwt_format()
            self.validate_claim_types()
            self.validate_registration()
            self.validate_jwt_signature()
            self.validate_nonce()
            self.validate_deployment()
            self.validate_deep_linking_settings()
            self.validate_message()
            self.validate_target_link_uri()
            # The launch data, pylti1p3's state record and a platform-storage hold go to
            # the store together, in one round trip (when the launch storage shares it).
            with self._store.batch():
                self.save_launch_data()
                if self.storage_login is not None:
                    platform_storage.hold_launch(
                        self._store, self._launch_id, self.storage_login
                    )
        except Exception:
            self._validated = False
            raise
        return self

    def validate_state(self) -> ToolMessageLaunch:
        """The state must match this browser's state cookie, or a platform-storage login.

        pylti1p3 only knows the cookie. Without it, a state that the login page put in the
        platform's storage is accepted here and checked in the browser afterwards.
        """
        state = self._get_request_param("state")
        if not state or not isinstance(state, str):
            raise StateNotFound("")

        if self._cookie_service.get_cookie(state) == state:
            return self

        login = platform_storage.take_login(self._store, state)
        if login is None:
            raise StateNotFound(state)
        self.storage_login = login
        return self

    def validate_claim_types(self) -> ToolMessageLaunch:
        """Refuse claims of the wrong JSON type before pylti1p3 uses them as lookup keys."""
        body = self._get_jwt_body()
        for claim, label in STRING_CLAIMS.items():
            value = body.get(claim)
            if value is not None and not isinstance(value, str):
                raise LaunchError(
                    f"The launch token's {label} is not a text value.",
                    LaunchReason.MALFORMED_TOKEN,
                )

        for claim, label in OBJECT_CLAIMS.items():
            value = body.get(claim)
            if value is not None and not isinstance(value, dict):
                raise LaunchError(
                    f"The launch token's {label} claim is not an object.",
                    LaunchReason.MALFORMED_TOKEN,
                )

        message_type = body.get(MESSAGE_TYPE_CLAIM)
        if message_type is not None and message_type not in HANDLED_MESSAGE_TYPES:
            raise LaunchError(
                f"The launch's message type ({message_type[:40]}) is not one this tool "
                "handles: it opens resource links and Deep Linking requests only.",
                LaunchReason.UNSUPPORTED_MESSAGE,
            )

        roles = body.get(ROLES_CLAIM)
        is_list_of_text = isinstance(roles, list) and all(
            isinstance(r, str) for r in roles
        )
        if roles is not None and not is_list_of_text:
            raise LaunchError(
                "The launch token's roles claim is not a list of role names.",
                LaunchReason.MALFORMED_TOKEN,
            )
        return self

    def get_client_id(self) -> str:
        """Our client id from ``aud`` (a string or an array) and ``azp`` (OIDC Core §2)."""
        body = self._get_jwt_body()
        aud = body.get("aud")
        azp = body.get("azp")

        audiences = [aud] if isinstance(aud, str) else aud
        if not isinstance(audiences, list) or not audiences:
            raise LaunchError(
                "The launch token names no audience (aud).", LaunchReason.BAD_AUDIENCE
            )
        if not all(isinstance(value, str) for value in audiences):
            raise LaunchError(
                "The launch token's audience (aud) is malformed.",
                LaunchReason.BAD_AUDIENCE,
            )

        if len(audiences) > 1 and azp is None:
            raise LaunchError(
                "The launch token names several audiences but no authorised party (azp).",
                LaunchReason.BAD_AUDIENCE,
            )
        if azp is not None and azp not in audiences:
            raise LaunchError(
                "The launch token's authorised party (azp) is not an audience.",
                LaunchReason.BAD_AUDIENCE,
            )

        return azp if azp is not None else audiences[0]

    def validate_jwt_signature(self) -> ToolMessageLaunch:
        algorithm = self._jwt.get("header", {}).get("alg")
        if algorithm != SIGNING_ALGORITHM:
            raise LaunchError(
                f"The launch token must be signed with {SIGNING_ALGORITHM}, "
                f"not {str(algorithm)[:20]}.",
                LaunchReason.BAD_ALGORITHM,
            )

        public_pem, _ = self.get_public_key()
        try:
            jwt.decode(
                self._get_id_token(),
                _verifying_key(public_pem),
                algorithms=[SIGNING_ALGORITHM],
                leeway=JWT_LEEWAY_SECONDS,
                options={"verify_aud": False, "require": ["exp", "iat"]},
            )
        except jwt.ExpiredSignatureError as err:
            raise LaunchError(
                "The launch token has expired. Please launch again.",
                LaunchReason.TOKEN_EXPIRED,
            ) from err
        except jwt.ImmatureSignatureError as err:
            raise LaunchError(
                "The launch token is dated in the future.",
                LaunchReason.TOKEN_NOT_YET_VALID,
            ) from err
        except jwt.MissingRequiredClaimError as err:
            raise LaunchError(
                f"The launch token is not valid: it has no {err.claim} claim.",
                LaunchReason.MISSING_CLAIM,
            ) from err
        except jwt.InvalidSignatureError as err:
            raise LaunchError(
                "The launch token's signature does not match the platform's key.",
                LaunchReason.BAD_SIGNATURE,
            ) from err
        except jwt.InvalidTokenError as err:
            raise LaunchError(
                f"The launch token is not valid: {err}.", LaunchReason.MALFORMED_TOKEN
            ) from err
        return self

    def validate_nonce(self) -> ToolMessageLaunch:
        nonce = self._get_jwt_body().get("nonce")
        if not nonce or not isinstance(nonce, str):
            raise LaunchError(
                "The launch token has no nonce.", LaunchReason.NONCE_MISSING
            )

        if self.storage_login is not None and nonce != self.storage_login.nonce:
            raise LaunchError(
                "This launch does not belong to the login that stored its state. "
                "Please open the tool again from your course.",
                LaunchReason.STATE_MISMATCH,
            )

        storage = self._session_service.data_storage
        if not isinstance(storage, DatabaseLaunchDataStorage):
            raise RuntimeError("Launches need the shared launch-data storage.")
        # Same key that pylti1p3's SessionService.save_nonce used at login; what the login
        # sent comes along in the same round trip (see _check_login_deployment).
        state = str(self._get_request_param("state") or "")
        taken, (params,) = storage.take_value_and_get(
            f"lti1p3-nonce-{nonce}", [platform_storage.login_params_key(state)]
        )
        self._login_params = params if isinstance(params, dict) else None
        if taken is None:
            raise LaunchError(
                "This launch was already used, or its login has expired (reloading "
                "just this frame does that). Reload the course page, or open the tool "
                "again from your course.",
                LaunchReason.NONCE_REPLAYED,
            )
        return self

    def validate_deep_linking_settings(self) -> ToolMessageLaunch:
        if self.is_deep_link_launch():
            check_settings(self._get_jwt_body().get(SETTINGS_CLAIM))
        return self

    def validate_deployment(self) -> ToolMessageLaunch:
        """A known, active deployment; a new one follows the ``UNKNOWN_DEPLOYMENTS`` policy.

        pylti1p3 refuses every deployment it does not find. For a registered issuer and
        client id we record a new one instead, then accept it or hold it for approval.
        """
        deployment_id = self._get_jwt_body().get(DEPLOYMENT_ID_CLAIM)
        if not deployment_id or not isinstance(deployment_id, str):
            raise LaunchError(
                "The launch does not name a deployment (deployment_id).",
                LaunchReason.MISSING_CLAIM,
            )
        if len(deployment_id) > MAX_DEPLOYMENT_ID_LENGTH or not deployment_id.isascii():
            raise LaunchError(
                "The launch's deployment id is not valid.", LaunchReason.MALFORMED_TOKEN
            )
        self._check_login_deployment(deployment_id)

        issuer, client_id = self.get_iss(), self.get_client_id()
        status = deployment_status(issuer, client_id, deployment_id)
        if status is None:
            wanted = (
                DEPLOYMENT_ACTIVE
                if self._unknown_deployments == "accept"
                else DEPLOYMENT_HELD
            )
            status = record_new_deployment(issuer, client_id, deployment_id, wanted)
            logger.info("Recorded new deployment of %s as %s", issuer, status)

        if status == DEPLOYMENT_HELD:
            raise DeploymentHeld()
        return self

    def _check_login_deployment(self, deployment_id: str) -> None:
        """A login that named its deployment must be followed by a launch of that one
        (LTI Core 1.3 §4.1, ``lti_deployment_id``). pylti1p3 never compares them."""
        named = (self._login_params or {}).get("lti_deployment_id")
        if named and named != deployment_id:
            raise LaunchError(
                "The launch names another deployment than its login did "
                "(lti_deployment_id).",
                LaunchReason.DEPLOYMENT_MISMATCH,
            )

    def validate_target_link_uri(self) -> ToolMessageLaunch:
        target = self._get_jwt_body().get(TARGET_LINK_URI_CLAIM)
        if target not in self._launch_urls:
            raise LaunchError(
                "The launch is addressed to a URL that is not this tool's.",
                LaunchReason.WRONG_TARGET,
            )
        return self

    def get_public_key(self) -> tuple[str, str]:
        try:
            return self._find_public_key()
        except LtiKeyException:
            if not self._may_refetch_keys():
                raise
            logger.info(
                "Unknown key id in a launch token; fetching the platform keys again"
            )
            registration = self._require_registration()
            registration.set_key_set(None)
            self._force_key_refetch = True
            return self._find_public_key()

    def _find_public_key(self) -> tuple[str, str]:
        """pylti1p3's lookup of the signing key by ``kid`` and ``alg``, with the same
        errors. pylti1p3 converts the JWK to PEM and parses the PEM on every launch, a
        share of each launch's CPU that shows in the benchmark; here a process converts
        each key once."""
        registration = self._require_registration()
        key_set = registration.get_key_set()
        if not key_set:
            key_set_url = registration.get_key_set_url() or ""
            if not key_set_url.startswith(("http://", "https://")):
                raise LtiKeyException(
                    "The public key set URL is invalid: " + key_set_url
                )
            key_set = self.fetch_public_key(key_set_url)
            registration.set_key_set(key_set)

        header = self._jwt.get("header", {})
        kid, alg = header.get("kid"), header.get("alg")
        if not kid:
            raise LtiKeyException("JWT KID not found")
        if not alg:
            raise LtiKeyException("JWT ALG not found")

        keys = key_set.get("keys") if isinstance(key_set, dict) else None
        for key in keys if isinstance(keys, list) else []:
            if isinstance(key, dict) and key.get("kid") == kid:
                if key.get("alg", SIGNING_ALGORITHM) == alg:
                    return _pem_of(json.dumps(key, sort_keys=True)), alg
        raise LtiKeyException("Unable to find public key")

    def fetch_public_key(self, key_set_url: str) -> Any:
        cache_key = _jwks_cache_key(key_set_url)
        if not self._force_key_refetch:
            cached = self._store.get(cache_key)
            if cached is not None:
                self._key_set_from_cache = True
                return cached

        self._key_set_from_cache = False
        key_set = self._download_key_set(key_set_url)
        self._store.set(cache_key, key_set, PLATFORM_JWKS_TTL_SECONDS)
        return key_set

    def _download_key_set(self, key_set_url: str) -> dict[str, Any]:
        try:
            response = self._requests_session.get(key_set_url)
            response.raise_for_status()
            key_set = response.json()
        except (requests.RequestException, ValueError) as err:
            logger.warning(
                "Fetching the platform key set at %s failed: %s", key_set_url, err
            )
            raise LaunchError(
                "The platform's public keys could not be fetched, so the launch could not "
                "be verified. Please try again later.",
                LaunchReason.PLATFORM_KEYS,
            ) from err

        if not isinstance(key_set, dict) or not isinstance(key_set.get("keys"), list):
            raise LaunchError(
                "The platform's key set is not a valid JWKS document.",
                LaunchReason.PLATFORM_KEYS,
            )
        return key_set

    def _may_refetch_keys(self) -> bool:
        """Allow one refetch per launch, and one per URL per interval across all launches."""
        if not self._key_set_from_cache or self._force_key_refetch:
            return False

        guard_key = "refetch-" + _jwks_cache_key(
            self._require_registration().get_key_set_url() or ""
        )
        if self._store.get(guard_key) is not None:
            return False
        self._store.set(guard_key, True, JWKS_REFETCH_INTERVAL_SECONDS)
        return True

    def _require_registration(self) -> Any:
        # validate_registration() ran before any key is looked up; this guards a misuse.
        if self._registration is None:
            raise RuntimeError("The registration must be validated first.")
        return self._registration


def _jwks_cache_key(key_set_url: str) -> str:
    return "platform-jwks-" + hashlib.sha256(key_set_url.encode()).hexdigest()


UNUSABLE_KEY = (
    "The platform publishes the key that signed this launch in a form the tool cannot "
    "use (it needs an RSA key of at least 2048 bits for RS256)."
)
#: Shorter RSA keys are no longer considered safe for signatures (NIST SP 800-131A); one is
#: refused rather than trusted with a warning, as PyJWT alone would do.
MIN_RSA_BITS = 2048
#: How many platform keys a process keeps converted (a few per platform, across rotations).
CONVERTED_KEYS = 64


@functools.lru_cache(maxsize=CONVERTED_KEYS)
def _pem_of(key_json: str) -> str:
    try:
        return JWK.from_json(key_json).export_to_pem().decode()
    except (ValueError, TypeError, JWException) as err:
        raise LaunchError(UNUSABLE_KEY, LaunchReason.PLATFORM_KEYS) from err


@functools.lru_cache(maxsize=CONVERTED_KEYS)
def _verifying_key(public_pem: str) -> rsa.RSAPublicKey:
    try:
        key = serialization.load_pem_public_key(public_pem.encode())
    except (ValueError, TypeError) as err:
        raise LaunchError(UNUSABLE_KEY, LaunchReason.PLATFORM_KEYS) from err
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < MIN_RSA_BITS:
        raise LaunchError(UNUSABLE_KEY, LaunchReason.PLATFORM_KEYS)
    return key
