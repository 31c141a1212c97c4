"""The orkut adapter (seed 001) against its loopback fake, over real HTTP on 127.0.0.1.

Covers the common adapter contract (happy path, transient faults with a retried create, wrong
credentials, malformed answers) and every SPEC.md section 5 point for seed 001: "no data" is
pending, dotted string amounts, both date formats and their precision in WIB, the 5 s
per-account limit / "terlalu sering", and that only credits of exactly the nominal come back.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from pos_app import qris
from sync.providers.base import (
    AuthExpired,
    BadResponse,
    ConfigMissing,
    Confirmation,
    CreateRequest,
    Credit,
    LoginFailed,
    PaymentRef,
    Rejected,
    RemoteStatus,
    TimePrecision,
    TransientError,
)
from sync.providers.orkut.adapter import (
    AUTH_EXPIRED_MESSAGE,
    OrkutLogin,
    OrkutMutasi,
    OrkutProvider,
    parse_amount,
    parse_wib,
)
from tests.fakes.orkut import OrkutFake
from tests.fakes.server import Fault

CREATED = datetime(2025, 7, 25, 11, 0, 0, tzinfo=UTC)  # 18:00 WIB


@pytest.fixture(scope="module")
def server():
    f = OrkutFake(clock=lambda: CREATED)
    f.start()
    yield f
    f.stop()


@pytest.fixture
def fake(server: OrkutFake):
    server.reset()  # one server per module (stopping one takes 0.5 s), fresh state per test
    server.min_interval_s = 0.0  # the rate limit has its own tests
    return server


@pytest.fixture
def provider(fake: OrkutFake):
    p = OrkutProvider(fake.config())
    yield p
    p.close()


def a_request(amount: int = 35002) -> CreateRequest:
    return CreateRequest(order_id="K1-20250725-0001", payment_id="6f1c2b7e-pay", amount=amount,
                         ttl_s=600, created_at=CREATED, unique_code=2)


def a_ref(amount: int = 35002) -> PaymentRef:
    return PaymentRef(order_id="K1-20250725-0001", payment_id="6f1c2b7e-pay", amount=amount - 2,
                      payable_amount=amount, created_at=CREATED,
                      expires_at=CREATED + timedelta(seconds=600))


def assert_clean(message: str, fake: OrkutFake) -> None:
    """One English line without secrets, URLs or traceback text."""
    acc = fake.account
    assert "\n" not in message
    for secret in (acc.token, acc.api_key, acc.password, acc.otp):
        assert secret not in message
    assert "127.0.0.1" not in message and "http://" not in message
    assert "Traceback" not in message and "File \"" not in message


# -- contract ------------------------------------------------------------------------------
def test_class_attributes_and_account_key(provider: OrkutProvider) -> None:
    assert OrkutProvider.name == "orkut"
    assert OrkutProvider.confirmation is Confirmation.MUTASI
    assert OrkutProvider.min_poll_interval_s == 5.0
    assert OrkutProvider.local_create is False
    assert provider.account_key == "orkut:warung1:OK1234567"
    assert OrkutMutasi.name == "orkut" and OrkutMutasi.min_interval_s == 5.0


def test_missing_config_names_the_keys() -> None:
    with pytest.raises(ConfigMissing) as err:
        OrkutProvider({"base_url": "http://127.0.0.1:9", "api_key": "k", "username": "",
                       "merchant": None})
    assert err.value.keys == ["providers.orkut.username", "providers.orkut.token",
                              "providers.orkut.merchant"]
    assert "providers.orkut.token" in str(err.value)
    with pytest.raises(ConfigMissing) as err:
        OrkutMutasi({"base_url": "http://x", "api_key": "k", "username": "u", "token": "t"})
    assert err.value.keys == ["providers.orkut.merchant_id"]


def test_happy_path_create_pending_then_credit(fake: OrkutFake, provider: OrkutProvider) -> None:
    invoice = provider.create(a_request())
    assert invoice.payable_amount == 35002
    assert invoice.provider_ref is None
    assert invoice.expires_at == CREATED + timedelta(seconds=600)
    assert invoice.qris is not None and qris.parse(invoice.qris).amount == 35002
    assert invoice.checkout_url is None
    sent = fake.requests_to("/kasir/orkut/generate")[-1]
    acc = fake.account
    assert sent.json == {"auth_username": acc.username, "auth_token": acc.token,
                         "merchant": acc.merchant, "nominal": "35002"}
    assert sent.headers["authorization"] == f"Bearer {acc.api_key}"
    assert fake.generated == [35002]

    first = provider.check(a_ref())
    assert first.status is RemoteStatus.PENDING and first.credits == ()
    assert first.paid_amount is None
    assert fake.requests_to("/kasir/orkut/status-pembayaran")[-1].json["nominal"] == "35002"

    reff = fake.add_credit(35002, at_wib=datetime(2025, 7, 25, 18, 2, 6))
    second = provider.check(a_ref())
    # the engine's matcher decides "paid", never the adapter
    assert second.status is RemoteStatus.PENDING
    assert second.credits == (
        Credit(source="orkut", credit_id=reff, amount=35002,
               credited_at=datetime(2025, 7, 25, 11, 2, 6, tzinfo=UTC),
               precision=TimePrecision.SECOND, description="DANA NOBU / SO**********"),
    )


def test_create_accepts_a_dotted_nominal(fake: OrkutFake, provider: OrkutProvider) -> None:
    fake.dotted_amounts = True
    fake.inject(Fault.status(200, body={"success": True, "nominal": "35.002",
                                        "qr_string": qris.to_dynamic(qris_static(), 35002)}))
    assert provider.create(a_request()).payable_amount == 35002


def qris_static() -> str:
    from sync.providers.simulator.adapter import DEMO_STATIC_QRIS

    return DEMO_STATIC_QRIS


def test_cancel_is_a_no_op(fake: OrkutFake, provider: OrkutProvider) -> None:
    provider.cancel(a_ref())
    assert fake.requests == []


def test_test_connection(fake: OrkutFake, provider: OrkutProvider) -> None:
    fake.add_credit(1000)
    text = provider.test_connection()
    assert text == ("orkut: connected as warung1, merchant OK1234567; "
                    "1 incoming credit(s) on the recent statement")
    fake.inject(Fault.status(401, body={"message": "Unauthorized"}))
    with pytest.raises(AuthExpired):
        provider.test_connection()


# -- transient faults ------------------------------------------------------------------------
@pytest.mark.parametrize("fault, expected", [
    (Fault.status(500), "HTTP 500"),
    (Fault.status(503, body={"error": "Service Unavailable"}), "HTTP 503"),
    (Fault.hang(5.0), "timed out"),
    (Fault.drop(), "cannot connect"),
    (Fault.status(429, headers={"Retry-After": "1"}), "rate limited"),
])
def test_transient_faults_on_create_then_same_request_succeeds(
    fake: OrkutFake, fault: Fault, expected: str
) -> None:
    # a short client timeout only where the fake hangs: a loaded test machine must not turn
    # the retried create into a timeout too
    p = OrkutProvider(fake.config(), timeout=2.0 if fault.kind == "hang" else 10.0)
    try:
        fake.inject(fault, path="/kasir/orkut/generate")
        request = a_request()
        with pytest.raises(TransientError) as err:
            p.create(request)
        assert expected in str(err.value)
        assert_clean(str(err.value), fake)
        if fault.kind == "status" and fault.status == 429:
            assert err.value.retry_after_s == 1.0
        invoice = p.create(request)
        assert invoice.payable_amount == 35002
        assert qris.parse(invoice.qris or "").amount == 35002
        assert fake.generated[-1] == 35002
        bodies = [r.json for r in fake.requests_to("/kasir/orkut/generate")]
        assert all(b == bodies[0] for b in bodies)  # the retry asks for the very same nominal
    finally:
        p.close()


def test_429_without_retry_after_defaults_to_ten_seconds(
    fake: OrkutFake, provider: OrkutProvider
) -> None:
    fake.inject(Fault.status(429, body={"message": "Too Many Requests"}))
    with pytest.raises(TransientError) as err:
        provider.check(a_ref())
    assert err.value.retry_after_s == 10.0


def test_generic_gagal_generate_on_200_is_transient(
    fake: OrkutFake, provider: OrkutProvider
) -> None:
    fake.inject(Fault.status(200, body={"error": "Gagal generate QRIS"}))
    with pytest.raises(TransientError) as err:
        provider.create(a_request())
    assert "Gagal generate QRIS" in str(err.value)
    assert provider.create(a_request()).payable_amount == 35002


def test_gagal_generate_on_4xx_is_rejected_with_its_text(
    fake: OrkutFake, provider: OrkutProvider
) -> None:
    fake.inject(Fault.status(400, body={"error": "Gagal generate QRIS"}))
    with pytest.raises(Rejected) as err:
        provider.create(a_request())
    assert str(err.value) == "orkut /kasir/orkut/generate: refused (HTTP 400): Gagal generate QRIS"


def test_a_reasoned_error_on_200_is_rejected(fake: OrkutFake, provider: OrkutProvider) -> None:
    fake.inject(Fault.status(200, body={"error": "Merchant tidak aktif"}))
    with pytest.raises(Rejected) as err:
        provider.create(a_request())
    assert str(err.value) == "orkut /kasir/orkut/generate: Merchant tidak aktif"


# -- SPEC section 5: rate limit --------------------------------------------------------------
@pytest.mark.parametrize("style", ["429", "message"])
def test_polling_too_often_is_transient_with_retry_after(fake: OrkutFake, provider: OrkutProvider,
                                                          style: str) -> None:
    fake.min_interval_s = 5.0
    fake.rate_limit_style = style
    assert provider.check(a_ref()).status is RemoteStatus.PENDING
    with pytest.raises(TransientError) as err:
        provider.check(a_ref())
    assert err.value.retry_after_s is not None and err.value.retry_after_s >= 1
    assert "rate limited" in str(err.value)
    if style == "message":
        assert "terlalu sering" in str(err.value)
        assert err.value.retry_after_s == 10.0
    assert_clean(str(err.value), fake)


def test_terlalu_sering_on_create_is_transient(fake: OrkutFake, provider: OrkutProvider) -> None:
    too_often = {"status": "error", "message": "Terlalu sering, coba lagi nanti"}
    fake.inject(Fault.status(200, body=too_often))
    with pytest.raises(TransientError) as err:
        provider.create(a_request())
    assert err.value.retry_after_s == 10.0
    assert fake.generated == []


def test_fake_rate_limit_is_per_account(fake: OrkutFake) -> None:
    from tests.fakes.orkut import OrkutAccount

    fake.min_interval_s = 5.0
    other = OrkutAccount(username="warung2", token="tok-2", merchant="OK7654321",
                         merchant_id="7654321", api_key=fake.account.api_key)
    fake.add_account(other)
    p1, p2 = OrkutProvider(fake.config()), OrkutProvider(fake.config("warung2"))
    try:
        p1.check(a_ref())
        p2.check(a_ref())  # another account is not slowed down by the first
        with pytest.raises(TransientError):
            p1.check(a_ref())
    finally:
        p1.close()
        p2.close()


# -- credentials -----------------------------------------------------------------------------
@pytest.mark.parametrize("style", ["401", "message"])
@pytest.mark.parametrize("wrong", ["token", "api_key"])
def test_wrong_credentials_are_auth_expired(fake: OrkutFake, style: str, wrong: str) -> None:
    fake.auth_error_style = style
    config = {**fake.config(), wrong: "not-the-right-one"}
    p = OrkutProvider(config)
    try:
        for call in (lambda: p.create(a_request()), lambda: p.check(a_ref())):
            with pytest.raises(AuthExpired) as err:
                call()
            assert str(err.value) == AUTH_EXPIRED_MESSAGE
            assert "log in again" in str(err.value)
            assert "not-the-right-one" not in str(err.value)
            assert_clean(str(err.value), fake)
    finally:
        p.close()
    assert fake.generated == []


def test_403_is_auth_expired(fake: OrkutFake, provider: OrkutProvider) -> None:
    fake.inject(Fault.status(403, body={"message": "Forbidden"}))
    with pytest.raises(AuthExpired):
        provider.check(a_ref())


# -- malformed answers -------------------------------------------------------------------------


@pytest.mark.parametrize("body, needle", [
    (b"<html>502 Bad Gateway</html>", "not JSON"),
    ([1, 2], "expected a JSON object"),
    ({"success": True, "qr_string": "X"}, "nominal is missing"),
    ({"success": True, "nominal": 35002.0, "qr_string": "X"}, "float"),
    ({"success": True, "nominal": "35002.50", "qr_string": "X"}, "not a whole rupiah amount"),
    ({"success": True, "nominal": "35003", "qr_string": "X"},
     "answered nominal 35003 for a request of 35002"),
    ({"success": True, "nominal": "35002"}, "qr_string is missing"),
    ({"success": True, "nominal": "35002", "qr_string": "000201010212garbage"}, "not a valid QRIS"),
    ({"success": True, "nominal": "35002", "qr_string": "WRONG_AMOUNT"}, "qr_string is for 1000"),
    ({"success": "yes", "nominal": "35002"}, "neither success=true nor an error"),
    ({}, "neither success=true nor an error"),
])
def test_malformed_generate_is_bad_response(
    fake: OrkutFake, provider: OrkutProvider, body, needle: str
) -> None:
    if isinstance(body, dict) and body.get("qr_string") == "WRONG_AMOUNT":
        body = {**body, "qr_string": qris.to_dynamic(qris_static(), 1000)}
    fake.inject(Fault.malformed(body) if isinstance(body, bytes) else Fault.status(200, body=body))
    with pytest.raises(BadResponse) as err:
        provider.create(a_request())
    assert needle in str(err.value)
    assert_clean(str(err.value), fake)


def line(**over) -> dict:
    base = {"date": "2025-07-25 18:02:06", "amount": "35.002", "type": "CR", "qris": "static",
            "brand_name": "DANA", "issuer_reff": "015916474193", "buyer_reff": "NOBU / SO**",
            "balance": "77777"}
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize("body, needle", [
    (b"Service temporarily unavailable", "not JSON"),
    ({"status": "paid", "data": []}, "unknown status 'paid'"),
    ({"data": [line()]}, "no status"),
    ({"status": 1, "data": []}, "status is int"),
    ({"status": "success", "data": {"amount": "35002"}}, "data is dict, not a list"),
    ({"status": "success", "data": [line(amount=35002.0)]}, "float"),
    ({"status": "success", "data": [line(amount="35,002")]}, "not a whole rupiah amount"),
    ({"status": "success", "data": [line(amount="")]}, "not a whole rupiah amount"),
    ({"status": "success", "data": [line(amount=None)]}, "missing"),
    ({"status": "success", "data": [line(amount="0")]}, "has amount 0"),
    ({"status": "success", "data": [line(date="2025-07-25")]}, "not a known date format"),
    ({"status": "success", "data": [line(date=None)]}, "date of line 0 is missing"),
    ({"status": "success", "data": [line(type=None)]}, "has no type"),
    ({"status": "success", "data": [line(type="XX")]}, "unknown type 'XX'"),
    ({"status": "success", "data": [line(issuer_reff={"x": 1})]}, "issuer_reff of line 0 is dict"),
    ({"status": "success", "data": ["015916474193"]}, "not an object"),
])
def test_malformed_status_is_bad_response_never_a_credit(fake: OrkutFake, provider: OrkutProvider,
                                                         body, needle: str) -> None:
    fake.inject(Fault.malformed(body) if isinstance(body, bytes) else Fault.status(200, body=body))
    with pytest.raises(BadResponse) as err:
        provider.check(a_ref())
    assert needle in str(err.value)
    assert_clean(str(err.value), fake)


def test_failed_status_answer_is_rejected_with_its_text(
    fake: OrkutFake, provider: OrkutProvider
) -> None:
    fake.inject(Fault.status(200, body={"status": "error", "message": "Merchant tidak ditemukan"}))
    with pytest.raises(Rejected) as err:
        provider.check(a_ref())
    assert str(err.value) == (
        "orkut /kasir/orkut/status-pembayaran: failed: Merchant tidak ditemukan"
    )


# -- SPEC section 5: "no data", amounts, dates ---------------------------------------------------
@pytest.mark.parametrize("body", [
    {"status": "success", "message": "no data"},
    {"status": "success", "message": "no data", "data": None},
    {"status": "success", "data": []},
])
def test_no_data_is_pending_without_credits(fake: OrkutFake, provider: OrkutProvider, body) -> None:
    fake.inject(Fault.status(200, body=body))
    result = provider.check(a_ref())
    assert result.status is RemoteStatus.PENDING
    assert result.credits == ()
    assert result.detail == "no credit of 35002 yet"


def raw(fake: OrkutFake, path: str, **body) -> dict:
    """The fake's answer as the wire carries it (to check the fake keeps SPEC section 5)."""
    acc = fake.account
    payload = {"auth_username": acc.username, "auth_token": acc.token, "merchant": acc.merchant,
               **body}
    headers = {"Authorization": f"Bearer {acc.api_key}"}
    answer = httpx.post(fake.base_url + path, json=payload, headers=headers)
    return answer.json()


