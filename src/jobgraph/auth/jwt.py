"""Optional JWT bearer tokens (PyJWT): an HS256 secret, or an RS256/ES256 public key or JWKS
file, with the configured audience and issuer. A claim names the user; memberships come from
the database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import jwt

from jobgraph.auth.principal import AuthenticationError
from jobgraph.settings import Settings

KEY_ALGORITHMS = ["RS256", "ES256"]


class JWTVerifier:
    """Checks a JWT's signature, expiry, audience and issuer; gives its user."""

    def __init__(
        self,
        *,
        secret: str | None = None,
        public_key: str | None = None,
        jwks: jwt.PyJWKSet | None = None,
        audience: str | None = None,
        issuer: str | None = None,
        user_claim: str = "sub",
    ) -> None:
        self._secret = secret
        self._public_key = public_key
        self._jwks = jwks
        self.audience = audience
        self.issuer = issuer
        self.user_claim = user_claim

    @classmethod
    def from_settings(cls, settings: Settings) -> JWTVerifier | None:
        """The verifier the settings configure, or None when they configure no JWT key."""
        secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret else None
        public_key = None
        if settings.jwt_public_key_file is not None:
            public_key = settings.jwt_public_key_file.read_text(encoding="utf-8")
        jwks = None
        if settings.jwt_jwks_file is not None:
            jwks = jwt.PyJWKSet.from_json(settings.jwt_jwks_file.read_text(encoding="utf-8"))
        if secret is None and public_key is None and jwks is None:
            return None
        return cls(
            secret=secret,
            public_key=public_key,
            jwks=jwks,
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            user_claim=settings.jwt_user_claim,
        )

    def _key(self, token: str) -> tuple[Any, list[str]]:
        header = jwt.get_unverified_header(token)
        algorithm = header.get("alg")
        if algorithm == "HS256" and self._secret is not None:
            return self._secret, ["HS256"]
        if algorithm in KEY_ALGORITHMS:
            if self._jwks is not None:
                kid = header.get("kid")
                for key in self._jwks.keys:
                    if kid is None or key.key_id == kid:
                        return key.key, KEY_ALGORITHMS
            if self._public_key is not None:
                return self._public_key, KEY_ALGORITHMS
        raise jwt.InvalidTokenError(f"no key for algorithm {algorithm!r}")

    def user_of(self, token: str) -> tuple[str, datetime | None]:
        """(user id, expiry) of a valid token; AuthenticationError otherwise."""
        try:
            key, algorithms = self._key(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp"], "verify_aud": self.audience is not None},
            )
        except jwt.ExpiredSignatureError:
            raise AuthenticationError("The token has expired.") from None
        except jwt.PyJWTError as error:
            raise AuthenticationError(f"The token is not valid: {error}.") from None
        user = claims.get(self.user_claim)
        if not isinstance(user, str) or not user:
            raise AuthenticationError(f"The token names no user (claim `{self.user_claim}`).")
        return user, datetime.fromtimestamp(int(claims["exp"]), UTC)
