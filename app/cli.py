"""Command line administration: ``flask --app wsgi platforms|deployments|keys|tokens ...``.

- ``platforms add|list|remove|invite``: registrations of LTI platforms, and single-use
  Dynamic Registration URLs;
- ``deployments add|list|remove|approve|hold|set``: the deployments of a registration and
  their viewer-access settings;
- ``keys rotate|list|retire``: the tool's signing keys (old and new are published side by
  side after a rotation);
- ``tokens new-key|reencrypt``: the Fernet keys of Panopto tokens at rest.

Output is plain text for people; nothing secret is ever printed except a freshly made
Fernet key, which is what ``tokens new-key`` is for.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from . import registration, security
from .crypto import TokenCipher, TokenDecryptError, new_key
from .extensions import db
from .keys import list_keys, retire_key, rotate_keys
from .lti.tool_config import (
    ACCESS_MODES,
    DEPLOYMENT_ACTIVE,
    DEPLOYMENT_HELD,
    FILE_WINS_NOTE,
    apply_deployment_options,
    file_lists_deployment,
    registration_row,
)
from .models import Deployment, PanoptoToken, PlatformRegistration
from .store import KeyValueStore

platforms = AppGroup("platforms", help="Registrations of LTI platforms.")
deployments = AppGroup("deployments", help="Deployments of a platform registration.")
keys = AppGroup("keys", help="The tool's signing keys.")
tokens = AppGroup("tokens", help="Encryption of Panopto tokens at rest.")


def register_commands(app: Flask) -> None:
    for group in (platforms, deployments, keys, tokens):
        app.cli.add_command(group)


# -- platforms ------------------------------------------------------------------------


@platforms.command("add")
@click.argument("issuer")
@click.argument("client_id")
@click.option("--auth-login-url", required=True, help="The platform's OIDC auth URL.")
@click.option("--key-set-url", help="The platform's JWKS URL.")
@click.option("--key-set-file", type=click.Path(exists=True, dir_okay=False))
@click.option("--auth-token-url", help="The platform's OAuth2 token URL.")
@click.option("--deployment", "deployment_ids", multiple=True, help="A deployment id.")
@click.option(
    "--page-origin",
    "page_origins",
    multiple=True,
    help="Another origin of the platform's pages (may frame the tool).",
)
@click.option("--label", help="A name for people.")
@click.option(
    "--default/--not-default",
    default=None,
    help="The issuer's registration used when a login names no client id.",
)
def platforms_add(
    issuer,
    client_id,
    auth_login_url,
    key_set_url,
    key_set_file,
    auth_token_url,
    deployment_ids,
    page_origins,
    label,
    default,
):
    """Register (or update) a platform: ISSUER and the CLIENT_ID it gave the tool."""
    if not key_set_url and not key_set_file:
        raise click.UsageError("Give --key-set-url or --key-set-file.")

    row = registration_row(issuer, client_id)
    if row is None:
        has_others = db.session.execute(
            select(PlatformRegistration).where(PlatformRegistration.issuer == issuer)
        ).first()
        row = PlatformRegistration(
            issuer=issuer, client_id=client_id, is_default=has_others is None
        )
        db.session.add(row)

    row.auth_login_url = auth_login_url
    row.auth_token_url = auth_token_url or row.auth_token_url
    row.key_set_url = key_set_url
    row.key_set = json.loads(Path(key_set_file).read_text()) if key_set_file else None
    row.label = label or row.label
    if page_origins:
        row.page_origins = list(page_origins)
    if default is not None:
        row.is_default = default
    for deployment_id in deployment_ids:
        _ensure_deployment(row, deployment_id)

    db.session.commit()
    security.forget_platform_origins()
    click.echo(f"Registered {issuer} (client id {client_id}).")


@platforms.command("list")
def platforms_list():
    """Every registration with its deployments."""
    rows = db.session.execute(
        select(PlatformRegistration).order_by(PlatformRegistration.issuer)
    ).scalars()
    found = False
    for row in rows:
        found = True
        default = " (default)" if row.is_default else ""
        click.echo(f"{row.issuer}  client {row.client_id}{default}")
        click.echo(f"    login {row.auth_login_url}")
        click.echo(f"    keys  {row.key_set_url or 'pasted in'}")
        for deployment in sorted(row.deployments, key=lambda d: d.deployment_id):
            click.echo(f"    deployment {_describe(deployment)}")
    if not found:
        click.echo("No platform is registered.")


@platforms.command("remove")
@click.argument("issuer")
@click.argument("client_id")
def platforms_remove(issuer, client_id):
    """Remove a registration and all its deployments."""
    row = _registration_or_fail(issuer, client_id)
    db.session.delete(row)
    db.session.commit()
    security.forget_platform_origins()
    click.echo(f"Removed {issuer} (client id {client_id}).")


@platforms.command("invite")
@click.option(
    "--base-url",
    envvar="TOOL_BASE_URL",
    required=True,
    help="The tool's public root URL (default: TOOL_BASE_URL).",
)
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 90))
def platforms_invite(base_url, days):
    """Print a single-use Dynamic Registration URL to paste into a platform."""
    code = registration.create_invite(KeyValueStore(), ttl_seconds=days * 86400)
    click.echo(f"{base_url.rstrip('/')}/lti/register?invite={code}")


# -- deployments ----------------------------------------------------------------------


@deployments.command("add")
@click.argument("issuer")
@click.argument("client_id")
@click.argument("deployment_id")
def deployments_add(issuer, client_id, deployment_id):
    """Add (or approve) a deployment of a registration."""
    row = _registration_or_fail(issuer, client_id)
    _ensure_deployment(row, deployment_id)
    db.session.commit()
    click.echo(f"Deployment {deployment_id} of {issuer} is active.")


@deployments.command("list")
@click.argument("issuer", required=False)
def deployments_list(issuer):
    """Every deployment, or those of one issuer, held ones first."""
    query = select(Deployment).join(PlatformRegistration)
    if issuer:
        query = query.where(PlatformRegistration.issuer == issuer)
    rows = sorted(
        db.session.execute(query).scalars(),
        key=lambda d: (
            d.status != DEPLOYMENT_HELD,
            d.registration.issuer,
            d.deployment_id,
        ),
    )
    for deployment in rows:
        registration_ = deployment.registration
        click.echo(
            f"{registration_.issuer}  client {registration_.client_id}  "
            f"{_describe(deployment)}"
        )
    if not rows:
        click.echo("No deployment.")


@deployments.command("approve")
@click.argument("issuer")
@click.argument("client_id")
@click.argument("deployment_id")
def deployments_approve(issuer, client_id, deployment_id):
    """Let a held deployment launch."""
    _set_status(issuer, client_id, deployment_id, DEPLOYMENT_ACTIVE)


@deployments.command("hold")
@click.argument("issuer")
@click.argument("client_id")
@click.argument("deployment_id")
def deployments_hold(issuer, client_id, deployment_id):
    """Refuse a deployment's launches until it is approved again."""
    _set_status(issuer, client_id, deployment_id, DEPLOYMENT_HELD)