def test_fake_speaks_like_the_real_back_end(fake: OrkutFake) -> None:
    assert raw(fake, "/kasir/orkut/status-pembayaran", nominal="35002") == {"status": "success",
                                                                            "message": "no data"}
    fake.add_credit(35002, at_wib=datetime(2025, 7, 25, 18, 2, 6))
    (row,) = raw(fake, "/kasir/orkut/status-pembayaran", nominal="35002")["data"]
    assert (row["amount"], row["date"], row["type"]) == ("35.002", "2025-07-25 18:02:06", "CR")
    fake.minute_dates, fake.dotted_amounts = True, False
    (row,) = raw(fake, "/kasir/orkut/status-pembayaran", nominal="35002")["data"]
    assert (row["amount"], row["date"]) == ("35002", "25/07/2025 18:02")
    (hist,) = raw(fake, "/mutasi", merchant_id="1234567")["qris_history"]["results"]
    assert (hist["kredit"], hist["tanggal"], hist["status"]) == ("35002", "25/07/2025 18:02", "IN")
    assert raw(fake, "/kasir/orkut/generate", nominal="35002")["nominal"] == "35002"


@pytest.mark.parametrize("dotted, text", [(True, "35.002"), (False, "35002")])
def test_credit_amounts_with_and_without_dots(
    fake: OrkutFake, provider: OrkutProvider, dotted: bool, text: str
) -> None:
    fake.dotted_amounts = dotted
    fake.add_credit(35002)
    assert raw(fake, "/kasir/orkut/status-pembayaran", nominal="35002")["data"][0]["amount"] == text
    result = provider.check(a_ref())
    assert [c.amount for c in result.credits] == [35002]
    fake.inject(Fault.status(200, body={"status": "success", "data": [line(amount=text)]}))
    assert provider.check(a_ref()).credits[0].amount == 35002


