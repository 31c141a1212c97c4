"""The payment service: the one door the CLI and the window use to sell.

It writes sales through ``CheckoutService`` (one transaction each) and hands everything that
talks to a provider to the ``SyncEngine``, which runs on its own threads and reports
``SyncEvent``s to subscribers — the CLI prints them, the Qt bridge re-emits them as signals on
the GUI thread. Nothing here blocks on the network.

Provider set-up problems are ``ProviderConfigError``s, whatever raised them: a name no provider
has (``UnknownProvider``), required settings not set (``ConfigMissing``), a value in a
hand-edited ``config.toml`` that does not parse (``SettingsError``) or that an adapter refuses
(``ValueError``). The engine turns them into a failed sale with that reason and the provider's
health; it asks again only after a backoff. Each new attempt after a failure re-reads
``config.toml`` first, so a fix made with ``pos-app config set`` in another process is seen.
:meth:`PaymentService.check_provider` asks the same question when the till starts, so that a
provider that can't work shows on screen before the first QRIS sale.

When a gateway can't make a sale's QR (the till's internet or the gateway is down), the sale can
:meth:`~PaymentService.fall_back` to the shop's own static QRIS (``payment.static_qris``), made
dynamic on this till: no network needed, confirmed by the mutasi source when one is set, else by
the cashier (audited). :meth:`~PaymentService.fallback_for` says whether a sale can.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from pos_app.cart import Cart
from pos_app.central.till import central_sync
from pos_app.checkout import CheckoutService, Till
from pos_app.clock import to_iso, utcnow, zone
from pos_app.secrets import redact, registered_secrets
from pos_app.settings import Settings, SettingsError
from pos_app.storage.database import Database
from pos_app.storage.orders import OrderRecord
from sync.engine import STOP_WAIT_S, Listener, Route, SyncEngine
from sync.events import EventKind, SyncEvent
from sync.health import ProviderHealth
from sync.providers import PROVIDERS, build_credit_source, build_provider
from sync.providers.base import (
    ConfigMissing,
    Confirmation,
    Provider,
    ProviderConfigError,
    ProviderError,
    UnknownProvider,
)
from sync.unique_code import CodeMode

if TYPE_CHECKING:
    from sync.central import CentralSync

#: what a sale falls back to when its gateway can't make the QR: the shop's static QRIS
FALLBACK_PROVIDER = "static"
#: the moments a sale is settled one way or the other: the central uploader looks at once
_CENTRAL_WAKERS = frozenset({EventKind.PAID, EventKind.REFUNDED, EventKind.EXPIRED,
                             EventKind.CANCELLED, EventKind.LATE_PAYMENT})


@dataclass(frozen=True)
class Fallback:
    """A sale through ``gateway`` can still take QRIS if the gateway can't make its QR: the
    shop's static QRIS (``provider``), made dynamic on this till."""

    gateway: str
    provider: str
    manual: bool  # the cashier confirms the money (audited); else the mutasi source does


