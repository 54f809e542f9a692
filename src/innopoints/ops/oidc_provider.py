"""A small OpenID Connect provider on localhost, for the tests and the demo (`innopoints demo
--oidc`): the protocol is Authlib's (authorisation code grant with the OpenID Connect
extension, RS256-signed id tokens); this module only keeps clients, codes, tokens and
identities in memory and serves them over HTTP from a thread (the standard library's WSGI
server). It stands in for an installation's own identity service (政务服务网 style): never
for production, which connects its real provider (docs/sso.md).

Endpoints: ``/.well-known/openid-configuration``, ``/jwks``, ``/authorize`` (a sign-in form;
a POST with ``username`` and ``password`` grants, one with ``deny`` refuses), ``/token`` and
``/userinfo``."""

from __future__ import annotations

import html
import json
import secrets
import socketserver
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from authlib.oauth2.rfc6749 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oidc.core.grants import OpenIDCode
from joserfc.jwk import RSAKey

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


@dataclass
class Identity:
    """A person the provider knows: sign-in name, password and the claims it asserts
    (``sub`` always; e.g. ``name``, ``email``, ``credit_code`` or ``staff_id``)."""

    username: str
    password: str
    claims: dict[str, Any]


@dataclass
class _Client:
    client_id: str
    client_secret: str
    redirect_uris: list[str]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        allowed = {"openid", "profile", "email"}
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in {"client_secret_post", "client_secret_basic"}

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class _Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    user: Identity
    auth_time: int = field(default_factory=lambda: int(time.time()))
    expires: float = field(default_factory=lambda: time.time() + 600)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


class _Request(OAuth2Request):
    def __init__(
        self,
        method: str,
        uri: str,
        headers: dict[str, str],
        args: dict[str, str],
        form: dict[str, str],
    ) -> None:
        super().__init__(method, uri, headers=headers)
        self._args, self._form = args, form
        self.payload = BasicOAuth2Payload({**args, **form})

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