def test_big_dotted_amount() -> None:
    assert parse_amount("1.035.002", "x") == 1035002
    assert parse_amount("500", "x") == 500
    assert parse_amount(" 35.002 ", "x") == 35002
    assert parse_amount(35002, "x") == 35002
    for bad in ("35.00", "3.5002", "1.000,00", "-500", "5e3", "", "35 002"):
        with pytest.raises(BadResponse):
            parse_amount(bad, "x")
    for bad in (True, 35002.0, None, [35002]):
        with pytest.raises(BadResponse):
            parse_amount(bad, "x")


def test_wib_to_utc_is_exact() -> None:
    assert parse_wib("2025-07-25 18:02:06", "d") == (datetime(2025, 7, 25, 11, 2, 6, tzinfo=UTC),
                                                     TimePrecision.SECOND)
    assert parse_wib("25/07/2025 18:02", "d") == (datetime(2025, 7, 25, 11, 2, tzinfo=UTC),
                                                  TimePrecision.MINUTE)
    # just after midnight WIB is still the previous day in UTC
    assert parse_wib("01/01/2026 00:30", "d")[0] == datetime(2025, 12, 31, 17, 30, tzinfo=UTC)
    moment, _ = parse_wib("2025-07-25 18:02:06", "d")
    assert moment.utcoffset() == timedelta(0)


