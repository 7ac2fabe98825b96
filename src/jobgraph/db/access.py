"""Stored access: project memberships and API tokens (their hashes), read and written here."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, insert, select, update

from jobgraph.db import models
from jobgraph.db.engine import Database

MEMBER = models.project_member_table.c
TOKEN = models.api_token_table.c
TOKEN_PROJECT = models.api_token_project_table.c


@dataclass(frozen=True)
class StoredToken:
    """A token as kept: never its secret. `projects` are those it is limited to."""

    id: str
    user_id: str
    prefix: str
    admin: bool
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    projects: tuple[str, ...]

    def usable(self, now: datetime) -> bool:
        """Neither revoked nor expired."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


async def add_memberships(
    db: Database, user_id: str, project_ids: Sequence[str], now: datetime
) -> None:
    """Make the user a member of these projects (memberships it has are kept)."""
    async with db.write() as connection:
        held = await connection.execute(select(MEMBER.project_id).where(MEMBER.user_id == user_id))
        known = {row[0] for row in held}
        rows = [
            {"user_id": user_id, "project_id": project_id, "created_at": now}
            for project_id in dict.fromkeys(project_ids)
            if project_id not in known
        ]
        if rows:
            await connection.execute(insert(models.project_member_table), rows)


async def member_projects(db: Database, user_id: str) -> list[str]:
    """The projects the user is a member of."""
    async with db.read() as connection:
        found = await connection.execute(select(MEMBER.project_id).where(MEMBER.user_id == user_id))
        return [row[0] for row in found]


async def existing_projects(db: Database, project_ids: Sequence[str]) -> set[str]:
    """Which of these project ids are stored projects."""
    project = models.project_table.c
    async with db.read() as connection:
        found = await connection.execute(select(project.id).where(project.id.in_(project_ids)))
        return {row[0] for row in found}


async def insert_token(
    db: Database,
    *,
    user_id: str,
    prefix: str,
    secret_hash: str,
    admin: bool,
    project_ids: Sequence[str],
    now: datetime,
    expires_at: datetime | None,
) -> str:
    """Store a token (and the projects it is limited to); its new id."""
    token_id = str(uuid.uuid4())
    async with db.write() as connection:
        await connection.execute(
            insert(models.api_token_table),
            [
                {
                    "id": token_id,
                    "user_id": user_id,
                    "prefix": prefix,
                    "secret_hash": secret_hash,
                    "admin": admin,
                    "created_at": now,
                    "expires_at": expires_at,
                    "last_used_at": None,
                    "revoked_at": None,
                }
            ],
        )
        if project_ids:
            await connection.execute(
                insert(models.api_token_project_table),
                [{"token_id": token_id, "project_id": p} for p in dict.fromkeys(project_ids)],
            )
    return token_id


async def _tokens(
    db: Database, *conditions: ColumnElement[bool], with_projects: bool = True
) -> list[StoredToken]:
    statement = select(models.api_token_table).where(*conditions).order_by(TOKEN.created_at)
    async with db.read() as connection:
        rows = (await connection.execute(statement)).all()
        projects: dict[str, list[str]] = defaultdict(list)
        if rows and with_projects:
            limited = await connection.execute(
                select(TOKEN_PROJECT.token_id, TOKEN_PROJECT.project_id)
                .where(TOKEN_PROJECT.token_id.in_([row.id for row in rows]))
                .order_by(TOKEN_PROJECT.project_id)
            )
            for token_id, project_id in limited:
                projects[token_id].append(project_id)
    return [
        StoredToken(
            id=row.id,
            user_id=row.user_id,
            prefix=row.prefix,
            admin=bool(row.admin),
            created_at=row.created_at,
            expires_at=row.expires_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
            projects=tuple(projects[row.id]),
        )
        for row in rows
    ]


async def list_tokens(db: Database) -> list[StoredToken]:
    """Every token, oldest first."""
    return await _tokens(db)


async def token_by_id(db: Database, token_id: str) -> StoredToken | None:
    found = await _tokens(db, TOKEN.id == token_id)
    return found[0] if found else None


async def token_by_hash(db: Database, secret_hash: str) -> StoredToken | None:
    """The token with this hash, without its projects (visible_projects reads them)."""
    found = await _tokens(db, TOKEN.secret_hash == secret_hash, with_projects=False)
    return found[0] if found else None


async def visible_projects(db: Database, token: StoredToken) -> list[str]:
    """The projects a non-admin token reads: those it is limited to that its user is still
    a member of."""
    async with db.read() as connection:
        found = await connection.execute(
            select(TOKEN_PROJECT.project_id)
            .join(
                models.project_member_table,
                and_(
                    MEMBER.project_id == TOKEN_PROJECT.project_id,
                    MEMBER.user_id == token.user_id,
                ),
            )
            .where(TOKEN_PROJECT.token_id == token.id)
        )
        return [row[0] for row in found]


async def revoke_token(db: Database, token_id: str, now: datetime) -> bool:
    """Revoke a token that is not revoked yet; whether one was."""
    async with db.write() as connection:
        done = await connection.execute(
            update(models.api_token_table)
            .where(TOKEN.id == token_id, TOKEN.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return bool(done.rowcount)


async def revoke_user_tokens(db: Database, user_ids: Sequence[str], now: datetime) -> int:
    """Revoke every live token of these users; how many."""
    async with db.write() as connection:
        done = await connection.execute(
            update(models.api_token_table)
            .where(TOKEN.user_id.in_(user_ids), TOKEN.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(done.rowcount)


async def mark_used(db: Database, token_id: str, now: datetime) -> None:
    """Record when the token was last used."""
    async with db.write() as connection:
        await connection.execute(
            update(models.api_token_table).where(TOKEN.id == token_id).values(last_used_at=now)
        )


async def first_projects(db: Database, limit: int) -> list[tuple[str, str]]:
    """(id, name) of the first `limit` projects by name, then id (the demo's member token)."""
    project = models.project_table.c
    async with db.read() as connection:
        found = await connection.execute(
            select(project.id, project.name).order_by(project.name, project.id).limit(limit)
        )
        return [(row[0], row[1]) for row in found]