@deployments.command("remove")
@click.argument("issuer")
@click.argument("client_id")
@click.argument("deployment_id")
def deployments_remove(issuer, client_id, deployment_id):
    """Remove a deployment."""
    deployment = _deployment_or_fail(issuer, client_id, deployment_id)
    db.session.delete(deployment)
    db.session.commit()
    click.echo(f"Removed deployment {deployment_id} of {issuer}.")
    _warn_if_in_file(issuer, client_id, deployment_id)


@deployments.command("set")
@click.argument("issuer")
@click.argument("client_id")
@click.argument("deployment_id")
@click.option(
    "--access-mode",
    type=click.Choice(ACCESS_MODES),
    help="access_level: the video's own sharing; grant: just-in-time grants.",
)
@click.option("--panopto-provider", help="Panopto identity-provider instance name.")
@click.option("--username-claim", help="sub, email, preferred_username or custom:NAME.")
@click.option(
    "--provider-sign-in/--no-provider-sign-in",
    default=None,
    help="Sign chooser users in through the identity provider (no pop-up).",
)
@click.option(
    "--trust-context-history/--no-trust-context-history",
    default=None,
    help="Let $Context.id.history prove a unit copy (only where users cannot edit "
    "custom parameters, as in OnTrack).",
)
def deployments_set(
    issuer,
    client_id,
    deployment_id,
    access_mode,
    panopto_provider,
    username_claim,
    provider_sign_in,
    trust_context_history,
):
    """Change how a deployment's viewers get access in Panopto."""
    deployment = _deployment_or_fail(issuer, client_id, deployment_id)
    options = {
        "access_mode": access_mode,
        "panopto_provider": panopto_provider,
        "username_claim": username_claim,
        "provider_sign_in": provider_sign_in,
        "trust_context_history": trust_context_history,
    }
    try:
        apply_deployment_options(
            deployment,
            {name: value for name, value in options.items() if value is not None},
        )
    except ValueError as err:
        raise click.UsageError(str(err)) from err
    db.session.commit()
    click.echo(_describe(deployment))
    _warn_if_in_file(issuer, client_id, deployment_id)