@pytest.mark.parametrize("minute, precision, expected", [
    (False, TimePrecision.SECOND, datetime(2025, 7, 25, 11, 2, 6, tzinfo=UTC)),
    (True, TimePrecision.MINUTE, datetime(2025, 7, 25, 11, 2, 0, tzinfo=UTC)),
])
def test_both_date_formats_from_the_fake(fake: OrkutFake, provider: OrkutProvider, minute: bool,
                                         precision: TimePrecision, expected: datetime) -> None:
    fake.minute_dates = minute
    fake.add_credit(35002, at_wib=datetime(2025, 7, 25, 18, 2, 6))
    (credit,) = provider.check(a_ref()).credits
    assert credit.precision is precision
    assert credit.credited_at == expected
    assert credit.credited_at.tzinfo is not None


# -- SPEC section 5: only credits of exactly the nominal ---------------------------------------
def test_fake_returns_only_credits_of_the_nominal(fake: OrkutFake, provider: OrkutProvider) -> None:
    fake.add_credit(35001)
    fake.add_credit(35003)
    fake.add_credit(3500)
    result = provider.check(a_ref())
    assert result.credits == ()
    reff = fake.add_credit(35002)
    assert [c.credit_id for c in provider.check(a_ref()).credits] == [reff]


def test_adapter_drops_other_amounts_even_if_the_server_returns_them(
    fake: OrkutFake, provider: OrkutProvider
) -> None:
    fake.status_filter = False  # a server whose filter is broken
    fake.add_credit(35001)
    fake.add_credit(350020)
    result = provider.check(a_ref())
    assert result.credits == ()
    good = fake.add_credit(35002)
    result = provider.check(a_ref())
    assert [(c.credit_id, c.amount) for c in result.credits] == [(good, 35002)]


