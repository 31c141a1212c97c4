"""What a payment provider is, declared by the provider itself: :class:`ProviderInfo`.

Each back-end is a package under ``sync/providers/`` whose ``__init__`` holds one
``PROVIDER = ProviderInfo(...)`` and whose ``adapter`` module holds the code that talks to it.
Everything else that needs to know about providers reads these descriptions: the settings
registry (the keys, which of them are required, which are secrets), the Settings dialog (labels,
hints, the intro line, a login or activation button), ``pos-app provider login``, and the
payment service (which adapter to build, whether a statement reader confirms its payments).
A new back-end is therefore its package, its fake and its tests, and nothing else.

The description is plain data and cheap to import: the settings registry reads every provider's
description when the till starts, while the adapters (HTTP clients, QRIS parsing) are imported
only when a provider is first used, through the ``"module:attribute"`` references below.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple


class Confirmation(StrEnum):
    """How "paid" is learned."""

    POLL = "poll"  # ask the back-end about this payment (orderkuota, midtrans, pakasir)
    MUTASI = "mutasi"  # match incoming credits (orkut; static + mutasi source)
    FEED = "feed"  # notifications pushed in a feed we pull (soundbox platform heartbeat)
    MANUAL = "manual"  # the cashier confirms, audited (static without mutasi source)


class LoginKind(StrEnum):
    """How the owner gets a provider's token, if the provider hands one out."""

    NONE = "none"  # every key is typed in (or there are none)
    OTP = "otp"  # username + password, then an OTP (seeds 000, 001): a ``LoginFlow``
    ACTIVATION = "activation"  # a device id and an activation code (seed 004)


class FieldKind(StrEnum):
    """What a provider key holds; the settings registry picks the parser from it."""

    URL = "url"  # an http(s) base URL
    WORD = "word"  # an id, a user name, a slug: one word, no spaces
    SECRET = "secret"  # a token or API key: kept in the secret store, never shown


class Text(NamedTuple):
    """A line shown to people: Indonesian (the UI's source language) and its English."""

    id: str
    en: str


@dataclass(frozen=True)
class Field:
    """One ``providers.<name>.<leaf>`` setting of a provider."""

    leaf: str
    kind: FieldKind
    label: Text
    help: str  # English, one line: ``pos-app config list`` and docs/cli.md
    hint: Text | None = None  # a line under the field in the Settings dialog
    default: str = ""
    required: bool = False


def load(reference: str) -> Any:
    """The object a ``"package.module:attribute"`` reference names (imported on first use)."""
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)


@dataclass(frozen=True)
class ProviderInfo:
    """Everything the rest of the app needs to know about one payment provider.

    ``adapter`` names a class with ``from_config(config, *, clock)`` that returns the
    :class:`~sync.providers.base.Provider`; ``credit_source`` (providers whose account also
    has a mutasi statement) and ``login`` name the statement reader and the login the same
    way. ``uses`` lists settings outside ``providers.<name>.`` that the adapter reads (the
    simulator's delay, the static QRIS), by full name; ``required_uses`` those it can't work
    without. ``takes_mutasi_source``: ``payment.mutasi_source`` picks a statement reader that
    confirms this provider's payments (the shop's static QRIS).
    """

    name: str
    label: Text
    intro: Text
    confirmation: Confirmation
    adapter: str
    fields: tuple[Field, ...] = ()
    uses: tuple[str, ...] = ()
    required_uses: tuple[str, ...] = ()
    login: LoginKind = LoginKind.NONE
    login_flow: str | None = None
    login_needs: tuple[str, ...] = ()  # leaves the login can't start without (orkut: api_key)
    credit_source: str | None = None
    takes_mutasi_source: bool = False
    order: int = 100  # place in lists: the demo simulator first, then the shop's own QRIS
    source_label: Text | None = None  # its name as a mutasi source, when shorter than label
    texts: tuple[Text, ...] = field(default=(), repr=False)  # other UI lines it brings

    def key(self, leaf: str) -> str:
        """The full settings key of one of this provider's fields."""
        return f"providers.{self.name}.{leaf}"

    @property
    def keys(self) -> tuple[str, ...]:
        """Every setting the adapter gets, by full name: its own fields, then ``uses``."""
        return (*(self.key(f.leaf) for f in self.fields), *self.uses)

    @property
    def required_keys(self) -> tuple[str, ...]:
        return (*(self.key(f.leaf) for f in self.fields if f.required), *self.required_uses)

    @property
    def token_key(self) -> str | None:
        """The secret a login or activation writes (``providers.orkut.token``)."""
        if self.login is LoginKind.NONE:
            return None
        return next(self.key(f.leaf) for f in self.fields
                    if f.kind is FieldKind.SECRET and f.leaf in ("token", "device_token"))

    def login_settings(self, username: str, token: str) -> list[tuple[str, str]]:
        """What an OTP login stores, as (key, value): the user name, then the token."""
        return [(self.key("username"), username), (self._written_token_key(), token)]

    def activation_settings(self, device_id: str, device_token: str,
                            terminal_id: str | None) -> list[tuple[str, str]]:
        """What a device activation stores, as (key, value): the device id, its token, and the
        terminal the platform bound it to when it names one (and the provider keeps it)."""
        values = [(self.key("device_id"), device_id), (self._written_token_key(), device_token)]
        if terminal_id and self.key("terminal_id") in self.keys:
            values.append((self.key("terminal_id"), terminal_id))
        return values

    def _written_token_key(self) -> str:
        key = self.token_key
        if key is None:
            raise ValueError(f"provider {self.name} has no login that writes a token")
        return key

    @property
    def uses_unique_code(self) -> bool:
        """Payments are matched on a statement, so equal amounts need a unique code."""
        return self.confirmation is Confirmation.MUTASI or self.takes_mutasi_source

    def ui_texts(self) -> dict[str, str]:
        """Indonesian -> English for every line this description puts on screen."""
        lines = [self.label, self.intro, *self.texts]
        if self.source_label is not None:
            lines.append(self.source_label)
        for f in self.fields:
            lines.append(f.label)
            if f.hint is not None:
                lines.append(f.hint)
        return {t.id: t.en for t in lines}
