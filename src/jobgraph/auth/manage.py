"""Creating, listing and revoking API tokens (the `jobgraph token` commands use these)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from jobgraph.auth.tokens import new_token, shown_prefix, token_hash
from jobgraph.db import access
from jobgraph.db.engine import Database
from jobgraph.query.spec import canonical_id

DEMO_ADMIN = "demo-admin"
DEMO_MEMBER = "demo-member"


class TokenRequestError(ValueError):
    """A token that cannot be created as asked; the message says why."""


@dataclass(frozen=True)
class CreatedToken:
    id: str
    token: str  # the secret: shown once, never stored
    missing_projects: tuple[str, ...]  # asked for, but no such project is stored (yet)


async def create_token(
    db: Database,
    user_id: str,
    project_ids: Sequence[str],
    *,
    admin: bool = False,
    lifetime: timedelta | None = None,
) -> CreatedToken:
    """A new token for the user, limited to these projects (of which the user becomes a
    member), or reading everything when `admin`."""
    if not user_id.strip():
        raise TokenRequestError("--user must name a user")
    ids = []
    for raw in project_ids:
        project_id = canonical_id(raw)
        if project_id is None:
            raise TokenRequestError(f"--project {raw!r} is not a project id (a UUID)")
        ids.append(project_id)
    if not ids and not admin:
        raise TokenRequestError("give at least one --project, or --admin for every project")
    now = datetime.now(UTC)
    token = new_token()
    if ids:
        await access.add_memberships(db, user_id, ids, now)
    token_id = await access.insert_token(
        db,
        user_id=user_id,
        prefix=shown_prefix(token),
        secret_hash=token_hash(token),
        admin=admin,
        project_ids=ids,
        now=now,
        expires_at=None if lifetime is None else now + lifetime,
    )
    stored = await access.existing_projects(db, ids) if ids else set()
    return CreatedToken(token_id, token, tuple(p for p in ids if p not in stored))


async def revoke(db: Database, token_id: str) -> bool:
    """Revoke the token; False when there is no live token with this id."""
    return await access.revoke_token(db, token_id, datetime.now(UTC))


async def demo_tokens(db: Database, member_projects: Sequence[str]) -> tuple[str, str]:
    """Fresh demo tokens (the previous ones revoked): an admin one, and one for a member of
    `member_projects`. (admin token, member token)."""
    await access.revoke_user_tokens(db, [DEMO_ADMIN, DEMO_MEMBER], datetime.now(UTC))
    admin = await create_token(db, DEMO_ADMIN, [], admin=True)
    member = await create_token(db, DEMO_MEMBER, member_projects)
    return admin.token, member.token