def test_debit_lines_and_duplicates_are_not_credits(
    fake: OrkutFake, provider: OrkutProvider
) -> None:
    fake.inject(Fault.status(200, body={"status": "success", "data": [
        line(type="DB"), line(), line(), line(issuer_reff="015916474194", type="cr")]}))
    result = provider.check(a_ref())
    assert [c.credit_id for c in result.credits] == ["015916474193", "015916474194"]


def test_credit_without_issuer_reff_is_skipped_with_a_warning(
    fake: OrkutFake, provider: OrkutProvider, caplog: pytest.LogCaptureFixture
) -> None:
    fake.add_credit(35002, omit_reff=True)
    with caplog.at_level(logging.WARNING, logger="sync.providers.orkut"):
        result = provider.check(a_ref())
    assert result.credits == ()
    assert "without issuer_reff" in caplog.text
    assert fake.account.token not in caplog.text


def test_old_credits_are_passed_on_for_the_matcher_to_judge(
    fake: OrkutFake, provider: OrkutProvider
) -> None:
    # status-pembayaran lists every credit of that nominal, also yesterday's; the adapter
    # passes them with their real time and the engine's matcher refuses the old one.
    fake.add_credit(35002, at_wib=datetime(2025, 7, 24, 9, 0, 0))
    (credit,) = provider.check(a_ref()).credits
    assert credit.credited_at == datetime(2025, 7, 24, 2, 0, 0, tzinfo=UTC)
    assert credit.credited_at < a_ref().created_at