# -- keys -----------------------------------------------------------------------------


@keys.command("rotate")
def keys_rotate():
    """Make a new signing key; keep publishing the old one until you retire it."""
    old, new = rotate_keys(_keys_dir())
    click.echo(f"New signing key {new}. The previous key {old} is still published;")
    click.echo(
        "retire it once platforms have fetched the new key set (a day is plenty):"
    )
    # "--" first: a key id is base64url and may start with "-", which would read as an option.
    click.echo(f"  flask --app wsgi keys retire -- {old}")


@keys.command("list")
def keys_list():
    """The published keys: the current signing key, then retired ones."""
    for info in list_keys(_keys_dir()):
        click.echo(f"{info.kid}  {info.status}")


@keys.command("retire")
@click.argument("kid")
def keys_retire(kid):
    """Stop publishing a previous key (write ``retire -- KID``: a kid may start with "-")."""
    if not retire_key(_keys_dir(), kid):
        raise click.ClickException(
            f"No previous key {kid} (the current key cannot be retired)."
        )
    click.echo(f"Key {kid} is no longer published.")


# -- tokens ---------------------------------------------------------------------------


@tokens.command("new-key")
def tokens_new_key():
    """Print a new Fernet key, to put first in TOKEN_ENCRYPTION_KEYS."""
    click.echo(new_key())


@tokens.command("reencrypt")
def tokens_reencrypt():
    """Re-encrypt every stored Panopto token with the first key of TOKEN_ENCRYPTION_KEYS."""
    cipher: TokenCipher = current_app.extensions["token_cipher"]
    changed = dropped = 0
    for row in db.session.execute(select(PanoptoToken)).scalars():
        try:
            row.access_token = cipher.rotate(row.access_token)
            if row.refresh_token:
                row.refresh_token = cipher.rotate(row.refresh_token)
            changed += 1
        except TokenDecryptError:
            db.session.delete(row)
            dropped += 1
    db.session.commit()
    click.echo(f"Re-encrypted {changed} token(s); dropped {dropped} no key could open.")


# -- helpers --------------------------------------------------------------------------


def _keys_dir() -> Path:
    return Path(current_app.config["TOOL_KEYS_DIR"])


def _registration_or_fail(issuer: str, client_id: str) -> PlatformRegistration:
    row = registration_row(issuer, client_id)
    if row is None:
        raise click.ClickException(
            f"No registration of {issuer} with client id {client_id}."
        )
    return row


def _deployment_or_fail(issuer: str, client_id: str, deployment_id: str) -> Deployment:
    row = _registration_or_fail(issuer, client_id)
    for deployment in row.deployments:
        if deployment.deployment_id == deployment_id:
            return deployment
    raise click.ClickException(f"No deployment {deployment_id} of {issuer}.")


def _ensure_deployment(row: PlatformRegistration, deployment_id: str) -> None:
    for deployment in row.deployments:
        if deployment.deployment_id == deployment_id:
            deployment.status = DEPLOYMENT_ACTIVE
            return
    row.deployments.append(
        Deployment(deployment_id=deployment_id, status=DEPLOYMENT_ACTIVE)
    )


def _set_status(issuer: str, client_id: str, deployment_id: str, status: str) -> None:
    deployment = _deployment_or_fail(issuer, client_id, deployment_id)
    deployment.status = status
    db.session.commit()
    click.echo(_describe(deployment))
    _warn_if_in_file(issuer, client_id, deployment_id)


def _warn_if_in_file(issuer: str, client_id: str, deployment_id: str) -> None:
    path = current_app.config.get("LTI_CONFIG")
    if file_lists_deployment(path, issuer, client_id, deployment_id):
        click.echo(f"Note: {FILE_WINS_NOTE} (LTI_CONFIG is {path}.)", err=True)


def _describe(deployment: Deployment) -> str:
    mapping = (
        f"{deployment.panopto_provider}\\<{deployment.username_claim}>"
        if deployment.panopto_provider
        else "no Panopto user mapping"
    )
    sign_in = ", provider sign-in" if deployment.provider_sign_in else ""
    copies = (
        ", unit copies by context history" if deployment.trust_context_history else ""
    )
    return (
        f"{deployment.deployment_id}  {deployment.status}  {deployment.access_mode}  "
        f"{mapping}{sign_in}{copies}"
    )
