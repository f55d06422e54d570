"""LTI 1.3 for the Panopto tool, on top of pylti1p3 (the pylti1p3next fork).

The flow, as OnTrack (the platform) drives it:

1. **Login** (``/lti/login``): the platform sends a third-party initiated login
   (LTI Core 1.3 §5.1.1, https://www.imsglobal.org/spec/security/v1p0/#step-1-third-party-initiated-login).
   We check the platform is registered and the ``target_link_uri`` is ours, store a nonce,
   set a short state cookie and redirect the browser to the platform's authorization endpoint.
2. **Launch** (``/lti/launch``): the platform POSTs a signed ``id_token``. We verify it
   (signature against the platform JWKS, ``aud``/``azp``, expiry with leeway, single-use
   nonce, deployment, message claims) — see :mod:`app.lti.launch`.
3. **Deep Linking** (https://www.imsglobal.org/spec/lti-dl/v2p0): an
   ``LtiDeepLinkingRequest`` opens the chooser; the chooser's choice goes back to the platform
   as a signed ``LtiDeepLinkingResponse`` built in :mod:`app.lti.deep_linking`.
4. **Viewing**: each placed item is an ``ltiResourceLink`` whose ``custom`` map carries the
   Panopto session id, so every view is a fresh launch of the tool, which shows the player.

This package knows nothing of Panopto; the Flask views glue it to the chooser and player.
"""