# -- mutasi (static + payment.mutasi_source = orkut) ------------------------------------------
def test_mutasi_kasir_endpoint(fake: OrkutFake) -> None:
    m = OrkutMutasi(fake.config())
    try:
        assert m.endpoint == "kasir"
        assert m.account_key == "orkut:warung1:OK1234567"
        assert m.fetch_credits(CREATED) == []  # "no data", data null
        old = fake.add_credit(1000, at_wib=datetime(2025, 7, 25, 17, 58, 59))
        edge = fake.add_credit(2000, at_wib=datetime(2025, 7, 25, 17, 59, 0))  # since - 60 s
        new = fake.add_credit(35002, at_wib=datetime(2025, 7, 25, 18, 2, 6))
        fake.add_debit(5000, at_wib=datetime(2025, 7, 25, 18, 3))
        credits = m.fetch_credits(CREATED)
        assert [c.credit_id for c in credits] == [new, edge]
        assert old not in [c.credit_id for c in credits]
        assert credits[0] == Credit("orkut", new, 35002,
                                    datetime(2025, 7, 25, 11, 2, 6, tzinfo=UTC),
                                    TimePrecision.SECOND, "DANA NOBU / SO**********")
        sent = fake.requests_to("/kasir/orkut/mutasi")[-1].json
        assert sent == {"auth_username": "warung1", "auth_token": fake.account.token,
                        "merchant": "OK1234567"}
    finally:
        m.close()