class PaymentService:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
        poll_interval_s: float = 2.0,
        provider_override: str | None = None,
    ) -> None:
        self.db = db
        self.provider_override = provider_override  # demo mode sells through the simulator
        self.settings = settings
        self.clock = clock
        self.till = Till(
            terminal_id=settings.get("store.terminal_id"),
            tz=zone(settings.get("store.timezone")),
        )
        self.checkout = CheckoutService(db, self.till, clock)
        self._routes: dict[str, Route] = {}
        self._broken: set[str] = set()  # names whose last build failed: re-read settings first
        self._providers_lock = threading.Lock()
        self.engine = SyncEngine(
            db,
            route_for=self.route,
            terminal_id=self.till.terminal_id,
            clock=clock,
            poll_interval_s=poll_interval_s,
            late_watch_s=float(settings.get("payment.late_watch_s")),
        )

        self.central: CentralSync | None = None  # started by start() when enrolled

    def use_till(self, till: Till) -> None:
        """Sell as ``till`` from now on: who is signed in, and the open shift (the window
        calls it at sign-in, shift open and close). A sale being written keeps the till it
        started with (:meth:`CheckoutService._insert_order` reads it once)."""
        self.till = till
        self.checkout.till = till

    # -- providers -----------------------------------------------------------------------
    def default_provider(self) -> str:
        return self.provider_override or str(self.settings.get("payment.provider"))

    def route(self, name: str) -> Route:
        """How ``name`` sells and confirms (built once, then shared by the engine's threads).

        Raises ``ProviderConfigError`` (or another ``ProviderError``) and nothing else."""
        with self._providers_lock:
            route = self._routes.get(name)
            if route is not None:
                return route
            try:
                route = self._new_route(name, reload=name in self._broken)
            except ProviderError:
                self._broken.add(name)
                raise
            except ValueError as exc:  # SettingsError is one; so is a value an adapter refuses
                self._broken.add(name)
                raise ProviderConfigError(self._problem(name, exc), provider=name) from None
            self._broken.discard(name)
            self._routes[name] = route
            return route

    def _new_route(self, name: str, *, reload: bool) -> Route:
        if name not in PROVIDERS:
            raise UnknownProvider(f"unknown provider {name!r}", provider=name)
        if reload:
            self.settings.reload()
        missing = self.settings.missing_for_provider(name)
        if missing:
            raise ConfigMissing(name, missing)
        return self._build_route(name)

    def _problem(self, name: str, exc: ValueError) -> str:
        """``simulator: setting simulator.pay_after_s: 'soon' must be ...``: one line, the file's
        path left out (it is always config.toml), secrets masked."""
        text = " ".join(str(exc).split()).removeprefix(f"{self.settings.path}: ")
        what = "setting" if isinstance(exc, SettingsError) else "invalid settings:"
        return redact(f"{name}: {what} {text}", registered_secrets())

    def _build_route(self, name: str) -> Route:
        provider = build_provider(name, self.settings.provider_config(name), self.clock)
        code_mode = CodeMode(str(self.settings.get("payment.unique_code")))
        if PROVIDERS[name].takes_mutasi_source:
            source_name = str(self.settings.get("payment.mutasi_source") or "")
            if source_name:
                source = build_credit_source(source_name,
                                             self.settings.provider_config(source_name),
                                             self.clock)
                return Route(provider, account=source.account_key, credit_source=source,
                             code_mode=code_mode)
            return Route(provider)
        if provider.confirmation is Confirmation.MUTASI:
            return Route(provider, account=getattr(provider, "account_key", name),
                         code_mode=code_mode)
        return Route(provider)

    def provider(self, name: str) -> Provider:
        return self.route(name).provider

    def provider_health(self, name: str) -> ProviderHealth:
        """``name``'s health as this till's engine knows it (memory only: safe on the GUI
        thread), with the problem behind a state that is not ok."""
        return self.engine.health.get(name)

    def check_provider(self, name: str | None = None) -> ProviderError | None:
        """Whether the chosen provider (or ``name``) can be built from the settings; a problem
        goes into its health at once (and so, as an event, to the window's banner) instead of
        waiting for the first QRIS sale. Reads the settings and the secret store: not on the
        GUI thread. Returns the problem, or None."""
        return self.engine.check_provider(name or self.default_provider())

    def fallback_for(self, name: str) -> Fallback | None:
        """Whether a sale through ``name`` can fall back to the shop's static QRIS: ``name``
        needs the network to make a QR (not ``static``, nor the simulator) and the static QRIS
        is set up (with its mutasi source's settings, when one is chosen). Builds both routes:
        not on the GUI thread."""
        if name == FALLBACK_PROVIDER or name not in PROVIDERS:
            return None
        try:
            if self.route(name).provider.local_create:
                return None
        except ProviderError:
            return None  # the sale can't start anyway
        # Asked before building: a shop without a static QRIS would otherwise count as a broken
        # route, re-reading config.toml at every QRIS sale. Once built (until the settings
        # change) the route answers by itself, without reading the secret store again.
        with self._providers_lock:
            built = FALLBACK_PROVIDER in self._routes
        if not built and self.settings.missing_for_provider(FALLBACK_PROVIDER):
            return None
        try:
            static = self.route(FALLBACK_PROVIDER).provider
        except ProviderError:
            return None
        return Fallback(name, FALLBACK_PROVIDER,
                        manual=static.confirmation is Confirmation.MANUAL)

    def fall_back(self, order_id: str, actor: str) -> bool:
        """Take ``order_id``'s QRIS with the shop's static QRIS instead of its gateway, which
        could not make the QR (see :meth:`SyncEngine.fall_back`); the new QR is made before this
        returns and reported as the order's ``awaiting_payment``. False when the order can't
        switch any more (its gateway's QR came meanwhile, or it ended). Raises
        ``ProviderConfigError`` when the static QRIS is not (or no longer) set up."""
        self.route(FALLBACK_PROVIDER)
        ttl_s = int(self.settings.get("payment.invoice_ttl_s"))
        return self.engine.fall_back(order_id, FALLBACK_PROVIDER, actor=actor,
                                     ttl_s=ttl_s) is not None

    def forget_providers(self) -> None:
        """Build providers afresh from settings (after the owner changed them)."""
        with self._providers_lock:
            routes = list(self._routes.values())
            self._routes.clear()
            broken = set(self._broken)
        for r in routes:
            r.provider.close()
        for name in {*(r.provider.name for r in routes), *broken}:
            self.engine.reset_provider(name)

    # -- events --------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self.engine.add_listener(listener)

    def unsubscribe(self, listener: Listener) -> None:
        self.engine.remove_listener(listener)

    # -- selling -------------------------------------------------------------------------
    def pay_cash(self, cart: Cart, tendered: int, *, note: str = "") -> OrderRecord:
        order = self.checkout.complete_cash_sale(cart, tendered, note=note)
        self.engine.emit(SyncEvent(EventKind.CREATED, order.id, None, {"amount": order.total}))
        self.engine.emit(SyncEvent(EventKind.PAID, order.id, None,
                                   {"paid_amount": order.total, "provider_ref": None,
                                    "method": "cash"}))
        self.engine.wake()
        return order

    def start_qris(self, cart: Cart, *, provider: str | None = None, note: str = "") -> OrderRecord:
        """Write the sale and queue the QR's creation; events follow on the engine's threads."""
        name = provider or self.default_provider()
        self.provider(name)  # missing configuration is a usage error, before any sale is written
        order, _payment = self.checkout.open_qris_sale(
            cart, name, ttl_s=int(self.settings.get("payment.invoice_ttl_s")), note=note
        )
        self.engine.emit(SyncEvent(EventKind.CREATED, order.id, None, {"amount": order.total}))
        self.engine.wake()
        return order

    def cancel(self, order_id: str, actor: str = "cashier") -> bool:
        return self.engine.cancel(order_id, actor)

    def confirm_manually(self, order_id: str, actor: str, note: str = "") -> bool:
        return self.engine.confirm_manually(order_id, actor, note)

    def resolve_late(self, order_id: str, accept: bool, actor: str) -> bool:
        """The cashier's decision on a late payment (money after the QR expired or was
        cancelled): keep it as a sale (``accept``) or give it back. ``False`` when the order
        is not (or no longer) a late payment."""
        return self.engine.resolve_late(order_id, accept=accept, actor=actor)

    def simulate_paid(self, order_id: str) -> None:
        """Demo mode's "Simulasikan bayar": the simulator pays this order now."""
        from sync.providers.simulator.adapter import SimulatorProvider

        sim = self.provider("simulator")
        assert isinstance(sim, SimulatorProvider)
        sim.pay_now(order_id)
        self._check_soon(order_id)

    def _check_soon(self, order_id: str) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE payments SET next_check_at = ? WHERE order_id = ? AND method = 'qris'",
                (to_iso(self.clock()), order_id),
            )
        self.engine.wake()

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        self.engine.start()
        # An enrolled till also ships its sales to the central store, on a thread of its own
        # (pos_app.central.till): a paid sale or a refund wakes it rather than waiting for
        # its next look at the change log.
        self.central = central_sync(self.settings, self.db, clock=self.clock)
        if self.central is not None:
            central = self.central
            self.engine.add_listener(
                lambda event: central.wake() if event.kind in _CENTRAL_WAKERS else None)
            central.start()

    def stop(self, timeout_s: float = STOP_WAIT_S) -> None:
        """Stop the engine (and the central uploader) — waiting (up to ``timeout_s``) for
        their running work, so that no thread of theirs touches the database after this — and
        then close the providers. Call before closing the database."""
        if self.central is not None:
            self.central.stop(timeout_s)
        self.engine.stop(timeout_s)
        with self._providers_lock:
            routes = list(self._routes.values())
            self._routes.clear()
        for r in routes:
            r.provider.close()