class OIDCProvider:
    """``start()`` serves on 127.0.0.1 (a free port unless one is given); ``issuer`` is then
    its base URL. Clients and identities may be added while it runs."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"})
        self.key.ensure_kid()
        self.clients: dict[str, _Client] = {}
        self.identities: dict[str, Identity] = {}
        self.codes: dict[str, _Code] = {}
        self.tokens: dict[str, tuple[Identity, float]] = {}
        self._lock = threading.Lock()
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.server = self._authorization_server()

    # -- set-up -------------------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add_client(self, client_id: str, client_secret: str, redirect_uris: Iterable[str]) -> None:
        self.clients[client_id] = _Client(client_id, client_secret, list(redirect_uris))

    def add_identity(self, username: str, password: str, **claims: Any) -> Identity:
        claims.setdefault("sub", username)
        identity = Identity(username, password, claims)
        self.identities[username] = identity
        return identity

    def start(self) -> OIDCProvider:
        class Server(socketserver.ThreadingMixIn, WSGIServer):
            daemon_threads = True

        class Quiet(WSGIRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = make_server(
            "127.0.0.1", self.port, self.app, server_class=Server, handler_class=Quiet
        )
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="oidc-provider", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _authorization_server(self) -> AuthorizationServer:
        provider = self

        class Server(AuthorizationServer):  # type: ignore[misc]
            def query_client(self, client_id: str) -> _Client | None:
                return provider.clients.get(client_id)

            def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
                with provider._lock:
                    provider.tokens[token["access_token"]] = (
                        request.user,
                        time.time() + token["expires_in"],
                    )

            def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
                pass

            def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
                return request  # already made from the WSGI environment (_Request)

            def handle_response(
                self, status: int, body: Any, headers: list[tuple[str, str]]
            ) -> tuple[int, Any, list[tuple[str, str]]]:
                return status, body, headers

        class CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
                with provider._lock:
                    provider.codes[code] = _Code(
                        code=code,
                        client_id=request.client.client_id,
                        redirect_uri=request.payload.redirect_uri,
                        scope=request.scope,
                        nonce=request.payload.data.get("nonce"),
                        user=request.user,
                    )

            def query_authorization_code(self, code: str, client: _Client) -> _Code | None:
                found = provider.codes.get(code)
                if found and found.client_id == client.client_id and found.expires > time.time():
                    return found
                return None

            def delete_authorization_code(self, authorization_code: _Code) -> None:
                with provider._lock:
                    provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: _Code) -> Identity:
                return authorization_code.user

        class OpenID(OpenIDCode):  # type: ignore[misc]
            def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
                return any(c.nonce == nonce for c in provider.codes.values())

            def resolve_client_private_key(self, client: _Client) -> RSAKey:
                return provider.key

            def get_client_algorithm(self, client: _Client) -> str:
                return "RS256"

            def get_client_claims(self, client: _Client) -> dict[str, Any]:
                return {"iss": provider.issuer, "aud": [client.client_id]}

            def get_encode_header(self, client: _Client) -> dict[str, Any]:
                return {"alg": "RS256", "kid": provider.key.kid}

            def generate_user_info(self, user: Identity, scope: str) -> dict[str, Any]:
                return dict(user.claims)

        server = Server(scopes_supported=["openid", "profile", "email"])
        server.register_grant(CodeGrant, [OpenID(require_nonce=True)])
        server.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=lambda **_: secrets.token_urlsafe(32),
                expires_generator=lambda *_: 3600,
            ),
        )
        return server

    # -- HTTP ---------------------------------------------------------------------------------

    def app(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ["REQUEST_METHOD"]
        args = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        form: dict[str, str] = {}
        if method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length).decode("utf-8")
            form = dict(parse_qsl(body, keep_blank_values=True))
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        uri = f"{self.issuer}{path}" + (
            f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else ""
        )
        if path == "/.well-known/openid-configuration":
            status, body_out, out = 200, json.dumps(self.discovery()), _JSON
        elif path == "/jwks":
            keys = {"keys": [self.key.as_dict(private=False)]}
            status, body_out, out = 200, json.dumps(keys), _JSON
        elif path == "/authorize":
            status, body_out, out = self._authorize(method, uri, headers, args, form)
        elif path == "/token" and method == "POST":
            request = _Request(method, uri, headers, {}, form)
            status, payload, out = self.server.create_token_response(request)
            body_out = json.dumps(payload)
        elif path == "/userinfo":
            status, body_out, out = self._userinfo(headers)
        else:
            status, body_out, out = 404, "not found", [("Content-Type", "text/plain")]
        start_response(f"{status} {_REASONS.get(status, 'OK')}", list(out))
        return [body_out.encode("utf-8") if isinstance(body_out, str) else body_out]

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "claims_supported": ["sub", "name", "email", "credit_code", "staff_id"],
        }

    def _authorize(
        self,
        method: str,
        uri: str,
        headers: dict[str, str],
        args: dict[str, str],
        form: dict[str, str],
    ) -> tuple[int, str, list[tuple[str, str]]]:
        request = _Request(method, uri, headers, args, {})
        if method == "POST":
            identity = self.identities.get(form.get("username", ""))
            if "deny" in form:
                status, body, out = self.server.create_authorization_response(
                    request, grant_user=None, grant=self.server.get_authorization_grant(request)
                )
                return status, json.dumps(body) if body else "", out
            if identity is not None and secrets.compare_digest(
                identity.password, form.get("password", "")
            ):
                grant = self.server.get_authorization_grant(request)
                status, body, out = self.server.create_authorization_response(
                    request, grant_user=identity, grant=grant
                )
                return status, json.dumps(body) if body else "", out
            return 200, self._form(uri, error=True), _HTML
        try:
            self.server.get_consent_grant(request)
        except Exception as error:  # an unknown client or redirect: say so, redirect nowhere
            return 400, f"invalid authorisation request: {error}", [("Content-Type", "text/plain")]
        return 200, self._form(uri, error=False), _HTML

    def _form(self, uri: str, *, error: bool) -> str:
        """The sign-in page: a person enters a name and password the provider knows."""
        problem = (
            '<p role="alert" style="color:#b00">'
            "用户名或密码不正确 · Wrong user name or password</p>"
            if error
            else ""
        )
        return (
            '<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8">'
            "<title>统一身份认证（测试） · Test identity provider</title></head><body>"
            "<h1>统一身份认证（测试） · Test identity provider</h1>"
            f"{problem}"
            f'<form method="post" action="{html.escape(uri)}">'
            '<p><label for="username">用户名 · User name</label> '
            '<input id="username" name="username" autocomplete="username"></p>'
            '<p><label for="password">密码 · Password</label> '
            '<input id="password" name="password" type="password" '
            'autocomplete="current-password"></p>'
            '<p><button type="submit">登录 · Sign in</button> '
            '<button type="submit" name="deny" value="1">拒绝 · Deny</button></p>'
            "</form></body></html>"
        )

    def _userinfo(self, headers: dict[str, str]) -> tuple[int, str, list[tuple[str, str]]]:
        auth = headers.get("Authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else ""
        found = self.tokens.get(token)
        if found is None or found[1] < time.time():
            return (
                401,
                json.dumps({"error": "invalid_token"}),
                [
                    *_JSON,
                    ("WWW-Authenticate", 'Bearer error="invalid_token"'),
                ],
            )
        return 200, json.dumps(found[0].claims), _JSON


_JSON = [("Content-Type", "application/json")]
_HTML = [("Content-Type", "text/html; charset=utf-8")]
_REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}
