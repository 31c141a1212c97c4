"""What the cashier reads about a payment provider: Indonesian, saying what to do, never a
setting's key nor the English reason the log keeps.

* the mapping itself (``pos_app.provider_messages``): every error class, every English reason
  the engine and the adapters produce, every health state, for every provider;
* the classification behind it: a 401 is a refused API key for the back-ends whose keys are
  typed in (Midtrans middleware, Pakasir: seeds 002, 003) and an expired login only for those
  with a login or an activation (Order Kuota, Orkut, the soundbox platform: seeds 000, 001,
  004) -- through the adapters against their loopback fakes and through the engine's health;
* the window: the QRIS dialog's "Gagal: ...", the warning when a sale can't start, the provider
  banner, and the banner of a misconfigured provider as soon as the till starts.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from pos_app import qris
from pos_app.cart import Cart, Product
from pos_app.checkout import CheckoutService, Till
from pos_app.clock import utcnow, zone
from pos_app.provider_messages import (
    Moment,
    health_message,
    in_language,
    problem_of_text,
    provider_name,
    sale_message,
    setting_label,
)
from pos_app.settings import Settings
from sync.engine import Route, SyncEngine
from sync.errors import (
    AuthExpired,
    BadResponse,
    ConfigMissing,
    InternalError,
    KeyRefused,
    LoginFailed,
    NotSupported,
    Problem,
    ProviderConfigError,
    Rejected,
    TransientError,
    UnknownProvider,
    Unreachable,
    problem_of,
)
from sync.events import EventKind
from sync.health import Health, HealthBook
from sync.providers import PROVIDERS, build_provider
from sync.providers.base import (
    Confirmation,
    CreateRequest,
    Invoice,
    PaymentRef,
    Provider,
    StatusResult,
)
from sync.providers.midtrans.adapter import AUTH_MESSAGE as MIDTRANS_401
from sync.providers.orderkuota.adapter import AUTH_MESSAGE as ORDERKUOTA_401
from sync.providers.orkut.adapter import AUTH_EXPIRED_MESSAGE as ORKUT_401
from sync.unique_code import NoCodeAvailable
from tests.test_ui_cashier import Till as WindowTill
from tests.waiting import WAIT_MS

# -- what a cashier's sentence must not contain ------------------------------------------------
SETTING_KEY = re.compile(r"\b(providers|payment|simulator|store|ui|tax)\.[a-z_]+|[a-z]+_[a-z_]+")
#: English words of the engine's and adapters' reasons (and of English UI texts); "Login",
#: "QRIS", "API" and "gateway" are what Indonesian cashiers' screens say too.
ENGLISH = re.compile(
    r"\b(the|and|or|is|not|refused|credentials|check|settings|needs|cannot|connect|connection|"
    r"timed|timeout|error|expired|invalid|failed|unknown|provider|retry|retrying|again|log in|"
    r"server|internal|http|unauthorized|rate|limited|take|cash|key|missing|please)\b",
    re.IGNORECASE)


def assert_for_the_cashier(text: str) -> None:
    assert text and text[0].isupper(), text
    assert not SETTING_KEY.search(text), f"a setting key in {text!r}"
    assert not ENGLISH.search(text), f"English in {text!r}"


def assert_english(text: str) -> None:
    assert text and not SETTING_KEY.search(text), text
    assert not re.search(r"\b(tidak|terima|tunai|periksa|Pengaturan)\b", text), text


# The reasons the engine and the adapters really produce (the log's English).
CONNECT = "midtrans POST /charge: cannot connect (ConnectError)"
ERRORS: list[tuple[BaseException, str, Problem]] = [
    (Unreachable("midtrans POST /charge: no route"), "midtrans", Problem.NETWORK),
    (TransientError(CONNECT), "midtrans", Problem.NETWORK),
    (TransientError("pakasir GET /api/transactiondetail: timed out (ReadTimeout)"), "pakasir",
     Problem.NETWORK),
    (TransientError("orderkuota POST /api/v2/invoices/create: HTTP 503 from the server"),
     "orderkuota", Problem.GATEWAY),
    (TransientError("pakasir POST /api/transactioncreate/qris: rate limited (HTTP 429)"),
     "pakasir", Problem.GATEWAY),
    (BadResponse("midtrans POST /charge: the answer is not JSON (HTTP 200)"), "midtrans",
     Problem.GATEWAY),
    (KeyRefused(MIDTRANS_401.format(status=401)), "midtrans", Problem.KEY_REFUSED),
    (KeyRefused("pakasir create: project or API key refused (Invalid project or api key); "
                "check providers.pakasir.project and providers.pakasir.api_key"), "pakasir",
     Problem.KEY_REFUSED),
    (AuthExpired(ORDERKUOTA_401), "orderkuota", Problem.LOGIN_EXPIRED),
    (AuthExpired(ORKUT_401), "orkut", Problem.LOGIN_EXPIRED),
    (AuthExpired("soundbox_platform POST /v1/device/heartbeat: device token refused; activate "
                 "this till again with `pos-app provider login soundbox_platform` (HTTP 401)"),
     "soundbox_platform", Problem.LOGIN_EXPIRED),
    (LoginFailed("orkut: login refused (HTTP 401)"), "orkut", Problem.LOGIN_EXPIRED),
    (ConfigMissing("midtrans", ["providers.midtrans.base_url", "providers.midtrans.api_key"]),
     "midtrans", Problem.SETTINGS_MISSING),
    (ConfigMissing("static", ["payment.static_qris", "providers.orderkuota.token"]), "static",
     Problem.SETTINGS_MISSING),
    (ProviderConfigError("simulator: setting simulator.pay_after_s: 'soon' must be a number",
                         provider="simulator"), "simulator", Problem.SETTINGS_INVALID),
    (UnknownProvider("unknown provider 'foo'", provider="foo"), "foo", Problem.SETTINGS_INVALID),
    (Rejected("pakasir create for order K1-1: refused (HTTP 422): amount too small"), "pakasir",
     Problem.REFUSED),
    (NotSupported("orkut: cancelling is not supported"), "orkut", Problem.REFUSED),
    (InternalError("midtrans: internal error on create (KeyError)"), "midtrans",
     Problem.INTERNAL),
]


@pytest.mark.parametrize(("error", "provider", "problem"), ERRORS,
                         ids=[f"{type(e).__name__}-{p}" for e, p, _ in ERRORS])
def test_every_error_class_is_one_problem(error, provider, problem) -> None:  # type: ignore[no-untyped-def]
    assert problem_of(error) is problem
    # The engine hands the dialog the English reason, not the exception: the same problem.
    assert problem_of_text(str(error), provider) is problem


@pytest.mark.parametrize("moment", list(Moment))
@pytest.mark.parametrize(("error", "provider", "problem"), ERRORS,
                         ids=[f"{type(e).__name__}-{p}" for e, p, _ in ERRORS])
def test_every_error_is_a_sentence_for_the_cashier(error, provider, problem, moment) -> None:  # type: ignore[no-untyped-def]
    for given in (error, str(error)):
        message = sale_message(given, provider, moment)
        assert_for_the_cashier(message.id)
        assert_english(message.en)
        assert message.id != message.en


def test_what_each_problem_says() -> None:
    def say(error: BaseException | str, provider: str, moment: Moment = Moment.FAILED,
            **kw: bool) -> str:
        return sale_message(error, provider, moment, **kw).id

    network = say(TransientError(CONNECT), "midtrans", Moment.LATE)
    assert network.startswith("Tidak ada internet, atau gateway Midtrans (Snap) tidak bisa "
                              "dihubungi")
    assert "lambat" not in network and "terima tunai" in network
    assert "QRIS toko (cadangan)" in say(CONNECT, "midtrans", Moment.LATE, fallback=True)
    assert say(KeyRefused(MIDTRANS_401.format(status=401)), "midtrans") == (
        "Kunci API Midtrans (Snap) ditolak — periksa Pengaturan; terima tunai dulu")
    # A 401 that reached the engine as HttpClient's plain "credentials refused": the provider
    # decides -- a typed-in key, or a login.
    plain = "pakasir GET /api/transactiondetail: credentials refused (HTTP 401)"
    assert say(plain, "pakasir").startswith("Kunci API Pakasir ditolak")
    assert say(AuthExpired(plain), "pakasir").startswith("Kunci API Pakasir ditolak")
    assert say(plain.replace("pakasir", "orderkuota"), "orderkuota").startswith(
        "Login Order Kuota kedaluwarsa — buka Pengaturan lalu Login")
    assert "kedaluwarsa" not in say(MIDTRANS_401.format(status=401), "midtrans")
    assert "Aktivasi" in say(AuthExpired("device token refused"), "soundbox_platform")
    missing = say(ConfigMissing("midtrans", ["providers.midtrans.base_url",
                                             "providers.midtrans.app_code"]), "midtrans",
                  Moment.START)
    assert missing == ("Pengaturan Midtrans (Snap) belum lengkap: Alamat middleware (URL), "
                       "Kode aplikasi — isi di Pengaturan; terima tunai dulu")
    assert "QRIS statis toko" in say("provider static needs: payment.static_qris", "static")
    assert say(NoCodeAvailable("all unique codes for 15000 are in use"), "static").startswith(
        "Terlalu banyak QRIS")
    assert say("gave up after the QR lifetime: " + CONNECT, "midtrans").startswith(
        "Tidak ada internet")
    assert say(qris.InvalidQris("bad CRC"), "static").startswith(
        "Pengaturan QRIS statis toko belum benar")


@pytest.mark.parametrize("provider", [*PROVIDERS, "foo"])
@pytest.mark.parametrize("state", list(Health))
def test_every_health_state_is_a_sentence_for_the_cashier(provider: str, state: Health) -> None:
    problems: list[Problem | None] = [None, *Problem]
    for problem in problems:
        for fallback in (False, True):
            message = health_message(provider, state, problem=problem, fallback=fallback,
                                     missing=("providers.midtrans.api_key",))
            if state is Health.OK:
                assert message is None
                continue
            assert message is not None
            assert_for_the_cashier(message.id)
            assert_english(message.en)


def test_what_the_banner_says() -> None:
    def banner(provider: str, state: str, **kw: object) -> str:
        message = health_message(provider, state, **kw)  # type: ignore[arg-type]
        assert message is not None
        return message.id

    assert banner("midtrans", "down", problem=Problem.NETWORK).startswith("Tidak ada internet")
    assert "sedang gangguan" in banner("midtrans", "degraded", problem=Problem.GATEWAY)
    assert "lambat" not in banner("midtrans", "degraded", problem=Problem.NETWORK)
    assert banner("midtrans", "degraded", last_error=CONNECT).startswith("Tidak ada internet")
    assert banner("pakasir", "misconfigured", problem=Problem.KEY_REFUSED).startswith(
        "Kunci API Pakasir ditolak — periksa Pengaturan")
    # A state saved by an older version: needs_login for a provider without a login.
    assert banner("midtrans", "needs_login").startswith("Kunci API Midtrans (Snap) ditolak")
    assert banner("orkut", "needs_login").startswith("Login Orkut kedaluwarsa")
    assert banner("midtrans", "misconfigured", problem=Problem.SETTINGS_MISSING,
                  missing=("providers.midtrans.base_url",)).startswith(
        "Pengaturan Midtrans (Snap) belum lengkap: Alamat middleware (URL)")
    assert "Kunci API" in banner(
        "midtrans", "misconfigured",
        last_error="provider midtrans needs: providers.midtrans.api_key")
    assert "QRIS toko (cadangan)" in banner("midtrans", "down", fallback=True)


def test_labels_and_language() -> None:
    assert setting_label("providers.pakasir.project") == ("Proyek (slug)", "Project (slug)")
    assert setting_label("providers.midtrans.base_url (an http(s) URL)").id == (
        "Alamat middleware (URL)")
    assert setting_label("payment.static_qris").id.startswith("QRIS statis toko")
    assert setting_label("providers.nope.x").id == "pengaturan lain"
    assert provider_name("orkut").id == "Orkut" and provider_name(None).id == "QRIS"
    text = sale_message(TransientError(CONNECT), "midtrans", Moment.FAILED)
    assert in_language(text, "en") == text.en and in_language(text, "id") == text.id
    assert text.en.startswith("No internet, or the Midtrans (Snap) gateway can't be reached")


# -- the classification: which 401 is a refused key and which an expired login -------------------
def test_a_refused_key_of_midtrans_and_pakasir_is_key_refused_not_a_login() -> None:
    from tests.fakes.midtrans import MidtransFake
    from tests.fakes.pakasir import PakasirFake

    request = CreateRequest("K1-20261127-0001", "p1", 15000, 600, created_at=utcnow())
    midtrans = MidtransFake(app_code="kasir", api_key="right-key-0123456789")
    pakasir_400, pakasir_401 = PakasirFake(), PakasirFake(auth_error_status=401)
    fakes = [midtrans, pakasir_400, pakasir_401]
    for fake in fakes:
        fake.start()
    try:
        providers = [
            build_provider("midtrans", {"base_url": midtrans.base_url, "app_code": "kasir",
                                        "api_key": "wrong-key-0123456789"}),
            *(build_provider("pakasir", {"base_url": f.base_url, "project": "not-my-shop",
                                         "api_key": "pk_wrong_0123456789"})
              for f in (pakasir_400, pakasir_401)),
        ]
        for provider in providers:
            with pytest.raises(KeyRefused) as info:
                provider.create(request)
            assert problem_of(info.value) is Problem.KEY_REFUSED
            provider.close()
    finally:
        for fake in fakes:
            fake.stop()


def test_an_expired_token_of_orderkuota_is_a_login_not_a_key() -> None:
    from tests.fakes.orderkuota import OrderKuotaFake

    fake = OrderKuotaFake()
    fake.start()
    try:
        provider = build_provider("orderkuota", {"base_url": fake.base_url,
                                                 "username": fake.username,
                                                 "token": "tok-not-valid-0123456789"})
        request = CreateRequest("K1-20261127-0001", "p1", 15000, 600, created_at=utcnow())
        with pytest.raises(AuthExpired) as info:
            provider.create(request)
        assert not isinstance(info.value, KeyRefused)
        assert problem_of(info.value) is Problem.LOGIN_EXPIRED
        provider.close()
    finally:
        fake.stop()


class Refusing(Provider):
    """A gateway whose every call fails with ``error``."""

    name = "gw"
    confirmation = Confirmation.POLL
    min_poll_interval_s = 0.0

    def __init__(self, error: Exception) -> None:
        self.error = error

    def create(self, request: CreateRequest) -> Invoice:
        raise self.error

    def check(self, ref: PaymentRef) -> StatusResult:
        raise self.error


@pytest.mark.parametrize(("error", "state", "problem"), [
    (KeyRefused("gw: API key refused (HTTP 401) — check Settings"), Health.MISCONFIGURED,
     Problem.KEY_REFUSED),
    (AuthExpired("gw: token invalid or expired — log in again"), Health.NEEDS_LOGIN,
     Problem.LOGIN_EXPIRED),
    (TransientError(CONNECT), Health.DEGRADED, Problem.NETWORK),
    (TransientError("gw: HTTP 502 from the server"), Health.DEGRADED, Problem.GATEWAY),
])
def test_the_engine_keeps_the_problem_behind_the_health(db, clock, error, state,  # type: ignore[no-untyped-def]
                                                        problem) -> None:
    gateway = Refusing(error)
    engine = SyncEngine(db, route_for=lambda name: Route(gateway), clock=clock)
    events = []
    engine.add_listener(events.append)
    cart = Cart()
    cart.add(Product(sku="X1", name="Kopi", price=15000))
    CheckoutService(db, Till("K1", zone("Asia/Jakarta")), clock).open_qris_sale(cart, "gw",
                                                                               ttl_s=600)
    engine.run_once()
    health = engine.health.get("gw")
    assert (health.state, health.problem) == (state, problem)
    assert health.last_error == str(error), "the log's English stays where it was"
    (change,) = [e for e in events if e.kind is EventKind.PROVIDER_STATE]
    assert change.data["state"] == state.value and change.data["problem"] == problem.value
    # Refused credentials, a key or a login: no more calls (no 401 loop) until a person acts.
    assert engine.health.blocked("gw") is (problem in (Problem.KEY_REFUSED,
                                                       Problem.LOGIN_EXPIRED))
    failed = [e for e in events if e.kind is EventKind.FAILED]
    if problem in (Problem.KEY_REFUSED, Problem.LOGIN_EXPIRED):
        assert failed[0].data["needs_login"] is (problem is Problem.LOGIN_EXPIRED)


def test_health_book_remembers_which_settings_are_missing(db, clock) -> None:  # type: ignore[no-untyped-def]
    book = HealthBook(db, clock)
    change = book.config_error("midtrans", "provider midtrans needs: providers.midtrans.api_key",
                               problem=Problem.SETTINGS_MISSING,
                               missing=("providers.midtrans.api_key",))
    assert change is not None and change.missing == ("providers.midtrans.api_key",)
    assert not book.blocked("midtrans"), "bad settings are tried again; only a refused key waits"
    assert book.key_refused("midtrans", "refused") is not None, "a new reason is news"
    assert book.blocked("midtrans")
    clock.advance(601)
    assert not book.blocked("midtrans"), "looked at again after a while"
    assert db.scalar("SELECT state FROM provider_state WHERE provider = 'midtrans'") == (
        "misconfigured")
    assert timedelta(0) <= clock() - book.get("midtrans").since


# -- the window -------------------------------------------------------------------------------
class MidtransTill(WindowTill):
    """A till selling through the Midtrans middleware (a loopback fake)."""

    def __init__(self, data_dir: Path, qtbot, fake, *, api_key: str) -> None:  # type: ignore[no-untyped-def]
        s = Settings.load(data_dir)
        s.set("payment.provider", "midtrans")
        s.set("providers.midtrans.base_url", fake.base_url)
        s.set("providers.midtrans.app_code", "kasir")
        if api_key:
            s.set("providers.midtrans.api_key", api_key)
        super().__init__(data_dir, qtbot, demo=False, idle_after_s=60)

    def sell(self) -> None:
        w = self.window
        self.qtbot.keyClicks(w.search_input, "089686010947")
        self.qtbot.keyClick(w.search_input, Qt.Key.Key_Return)
        self.qtbot.waitUntil(lambda: not w.cart.is_empty, timeout=WAIT_MS)
        w.pay_qris()



def test_a_refused_key_in_the_window(data_dir: Path, qtbot, midtrans) -> None:  # type: ignore[no-untyped-def]
    t = MidtransTill(data_dir, qtbot, midtrans, api_key="mid-wrong-key-9876543210")
    try:
        t.sell()
        qtbot.waitUntil(lambda: t.window.qris_dialog is not None
                        and t.window.qris_dialog.final is not None, timeout=WAIT_MS)
        dlg = t.window.qris_dialog
        status = dlg.status.text()
        assert status == ("Gagal: Kunci API Midtrans (Snap) ditolak — periksa Pengaturan; "
                          "terima tunai dulu")
        assert dlg.notice.isVisible() and not dlg.qr.isVisible(), "no empty white box"
        banner = t.window.health_banner
        qtbot.waitUntil(banner.isVisible, timeout=WAIT_MS)
        assert banner.text().startswith("Kunci API Midtrans (Snap) ditolak — periksa Pengaturan")
        for text in (status, banner.text()):
            assert "kedaluwarsa" not in text and "HTTP" not in text and "refused" not in text
        assert t.service.provider_health("midtrans").state is Health.MISCONFIGURED
    finally:
        t.close()


def test_a_sale_that_cant_start_names_the_fields(data_dir: Path, qtbot, midtrans,  # type: ignore[no-untyped-def]
                                                 monkeypatch) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda _parent, _title, text, *a: warnings.append(text)))
    t = MidtransTill(data_dir, qtbot, midtrans, api_key="")
    try:
        t.sell()
        qtbot.waitUntil(lambda: bool(warnings), timeout=WAIT_MS)
        assert warnings == ["Pengaturan Midtrans (Snap) belum lengkap: Kunci API — isi di "
                            "Pengaturan; terima tunai dulu"]
        assert t.db.scalar("SELECT count(*) FROM orders") == 0
    finally:
        t.close()


def test_a_misconfigured_provider_shows_when_the_till_starts(data_dir: Path, qapp,  # type: ignore[no-untyped-def]
                                                             qtbot) -> None:
    from pos_app.ui.app import open_data
    from pos_app.ui.composition import App

    settings = Settings.load(data_dir)
    settings.set("payment.provider", "midtrans")
    settings.set("providers.midtrans.app_code", "kasir")  # no address, no key
    till = App(open_data(None), qapp, demo=False)
    try:
        w = till.window
        qtbot.addWidget(w)
        till.show()
        till.start()
        qtbot.addWidget(till.display)
        # No sale yet: the owner sees at once what is missing, by the fields' labels.
        qtbot.waitUntil(w.health_banner.isVisible, timeout=WAIT_MS)
        text = w.health_banner.text()
        assert text == ("Pengaturan Midtrans (Snap) belum lengkap: Alamat middleware (URL), "
                        "Kunci API — isi di Pengaturan; terima tunai dulu")
        assert till.ctx.db.scalar("SELECT count(*) FROM orders") == 0
        # The owner fixes the settings: the banner goes once the provider is rebuilt.
        settings_now = till.ctx.settings
        settings_now.set("providers.midtrans.base_url", "http://127.0.0.1:9")
        settings_now.set("providers.midtrans.api_key", "mid-key-0123456789abcdef")
        w._settings_saved(["providers.midtrans.base_url", "providers.midtrans.api_key"])
        qtbot.waitUntil(lambda: not w.health_banner.isVisible(), timeout=WAIT_MS)
        w.close()
    finally:
        till.close()
