"""Queries behind authentication: users, server-side sessions, API tokens, failed-login counts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from sitewarden.store.schema import ApiToken, AuditEvent, SessionRow, User, utcnow

LOGIN_FAILED = "auth.login_failed"


def list_users(s: Session) -> list[User]:
    return list(s.scalars(select(User).order_by(User.id)))


def add_session(s: Session, sid_hash: str, user_id: int, csrf: str, expires_at: datetime, ip: str | None) -> None:
    s.add(SessionRow(id=sid_hash, user_id=user_id, csrf_token=csrf, expires_at=expires_at, ip=ip))
    s.flush()


def get_session(s: Session, sid_hash: str) -> tuple[SessionRow, User] | None:
    row = s.execute(
        select(SessionRow, User).join(User, User.id == SessionRow.user_id).where(SessionRow.id == sid_hash)
    ).first()
    return (row[0], row[1]) if row else None


def drop_session(s: Session, sid_hash: str) -> None:
    s.execute(delete(SessionRow).where(SessionRow.id == sid_hash))


def drop_user_sessions(s: Session, user_id: int, *, expired_only: bool = False) -> None:
    q = delete(SessionRow).where(SessionRow.user_id == user_id)
    if expired_only:
        q = q.where(SessionRow.expires_at < utcnow())
    s.execute(q)


def add_token(
    s: Session, user_id: int, name: str, token_hash: str, scopes: list[str], expires_at: datetime | None
) -> ApiToken:
    row = ApiToken(user_id=user_id, name=name, token_hash=token_hash, scopes=scopes, expires_at=expires_at)
    s.add(row)
    s.flush()
    return row


def token_with_user(s: Session, token_hash: str) -> tuple[ApiToken, User] | None:
    row = s.execute(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(ApiToken.token_hash == token_hash)
    ).first()
    return (row[0], row[1]) if row else None


def touch_token(s: Session, token_id: int, at: datetime) -> None:
    s.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=at))


def get_token(s: Session, token_id: int) -> ApiToken | None:
    return s.get(ApiToken, token_id)


def list_tokens(s: Session, user_id: int | None = None) -> list[ApiToken]:
    q = select(ApiToken).order_by(ApiToken.id)
    if user_id is not None:
        q = q.where(ApiToken.user_id == user_id)
    return list(s.scalars(q))


def recent_failed_logins(s: Session, username: str, since: datetime) -> list[dict[str, Any]]:
    """Details of failed logins for a username since a time (the audit log doubles as the counter)."""
    rows = s.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.action == LOGIN_FAILED, AuditEvent.subject == username, AuditEvent.at >= since
        )
    )
    return [dict(d or {}) for d in rows]


def window_start(seconds: float) -> datetime:
    return utcnow() - timedelta(seconds=seconds)