def test_mutasi_history_endpoint_minute_precision(fake: OrkutFake) -> None:
    config = {**fake.config(), "merchant": ""}
    m = OrkutMutasi(config)
    try:
        assert m.endpoint == "mutasi"
        fake.add_credit(35002, at_wib=datetime(2025, 7, 25, 18, 2, 50))
        fake.add_debit(5000, at_wib=datetime(2025, 7, 25, 18, 3))
        # since 18:02:30 WIB: the line says 18:02 (minute precision) and must not be lost
        credits = m.fetch_credits(datetime(2025, 7, 25, 11, 2, 30, tzinfo=UTC))
        assert len(credits) == 1
        (c,) = credits
        assert c.credit_id.startswith("mutasi:") and c.credit_id[len("mutasi:"):].isdigit()
        assert (c.amount, c.precision) == (35002, TimePrecision.MINUTE)
        assert c.credited_at == datetime(2025, 7, 25, 11, 2, tzinfo=UTC)
        assert c.description == "DANA NOBU / SO**********"
        assert fake.requests_to("/mutasi")[-1].json["merchant_id"] == "1234567"
    finally:
        m.close()


@pytest.mark.parametrize("body, error, needle", [
    ({"success": False, "message": "Fields tidak benar!"}, Rejected, "Fields tidak benar!"),
    ({"qris_history": {}}, BadResponse, "no success flag"),
    ({"success": True, "qris_history": {"results": {"id": 1}}}, BadResponse, "not a list"),
    ({"success": True, "qris_history": {"results": [
        {"id": 1, "kredit": "5.0", "tanggal": "25/07/2025 18:02", "status": "IN"},
    ]}}, BadResponse, "not a whole rupiah"),
    ({"success": True, "qris_history": {"results": [
        {"id": 1, "kredit": "500", "tanggal": "kemarin", "status": "IN"},
    ]}}, BadResponse, "not a known date"),
    ({"success": True, "qris_history": {"results": [
        {"id": 1, "kredit": "500", "tanggal": "25/07/2025 18:02", "status": "PENDING"},
    ]}}, BadResponse, "unknown status"),
])
def test_mutasi_history_malformed(fake: OrkutFake, body, error, needle: str) -> None:
    m = OrkutMutasi(fake.config(), endpoint="mutasi")
    try:
        fake.inject(Fault.status(200, body=body))
        with pytest.raises(error) as err:
            m.fetch_credits(CREATED)
        assert needle in str(err.value)
    finally:
        m.close()


