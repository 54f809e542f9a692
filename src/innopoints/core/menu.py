"""The portal menu: feature apps register their own entries (from their AppConfig.ready()), the
site's frame draws those of the signed-in user's role. The frame names no feature app."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise

Label = str | Promise  # a lazy msgid, drawn in the page's language
When = Callable[[HttpRequest], bool]


@dataclass(frozen=True)
class Entry:
    role: str
    label: Label
    url_name: str
    order: int
    when: When | None = None


@dataclass(frozen=True)
class Search:
    """The frame's search box for a role: a GET form with ``q`` to ``url_name``."""

    role: str
    url_name: str
    placeholder: Label


@dataclass(frozen=True)
class Group:
    """Entries drawn together under one heading (a drop-down in the wide menu), where the
    first of them would stand."""

    role: str
    label: Label
    url_names: tuple[str, ...]


class Menu:
    """Entries per role, in ``order``; on equal orders, in the order they were registered.
    Registering a role's URL name again replaces its entry (ready() may run twice in tests)."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], tuple[Entry, int]] = {}
        self._count = 0
        self._searches: dict[str, Search] = {}
        self._groups: dict[tuple[str, str], Group] = {}

    def register(
        self,
        roles: str | Iterable[str],
        label: Label,
        url_name: str,
        *,
        order: int,
        when: When | None = None,
    ) -> None:
        for role in [roles] if isinstance(roles, str) else roles:
            key = (role, url_name)
            seq = self._entries[key][1] if key in self._entries else self._count
            self._count += 1
            self._entries[key] = (Entry(role, label, url_name, order, when), seq)

    def group(self, roles: str | Iterable[str], label: Label, url_names: Iterable[str]) -> None:
        """Draw these entries of each role under ``label``; an URL name in no registered entry
        is left out (a role may not have it)."""
        names = tuple(url_names)
        for role in [roles] if isinstance(roles, str) else roles:
            self._groups[(role, str(names))] = Group(role, label, names)

    def register_search(
        self, roles: str | Iterable[str], url_name: str, placeholder: Label
    ) -> None:
        for role in [roles] if isinstance(roles, str) else roles:
            self._searches[role] = Search(role, url_name, placeholder)

    def search(self, role: str | None) -> dict[str, object] | None:
        """What the frame's search box needs for ``role`` (None: no box)."""
        found = self._searches.get(role or "")
        if found is None:
            return None
        return {
            "url": reverse(found.url_name),
            "placeholder": found.placeholder,
            "label": found.placeholder,
        }

    def entries(self, role: str | None) -> list[Entry]:
        mine = [(e.order, seq, e) for e, seq in self._entries.values() if e.role == role]
        return [entry for _, _, entry in sorted(mine, key=lambda item: item[:2])]

    def items(self, role: str | None, request: HttpRequest) -> list[tuple[Label, str]]:
        """(label, url) pairs for a page: URLs reversed per request (a language prefix)."""
        return [
            (entry.label, reverse(entry.url_name))
            for entry in self.entries(role)
            if entry.when is None or entry.when(request)
        ]

    def tree(self, role: str | None, request: HttpRequest) -> list[dict[str, Any]]:
        """The menu as the frame draws it: links, and groups of links ({label, children,
        active}) where the first member of a group stands."""
        group_of = {
            name: group
            for group in self._groups.values()
            if group.role == role
            for name in group.url_names
        }
        nodes: list[dict[str, Any]] = []
        placed: dict[Group, dict[str, Any]] = {}
        for entry in self.entries(role):
            if entry.when is not None and not entry.when(request):
                continue
            link = {"label": entry.label, "url": reverse(entry.url_name)}
            link["active"] = link["url"] == request.path
            group = group_of.get(entry.url_name)
            if group is None:
                nodes.append(link)
            elif group in placed:
                placed[group]["children"].append(link)
                placed[group]["active"] = placed[group]["active"] or link["active"]
            else:
                placed[group] = {"label": group.label, "children": [link], "active": link["active"]}
                nodes.append(placed[group])
        # a group left with one link is that link
        return [n["children"][0] if len(n.get("children", [None, None])) == 1 else n for n in nodes]


menu = Menu()
register = menu.register
register_search = menu.register_search
group = menu.group
