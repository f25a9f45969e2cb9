# Groups of readers and the permission rules, enforced by the store itself so
# that every client (the Reader, the CLI, a notebook) obeys them:
#   - a store opened for a user adds and changes only that user's annotations;
#   - it sees public ones, its own, and group:<name> ones of its groups
#     (every read query carries the predicate from _visible_sql);
#   - anyone may create a group (and is its owner and first member); only its
#     owner or an unrestricted store adds or removes members.
# A store opened without a user (the single-user default, admin tools) is
# unrestricted. These rules keep readers from changing each other's work
# through annotator; they are not a defence against someone who holds the
# database's password (see docs/shared-store.md).
"""Reader groups, audiences and the permission checks of a :class:`~annotator.store.Store`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..annotation import MAX_NAME, Annotation, check_group_name, now
from ..errors import NotFoundError, PermissionDeniedError, StoreError
from ._core import StoreCore


def _member_name(name: Any) -> str:
    if (
        not isinstance(name, str)
        or not name.strip()
        or len(name.strip()) > MAX_NAME
        or any(ord(c) < 32 for c in name)
    ):
        raise StoreError(
            f"bad member name {str(name)[:40]!r}: give a reader name of 1 to {MAX_NAME} characters"
        )
    return name.strip()


class GroupsMixin(StoreCore):
    """Groups and memberships, and who may see and change what."""

    # -- permissions ---------------------------------------------------------------------
    def _visible_sql(self) -> tuple[str, list[Any]]:
        """The predicate (and its parameters) that keeps what the acting user may see."""
        if self._user is None:
            return "", []
        return (
            "(audience = 'public' OR creator = ? OR audience IN "
            "(SELECT 'group:' || group_name FROM group_members WHERE member = ?))",
            [self._user, self._user],
        )

    def _in_group(self, group: str, member: str) -> bool:
        return bool(
            self._read(
                "SELECT 1 FROM group_members WHERE group_name = ? AND member = ?", [group, member]
            )
        )

    def _can_see(self, a: Annotation) -> bool:
        user = self._user
        if user is None or a.audience == "public" or a.creator == user:
            return True
        return a.audience.startswith("group:") and self._in_group(a.audience[6:], user)

    def _check_writable(self, a: Annotation, doing: str) -> None:
        """The acting user may write ``a`` (theirs, and to a group they are in).

        Raises:
            PermissionDeniedError: otherwise.
        """
        user = self._user
        if user is None:
            return
        if a.creator != user:
            raise PermissionDeniedError(
                f"{user!r} cannot {doing} annotation {a.id!r} as {a.creator!r}: this store is open "
                f"for {user!r}, who writes only their own annotations"
            )
        if a.audience.startswith("group:") and not self._in_group(a.audience[6:], user):
            raise PermissionDeniedError(
                f"{user!r} is not a member of group {a.audience[6:]!r}, so cannot share annotation "
                f"{a.id!r} with it; ask the group's owner: annotator group add {a.audience[6:]} {user}"
            )

    def _check_owner(self, annotation_id: str, creator: str, doing: str) -> None:
        """The stored annotation is the acting user's.

        Raises:
            PermissionDeniedError: it is someone else's.
        """
        if self._user is not None and creator != self._user:
            raise PermissionDeniedError(
                f"{self._user!r} cannot {doing} annotation {annotation_id!r}: it belongs to {creator!r}, "
                "and readers change only their own"
            )

    def _check_reader(self, reader: str, doing: str) -> None:
        if self._user is not None and reader != self._user:
            raise PermissionDeniedError(f"{self._user!r} cannot {doing} {reader!r}'s dismissals")

    # -- groups -------------------------------------------------------------------------------
    def create_group(self, name: str) -> None:
        """Create a group; a store opened for a user makes them its owner and first member.

        Raises:
            AnnotationError: a bad name (lower-case letters, digits, ``.``, ``_``, ``-``).
            StoreError: a group of that name exists.
        """
        check_group_name(name)
        with self._write("create a group in", exclusive=True) as tx:
            if self._read("SELECT 1 FROM reader_groups WHERE name = ?", [name]):
                raise StoreError(f"there is already a group {name!r}; pick another name")
            when = now()
            self._execute(
                "INSERT INTO reader_groups (name, owner, created) VALUES (?, ?, ?)",
                (name, self._user, when),
            )
            if self._user is not None:
                self._execute(
                    "INSERT INTO group_members (group_name, member, added) VALUES (?, ?, ?)",
                    (name, self._user, when),
                )
            tx.reload()

    def _owned_group(self, name: str, doing: str) -> None:
        rows = self._read("SELECT owner FROM reader_groups WHERE name = ?", [name])
        if not rows:
            known = ", ".join(g["name"] for g in self.groups()) or "none"
            raise NotFoundError(
                f"no group {name!r} (your groups: {known}); create it with: annotator group create {name}"
            )
        owner = rows[0][0]
        if self._user is not None and owner != self._user:
            raise PermissionDeniedError(
                f"{self._user!r} cannot {doing} group {name!r}: only its owner ({owner or 'an administrator'}) can"
            )

    def add_members(self, name: str, members: Iterable[str]) -> int:
        """Add readers to a group; returns how many were not members yet.

        Raises:
            NotFoundError: no such group.
            PermissionDeniedError: the acting user does not own it.
        """
        names = [_member_name(m) for m in members]
        with self._write("add members in", exclusive=True) as tx:
            self._owned_group(name, "add members to")
            added = 0
            for m in dict.fromkeys(names):
                cur = self._execute(
                    "INSERT INTO group_members (group_name, member, added) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    (name, m, now()),
                )
                added += max(cur.rowcount, 0)
            tx.reload()
        return added

    def remove_members(self, name: str, members: Iterable[str]) -> int:
        """Remove readers from a group; returns how many were members.

        Raises:
            NotFoundError: no such group.
            PermissionDeniedError: the acting user does not own it.
        """
        names = [_member_name(m) for m in members]
        with self._write("remove members in", exclusive=True) as tx:
            self._owned_group(name, "remove members from")
            removed = 0
            for m in dict.fromkeys(names):
                cur = self._execute(
                    "DELETE FROM group_members WHERE group_name = ? AND member = ?", (name, m)
                )
                removed += max(cur.rowcount, 0)
            tx.reload()
        return removed

    def delete_group(self, name: str) -> None:
        """Delete a group; its annotations stay, visible to their creators alone.

        Raises:
            NotFoundError: no such group.
            PermissionDeniedError: the acting user does not own it.
        """
        with self._write("delete a group in", exclusive=True) as tx:
            self._owned_group(name, "delete")
            self._execute("DELETE FROM group_members WHERE group_name = ?", (name,))
            self._execute("DELETE FROM reader_groups WHERE name = ?", (name,))
            tx.reload()

    def groups(self) -> list[dict[str, Any]]:
        """The groups, ``{"name", "owner", "created", "members"}``, by name.

        An unrestricted store lists every group; one opened for a user, the
        groups that user owns or belongs to.
        """
        rows = self._read("SELECT name, owner, created FROM reader_groups")
        members: dict[str, list[str]] = {}
        for group, member in self._read("SELECT group_name, member FROM group_members"):
            members.setdefault(group, []).append(member)
        out = [
            {"name": n, "owner": o, "created": c, "members": sorted(members.get(n, []))}
            for n, o, c in sorted(rows)
        ]
        if self._user is not None:
            out = [g for g in out if g["owner"] == self._user or self._user in g["members"]]
        return out

    def groups_of(self, member: str) -> list[str]:
        """The names of the groups ``member`` belongs to."""
        return sorted(
            r[0]
            for r in self._read("SELECT group_name FROM group_members WHERE member = ?", [member])
        )