def test_mutasi_rate_limit_and_auth(fake: OrkutFake) -> None:
    m = OrkutMutasi({**fake.config(), "token": "stale"})
    try:
        with pytest.raises(AuthExpired) as err:
            m.fetch_credits(CREATED)
        assert "log in again" in str(err.value)
        fake.inject(Fault.status(200, body={"status": "error", "message": "terlalu sering"}))
        with pytest.raises(TransientError) as terr:
            m.fetch_credits(CREATED)
        assert terr.value.retry_after_s == 10.0
    finally:
        m.close()


# -- login ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("location", ["token", "data.token", "results.token"])
def test_login_gets_the_token(fake: OrkutFake, location: str) -> None:
    fake.token_location = location
    login = OrkutLogin(fake.config())
    try:
        where = login.request_otp("warung1", fake.account.password)
        assert where == "email w***@gmail.com"  # shown as "Kode OTP dikirim ke {where}"
        assert login.verify_otp("warung1", fake.account.otp) == fake.account.token
        assert fake.requests_to("/minta-otp")[-1].json == {"username": "warung1",
                                                           "password": fake.account.password}
        verify = fake.requests_to("/valid-otp")[-1]
        assert verify.headers["authorization"] == f"Bearer {fake.account.api_key}"
    finally:
        login.close()


def test_login_wrong_password_and_otp(fake: OrkutFake) -> None:
    login = OrkutLogin(fake.config())
    try:
        with pytest.raises(LoginFailed) as err:
            login.request_otp("warung1", "salah-pw")
        assert str(err.value) == "orkut: Username atau password salah"
        login.request_otp("warung1", fake.account.password)
        with pytest.raises(LoginFailed) as err:
            login.verify_otp("warung1", "000000")
        assert str(err.value) == "orkut: OTP salah atau kadaluarsa"
        assert_clean(str(err.value), fake)
    finally:
        login.close()


def test_login_with_a_bad_api_key(fake: OrkutFake) -> None:
    login = OrkutLogin({**fake.config(), "api_key": "bad-key-123"})
    try:
        with pytest.raises(LoginFailed) as err:
            login.request_otp("warung1", fake.account.password)
        assert "providers.orkut.api_key" in str(err.value)
        assert "bad-key-123" not in str(err.value)
        assert_clean(str(err.value), fake)
    finally:
        login.close()


@pytest.mark.parametrize("body, error, needle", [
    ({"success": True}, BadResponse, "no token"),
    ({"hello": "world"}, BadResponse, "neither success nor failure"),
    ({"status": "failed", "message": "Akun dikunci"}, LoginFailed, "orkut: Akun dikunci"),
    ({"success": False}, LoginFailed, "orkut: the OTP was not accepted"),
])
def test_login_tolerant_parser(fake: OrkutFake, body, error, needle: str) -> None:
    login = OrkutLogin(fake.config())
    try:
        fake.inject(Fault.status(200, body=body), path="/valid-otp")
        with pytest.raises(error) as err:
            login.verify_otp("warung1", "123456")
        assert needle in str(err.value)
    finally:
        login.close()


@pytest.mark.parametrize("body, where", [
    ({"success": True, "message": "OTP sent to 0812****789"}, "0812****789"),
    ({"status": "success", "data": {"email": "s***@gmail.com"}}, "s***@gmail.com"),
    ({"success": True, "message": "Silakan cek aplikasi"}, ""),
    ({"success": True}, ""),
])
def test_request_otp_says_where_it_went(fake: OrkutFake, body, where: str) -> None:
    login = OrkutLogin(fake.config())
    try:
        fake.inject(Fault.status(200, body=body), path="/minta-otp")
        assert login.request_otp("warung1", "pw") == where
    finally:
        login.close()


def test_login_message_never_echoes_the_password(fake: OrkutFake) -> None:
    login = OrkutLogin(fake.config())
    try:
        echoed = {"success": False, "message": "password pw-XYZ-99 salah"}
        fake.inject(Fault.status(200, body=echoed))
        with pytest.raises(LoginFailed) as err:
            login.request_otp("warung1", "pw-XYZ-99")
        assert "pw-XYZ-99" not in str(err.value)
        assert "***" in str(err.value)
    finally:
        login.close()
