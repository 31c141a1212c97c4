"""``midtrans`` (seed 002, the self-hosted Snap middleware) against its loopback fake: create,
status mapping, the reused-order-id refusal after a lost answer, validation of every answer, and
each SPEC.md section 5 point for seed 002."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sync.providers.base import (
    AuthExpired,
    BadResponse,
    ConfigMissing,
    Confirmation,
    CreateRequest,
    Invoice,
    PaymentRef,
    Rejected,
    RemoteStatus,
    StatusResult,
    TransientError,
)
from sync.providers.midtrans.adapter import (
    AUTH_MESSAGE,
    ORDER_ID_USED_MESSAGE,
    MidtransProvider,
    OrderIdUsed,
    parse_amount,
)
from tests.fakes.midtrans import MidtransFake
from tests.fakes.server import Fault, Reply
from tests.waiting import wait_for

T0 = datetime(2026, 11, 27, 3, 0, 0, tzinfo=UTC)
ORDER = "K1-20261127-0001"


# -- fixtures and helpers -----------------------------------------------------------------
@pytest.fixture(scope="module")
def running_fake() -> Iterator[MidtransFake]:
    # One server for the module (stopping one takes ~0.5 s); each test gets it reset.
    f = MidtransFake()
    f.start()
    yield f
    f.stop()


@pytest.fixture
def fake(running_fake: MidtransFake) -> Iterator[MidtransFake]:
    running_fake.reset()
    yield running_fake
    running_fake.reset()


@pytest.fixture
def make(fake: MidtransFake) -> Iterator[Callable[..., MidtransProvider]]:
    made: list[MidtransProvider] = []

    def build(**overrides: Any) -> MidtransProvider:
        timeout = overrides.pop("timeout", 10.0)
        config = {
            "base_url": fake.base_url,
            "app_code": fake.app_code,
            "api_key": fake.api_key,
            **overrides,
        }
        provider = MidtransProvider(config, clock=lambda: T0, timeout=timeout)
        made.append(provider)
        return provider

    yield build
    for p in made:
        p.close()


@pytest.fixture
def provider(make: Callable[..., MidtransProvider]) -> MidtransProvider:
    return make()


def req(
    order_id: str = ORDER, amount: int = 15000, note: str = "", ttl_s: int = 600
) -> CreateRequest:
    return CreateRequest(
        order_id=order_id,
        payment_id=f"pay-{order_id}",
        amount=amount,
        ttl_s=ttl_s,
        created_at=T0,
        note=note,
    )


def ref(request: CreateRequest, invoice: Invoice | None = None) -> PaymentRef:
    return PaymentRef(
        order_id=request.order_id,
        payment_id=request.payment_id,
        amount=request.amount,
        payable_amount=invoice.payable_amount if invoice else request.amount,
        created_at=request.created_at,
        expires_at=request.created_at + timedelta(seconds=request.ttl_s),
        provider_ref=invoice.provider_ref if invoice else "snap-token",
    )


def created(
    provider: MidtransProvider, fake: MidtransFake, **kw: Any
) -> tuple[CreateRequest, Invoice]:
    request = req(**kw)
    return request, provider.create(request)


def status_body(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "e67a2012-3208-4b3e-9a0e-000000000001",
        "transaction_status": "settlement",
        "fraud_status": "accept",
        "status_code": "200",
        "status_message": "Success, transaction is found",
        "order_id": ORDER,
        "gross_amount": "15000.00",
        "currency": "IDR",
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not ...}


def check_with(
    provider: MidtransProvider, fake: MidtransFake, body: Any, status: int = 200
) -> StatusResult:
    fake.inject(Fault.status(status, body=body), path="/status/")
    return provider.check(ref(req()))


def assert_clean(message: str, fake: MidtransFake) -> None:
    """One line, no secret, no URL, nothing that looks like a traceback."""
    assert "\n" not in message
    assert fake.api_key not in message
    assert "127.0.0.1" not in message and "http://" not in message
    assert "Traceback" not in message and 'File "' not in message


# -- class attributes and configuration ---------------------------------------------------
def test_class_attributes() -> None:
    assert MidtransProvider.name == "midtrans"
    assert MidtransProvider.confirmation is Confirmation.POLL
    assert MidtransProvider.min_poll_interval_s == 0.5  # seed: no limit
    assert MidtransProvider.local_create is False


def test_missing_keys_are_named() -> None:
    with pytest.raises(ConfigMissing) as info:
        MidtransProvider({"base_url": "", "app_code": "kasir", "api_key": None})
    assert info.value.keys == ["providers.midtrans.base_url", "providers.midtrans.api_key"]
    assert "providers.midtrans.base_url" in str(info.value)
    with pytest.raises(ConfigMissing) as info:
        MidtransProvider({})
    assert info.value.keys == [
        "providers.midtrans.base_url",
        "providers.midtrans.app_code",
        "providers.midtrans.api_key",
    ]


def test_base_url_must_be_an_http_url() -> None:
    with pytest.raises(ConfigMissing, match="providers.midtrans.base_url"):
        MidtransProvider({"base_url": "ftp://10.0.0.5", "app_code": "a", "api_key": "k"})
    with pytest.raises(ConfigMissing, match="providers.midtrans.base_url"):
        MidtransProvider({"base_url": "10.0.0.5:5000", "app_code": "a", "api_key": "k"})


def test_full_key_names_are_accepted_too(fake: MidtransFake) -> None:
    provider = MidtransProvider(
        {
            "providers.midtrans.base_url": fake.base_url,
            "providers.midtrans.app_code": fake.app_code,
            "providers.midtrans.api_key": fake.api_key,
        }
    )
    try:
        assert provider.create(req()).checkout_url
    finally:
        provider.close()


# -- happy path ---------------------------------------------------------------------------
def test_happy_path_create_then_paid(provider: MidtransProvider, fake: MidtransFake) -> None:
    request, invoice = created(provider, fake)
    order = fake.orders[ORDER]
    assert invoice == Invoice(
        payable_amount=15000,
        expires_at=T0 + timedelta(seconds=600),
        provider_ref=order.token,
        qris=None,
        checkout_url=order.redirect_url,
    )
    assert invoice.checkout_url.startswith("https://app.sandbox.midtrans.com/snap/v4/redirection/")
    sent = fake.requests_to("/charge", "POST")[0].json
    assert sent == {
        "order_id": ORDER,
        "amount": 15000,
        "item_details": [{"id": "POS", "price": 15000, "quantity": 1, "name": "Belanja"}],
    }

    assert (
        provider.check(ref(request, invoice)).status is RemoteStatus.PENDING
    )  # 404: no method yet
    fake.choose_method(ORDER)
    pending = provider.check(ref(request, invoice))
    assert pending.status is RemoteStatus.PENDING and "waiting for the payment" in pending.detail
    fake.settle(ORDER)
    paid = provider.check(ref(request, invoice))
    assert paid.status is RemoteStatus.PAID
    assert paid.paid_amount == 15000 and isinstance(paid.paid_amount, int)
    assert paid.provider_ref == order.transaction_id
    assert paid.paid_at is not None and paid.paid_at.tzinfo is not None
    assert len(fake.orders) == 1 and fake.charges_created == 1


def test_headers_sent_on_every_request(provider: MidtransProvider, fake: MidtransFake) -> None:
    request, invoice = created(provider, fake)
    provider.check(ref(request, invoice))
    assert len(fake.requests) == 2
    for r in fake.requests:
        assert r.headers["x-app-code"] == fake.app_code
        assert r.headers["x-api-key"] == fake.api_key
    assert fake.requests[0].headers["content-type"] == "application/json"
    assert fake.requests[1].method == "GET" and fake.requests[1].path == f"/status/{ORDER}"


def test_item_name_is_the_note_cut_to_50(provider: MidtransProvider, fake: MidtransFake) -> None:
    provider.create(req("K1-1", note="  Kopi   susu\n2x "))
    provider.create(req("K1-2", note="x" * 80))
    names = [r.json["item_details"][0]["name"] for r in fake.requests_to("/charge")]
    assert names == ["Kopi susu 2x", "x" * 50]


def test_base_url_with_a_path_prefix_and_trailing_slash(fake: MidtransFake) -> None:
    provider = MidtransProvider(
        {"base_url": fake.base_url + "/", "app_code": fake.app_code, "api_key": fake.api_key}
    )
    try:
        provider.create(req())
    finally:
        provider.close()
    assert fake.requests[0].path == "/charge"


def test_odd_order_id_or_amount_is_refused_before_any_request(
    provider: MidtransProvider, fake: MidtransFake
) -> None:
    with pytest.raises(Rejected, match="order id 'K1 0001' is not allowed"):
        provider.create(req("K1 0001"))
    with pytest.raises(Rejected, match="order id"):
        provider.create(req("K" * 51))
    with pytest.raises(Rejected, match="positive whole number"):
        provider.create(req(amount=0))
    assert fake.requests == []


# -- SPEC 5, seed 002: 404 until a method is chosen is "pending" ---------------------------
def test_status_404_before_a_method_is_chosen_is_pending(
    provider: MidtransProvider, fake: MidtransFake
) -> None:
    request, invoice = created(provider, fake)
    for _ in range(3):
        result = provider.check(ref(request, invoice))
        assert result.status is RemoteStatus.PENDING
        assert result.detail == "waiting for the customer to choose a payment method"
        assert result.paid_amount is None
    assert fake.status_queries == 3


def test_status_200_with_midtrans_404_body_is_pending(
    provider: MidtransProvider, fake: MidtransFake
) -> None:
    result = check_with(
        provider, fake, {"status_code": "404", "status_message": "Transaction doesn't exist."}
    )
    assert result.status is RemoteStatus.PENDING


def test_endpoint_not_found_is_a_configuration_error_not_pending(
    make: Callable[..., MidtransProvider], fake: MidtransFake
) -> None:
    wrong = make(base_url=fake.base_url + "/gateway")
    with pytest.raises(Rejected) as info:
        wrong.check(ref(req()))
    assert "Endpoint not found" in str(info.value) and "providers.midtrans.base_url" in str(
        info.value
    )
    with pytest.raises(Rejected, match="no Midtrans middleware at this address"):
        wrong.test_connection()


# -- status mapping -----------------------------------------------------------------------
def test_settlement_is_paid(provider: MidtransProvider, fake: MidtransFake) -> None:
    request, invoice = created(provider, fake)
    fake.settle(ORDER)
    result = provider.check(ref(request, invoice))
    assert (result.status, result.paid_amount, result.detail) == (
        RemoteStatus.PAID,
        15000,
        "settlement",
    )


def test_capture_accept_is_paid(provider: MidtransProvider, fake: MidtransFake) -> None:
    request, invoice = created(provider, fake)
    fake.capture(ORDER, fraud="accept")
    result = provider.check(ref(request, invoice))
    assert (result.status, result.paid_amount) == (RemoteStatus.PAID, 15000)
    assert result.provider_ref == fake.orders[ORDER].transaction_id


def test_challenge_is_pending(provider: MidtransProvider, fake: MidtransFake) -> None:
    request, invoice = created(provider, fake)
    fake.capture(ORDER, fraud="challenge")
    result = provider.check(ref(request, invoice))
    assert result.status is RemoteStatus.PENDING and "challenge" in result.detail
    # ... also as a transaction_status of its own
    result = check_with(
        provider, fake, status_body(transaction_status="challenge", fraud_status=None)
    )
    assert result.status is RemoteStatus.PENDING and "fraud review" in result.detail


def test_capture_deny_is_failed(provider: MidtransProvider, fake: MidtransFake) -> None:
    request, invoice = created(provider, fake)
    fake.capture(ORDER, fraud="deny")
    result = provider.check(ref(request, invoice))
    assert result.status is RemoteStatus.FAILED and "denied by fraud detection" in result.detail


def test_expire_is_expired(provider: MidtransProvider, fake: MidtransFake) -> None:
    request, invoice = created(provider, fake, ttl_s=120)
    assert invoice.expires_at == T0 + timedelta(seconds=120)
    fake.expire(ORDER)
    result = provider.check(ref(request, invoice))
    assert result.status is RemoteStatus.EXPIRED and "expire" in result.detail


@pytest.mark.parametrize(
    "action, words", [("cancel", "cancelled at the gateway"), ("deny", "denied")]
)
def test_cancel_and_deny_are_failed(
    provider: MidtransProvider, fake: MidtransFake, action: str, words: str
) -> None:
    request, invoice = created(provider, fake)
    getattr(fake, action)(ORDER)
    result = provider.check(ref(request, invoice))
    assert result.status is RemoteStatus.FAILED
    assert words in result.detail


@pytest.mark.parametrize("status", ["refund", "partial_refund", "chargeback", "failure"])
def test_money_going_back_is_never_paid(
    provider: MidtransProvider, fake: MidtransFake, status: str
) -> None:
    result = check_with(provider, fake, status_body(transaction_status=status))
    assert result.status is RemoteStatus.FAILED and status in result.detail


def test_authorize_is_pending(provider: MidtransProvider, fake: MidtransFake) -> None:
    assert (
        check_with(provider, fake, status_body(transaction_status="authorize")).status
        is RemoteStatus.PENDING
    )


def test_gross_amount_mismatch_is_passed_on_for_the_engine_to_refuse(
    provider: MidtransProvider, fake: MidtransFake
) -> None:
    request, invoice = created(provider, fake)
    fake.settle(ORDER, gross_amount=1500)
    result = provider.check(ref(request, invoice))
    assert (
        result.status is RemoteStatus.PAID and result.paid_amount == 1500 != invoice.payable_amount
    )


def test_seed_shaped_status_without_gross_amount(
    provider: MidtransProvider, fake: MidtransFake
) -> None:
    request, invoice = created(provider, fake)
    fake.minimal_status = True
    fake.settle(ORDER)
    result = provider.check(ref(request, invoice))
    assert result.status is RemoteStatus.PAID
    assert result.paid_amount is None  # the engine uses the payable amount
    assert result.provider_ref == fake.orders[ORDER].transaction_id  # from "id"
    assert set(fake.orders[ORDER].status_json(minimal=True)) == {
        "id",
        "transaction_status",
        "fraud_status",
        "status_code",
        "status_message",
    }


def test_paid_at_is_settlement_time_in_wib(provider: MidtransProvider, fake: MidtransFake) -> None:
    result = check_with(
        provider,
        fake,
        status_body(settlement_time="2026-11-27 10:01:02", transaction_time="2026-11-27 09:59:00"),
    )
    assert result.paid_at == datetime(2026, 11, 27, 3, 1, 2, tzinfo=UTC)
    result = check_with(provider, fake, status_body(settlement_time="yesterday-ish"))
    assert result.status is RemoteStatus.PAID and result.paid_at is None  # informational only


@pytest.mark.parametrize(
    "value, expected",
    [("15000.00", 15000), ("15000", 15000), (15000, 15000), (" 15000.0 ", 15000), ("0.00", 0)],
)
def test_parse_amount_exact(value: Any, expected: int) -> None:
    assert parse_amount(value, "x") == expected


@pytest.mark.parametrize(
    "value", ["15000.50", 15000.0, "15.000", "-5", -5, True, None, "", "1e4", [15000]]
)
def test_parse_amount_refuses(value: Any) -> None:
    with pytest.raises(BadResponse):
        parse_amount(value, "gross_amount")


# -- malformed status answers: BadResponse, never PAID -------------------------------------
@pytest.mark.parametrize(
    "body, words",
    [
        (status_body(transaction_status=...), "transaction_status is missing"),
        (status_body(transaction_status=1), "transaction_status is not a string"),
        (status_body(transaction_status="paid"), "unknown transaction_status 'paid'"),
        (status_body(transaction_status="SETTLED"), "unknown transaction_status 'settled'"),
        (
            status_body(transaction_status="capture", fraud_status=...),
            "capture with fraud_status None",
        ),
        (
            status_body(transaction_status="capture", fraud_status="maybe"),
            "capture with fraud_status 'maybe'",
        ),
        (status_body(fraud_status="challenge"), "settlement with fraud_status 'challenge'"),
        (status_body(fraud_status=["accept"]), "fraud_status is not a string"),
        (status_body(gross_amount="15000.50"), "gross_amount '15000.50' is not a whole number"),
        (status_body(gross_amount=15000.0), "gross_amount is not an amount"),
        (status_body(gross_amount="lima belas ribu"), "gross_amount is not an amount"),
        (status_body(order_id="K1-20261127-0002"), "about another order"),
        (status_body(currency="USD"), "currency 'usd' is not IDR"),
        (status_body(id=12345), "id is not a transaction id"),
        (status_body(transaction_id=""), "transaction_id is not a transaction id"),
        (["settlement"], "expected a JSON object, got list"),
        (b'"settlement"', "expected a JSON object, got str"),
        (b"", "expected a JSON object, got no body"),
    ],
)
def test_malformed_status_is_bad_response(
    provider: MidtransProvider, fake: MidtransFake, body: Any, words: str
) -> None:
    with pytest.raises(BadResponse) as info:
        check_with(provider, fake, body)
    assert words in str(info.value)
    assert str(info.value).startswith("midtrans")
    assert_clean(str(info.value), fake)


def test_status_not_json_is_bad_response(provider: MidtransProvider, fake: MidtransFake) -> None:
    fake.inject(Fault.malformed(), path="/status/")
    with pytest.raises(BadResponse, match="not JSON"):
        provider.check(ref(req()))


def test_unexpected_2xx_status_code_is_bad_response(
    provider: MidtransProvider, fake: MidtransFake
) -> None:
    with pytest.raises(BadResponse, match="HTTP 202, expected 200"):
        check_with(provider, fake, status_body(), status=202)


# -- malformed charge answers -------------------------------------------------------------
@pytest.mark.parametrize(
    "body, words",
    [
        ({"token": "abc"}, "redirect_url is missing"),
        ({"token": "abc", "redirect_url": ""}, "redirect_url is missing"),
        ({"token": "abc", "redirect_url": 42}, "redirect_url is missing or not a string"),
        (
            {"token": "abc", "redirect_url": "http://pay.example.com/snap/v4/redirection/abc"},
            "https link, got scheme 'http'",
        ),
        ({"token": "abc", "redirect_url": "javascript:alert(1)"}, "not a URL with a host"),
        ({"token": "abc", "redirect_url": "ftp://app.midtrans.com/x"}, "scheme 'ftp'"),
        (
            {"token": "abc", "redirect_url": "https:///snap/v4/redirection/abc"},
            "not a URL with a host",
        ),
        (
            {"token": "abc", "redirect_url": "https://app.midtrans.com/snap v4/abc"},
            "not a usable URL",
        ),
        (
            {"token": "abc", "redirect_url": "https://user:pw@app.midtrans.com/x"},
            "not a URL with a host",
        ),
        (
            {"token": "abc", "redirect_url": "https://app.midtrans.com/" + "a" * 3000},
            "not a usable URL",
        ),
        ({"redirect_url": "https://app.midtrans.com/snap/v4/redirection/abc"}, "token is missing"),
        ({"redirect_url": "https://app.midtrans.com/x", "token": ""}, "token is missing"),
        ({"redirect_url": "https://app.midtrans.com/x", "token": 5}, "token is missing"),
        ({"redirect_url": "https://app.midtrans.com/x", "token": "a b"}, "not a token"),
        ([], "expected a JSON object, got list"),
        (None, "expected a JSON object, got no body"),
    ],
)
def test_malformed_charge_answer_is_bad_response(
    provider: MidtransProvider, fake: MidtransFake, body: Any, words: str
) -> None:
    fake.inject(Fault.status(201, body=body if body is not None else b""), path="/charge")
    with pytest.raises(BadResponse) as info:
        provider.create(req())
    assert words in str(info.value)
    assert_clean(str(info.value), fake)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5000/snap/v4/redirection/abc",
        "http://localhost/snap/abc",
        "https://app.midtrans.com/snap/v4/redirection/abc",
    ],
)
def test_redirect_url_accepted(provider: MidtransProvider, fake: MidtransFake, url: str) -> None:
    fake.inject(Fault.status(201, body={"redirect_url": url, "token": "abc"}), path="/charge")
    assert provider.create(req()).checkout_url == url


def test_charge_not_json_is_bad_response(provider: MidtransProvider, fake: MidtransFake) -> None:
    fake.inject(Fault.malformed(), path="/charge")
    with pytest.raises(BadResponse, match="not JSON"):
        provider.create(req())


def test_charge_answering_200_is_accepted(
    make: Callable[..., MidtransProvider], fake: MidtransFake
) -> None:
    fake.charge_status = 200
    assert make().create(req()).provider_ref == fake.orders[ORDER].token


# -- transient faults on create: retried by the engine with the same order id --------------
@pytest.mark.parametrize(
    "fault, words",
    [
        (
            Fault.status(500, body={"error": "Masalah koneksi ke Midtrans"}),
            "HTTP 500 from the server",
        ),
        (Fault.status(502, body=b"<html>Bad Gateway</html>"), "HTTP 502"),
        (Fault.drop(), "cannot connect"),
        (Fault.status(429, headers={"Retry-After": "1"}), "rate limited"),
    ],
)
def test_transient_create_faults_then_the_same_request_succeeds(
    provider: MidtransProvider, fake: MidtransFake, fault: Fault, words: str
) -> None:
    request = req()
    fake.inject(fault, path="/charge")
    with pytest.raises(TransientError) as info:
        provider.create(request)
    assert words in str(info.value)
    assert info.value.retryable
    assert_clean(str(info.value), fake)
    if fault.status == 429:
        assert info.value.retry_after_s == 1.0
    invoice = provider.create(request)
    assert invoice.provider_ref == fake.orders[ORDER].token
    assert [r.json["order_id"] for r in fake.requests_to("/charge")] == [ORDER, ORDER]
    assert len(fake.orders) == 1


def test_hang_beyond_the_timeout_then_retry_while_the_first_still_hangs(
    make: Callable[..., MidtransProvider], fake: MidtransFake
) -> None:
    # The client timeout is short enough to be quick, long enough that the retry (a loopback
    # round trip) never times out on a loaded machine; the hung request waits for the test.
    provider = make(timeout=2.0)
    request = req()
    gate = threading.Event()
    fake.inject(Fault.hold(gate), path="/charge")
    try:
        with pytest.raises(TransientError, match="timed out"):
            provider.create(request)
        # it gave up at its own timeout, while the first request still hangs at the fake
        assert fake.charges_created == 0 and fake.duplicates_refused == 0
        invoice = provider.create(request)  # reaches the fake before the hung request does
        assert invoice.checkout_url == fake.orders[ORDER].redirect_url
    finally:
        gate.set()
    wait_for(lambda: fake.duplicates_refused == 1,  # the hung one arrives late and is refused
             "the hung /charge to arrive and be refused as a duplicate")
    assert len(fake.orders) == 1 and fake.charges_created == 1
    assert {r.json["order_id"] for r in fake.requests_to("/charge")} == {ORDER}


# -- SPEC 5, seed 002: a reused order id is refused ----------------------------------------
@pytest.mark.parametrize("how", ["hang", "slow answer"])
def test_retry_after_a_lost_answer_is_refused_as_order_id_used(
    make: Callable[..., MidtransProvider], fake: MidtransFake, how: str
) -> None:
    """The first /charge is made at the gateway but its answer never arrives; the engine's retry
    (same order id) is refused. No second charge, and a clear, final error for the cashier."""
    provider = make(timeout=2.0)  # the retry must not time out on a loaded machine
    request = req()
    gate = threading.Event()
    if how == "hang":
        fake.inject(Fault.hold(gate), path="/charge")  # waits, then the fake makes the charge
    else:
        fake.latency_s = 30.0  # the fake makes the charge, then answers far too late
    try:
        with pytest.raises(TransientError, match="timed out"):
            provider.create(request)
    finally:
        gate.set()  # the hung request goes on now, after the client gave up
    wait_for(lambda: ORDER in fake.orders, "the fake to make the charge of the lost answer")
    fake.latency_s = 0.0
    with pytest.raises(OrderIdUsed) as info:
        provider.create(request)
    error = info.value
    assert isinstance(error, Rejected) and not error.retryable  # the engine fails the sale at once
    assert str(error).startswith(ORDER_ID_USED_MESSAGE)
    assert str(error).endswith("no payment exists for it yet — ring the sale up again")
    assert error.gateway_status is None
    assert_clean(str(error), fake)
    # never a second charge under another id; the gateway was asked about ours once
    assert [r.json["order_id"] for r in fake.requests_to("/charge")] == [ORDER, ORDER]
    assert [r.path for r in fake.requests_to("/status/")] == [f"/status/{ORDER}"]
    assert list(fake.orders) == [ORDER] and fake.duplicates_refused == 1


def test_order_id_used_by_a_transaction_at_the_gateway_is_never_taken_as_paid(
    provider: MidtransProvider, fake: MidtransFake
) -> None:
    """Another sale with the same id (a till restored from an old backup) was paid there: that
    must not become this sale's payment."""
    provider.create(req(amount=20000))
    fake.settle(ORDER)
    with pytest.raises(OrderIdUsed) as info:
        provider.create(req(amount=15000))
    assert info.value.gateway_status == "settlement"
    assert str(info.value).startswith(ORDER_ID_USED_MESSAGE)
    assert "the gateway reports it settlement — check the Midtrans dashboard" in str(info.value)
    assert len(fake.orders) == 1 and fake.orders[ORDER].amount == 20000


@pytest.mark.parametrize(
    "reply",
    [
        Reply(400, {"error": "order_id already used"}),
        Reply(409, {"message": "Conflict"}),
        Reply(400, {"error_messages": ["transaction_details.order_id has already been taken"]}),
        Reply(
            500,
            {
                "error": "Midtrans API is returning API error. HTTP status code: `400`. "
                "API response: "
                '`{"error_messages":["transaction_details.order_id sudah digunakan"]}`'
            },
        ),
    ],
)
def test_duplicate_wordings_and_codes(
    provider: MidtransProvider, fake: MidtransFake, reply: Reply
) -> None:
    provider.create(req())
    fake.duplicate_reply = reply
    with pytest.raises(OrderIdUsed, match="order id already used at the gateway"):
        provider.create(req())


def test_unworded_400_for_a_known_transaction_is_order_id_used(
    provider: MidtransProvider, fake: MidtransFake
) -> None:
    provider.create(req())
    fake.choose_method(ORDER)
    fake.duplicate_reply = Reply(400, {"error": "Bad Request"})
    with pytest.raises(OrderIdUsed) as info:
        provider.create(req())
    assert info.value.gateway_status == "pending"


def test_other_400_is_a_plain_rejection_with_the_middlewares_words(
    provider: MidtransProvider, fake: MidtransFake
) -> None:
    fake.inject(
        Fault.status(400, body={"error": f"amount harus berupa angka (key {fake.api_key})"}),
        path="/charge",
    )
    with pytest.raises(Rejected) as info:
        provider.create(req())
    assert not isinstance(info.value, OrderIdUsed)
    assert str(info.value).startswith("midtrans POST /charge: HTTP 400: amount harus berupa angka")
    assert_clean(str(info.value), fake)  # the key the middleware echoed is masked


def test_refusal_then_status_unreachable_is_transient(
    provider: MidtransProvider, fake: MidtransFake
) -> None:
    provider.create(req())
    fake.inject(Fault.status(503), path="/status/")
    with pytest.raises(TransientError):  # the engine retries; the next try ends in OrderIdUsed
        provider.create(req())
    with pytest.raises(OrderIdUsed):
        provider.create(req())
    assert len(fake.orders) == 1


# -- credentials --------------------------------------------------------------------------
@pytest.mark.parametrize("field", ["app_code", "api_key"])
def test_wrong_credentials_are_auth_expired(
    make: Callable[..., MidtransProvider], fake: MidtransFake, field: str
) -> None:
    wrong_key = "wrong-" + fake.api_key
    provider = make(**{field: wrong_key if field == "api_key" else "other-app"})
    for call in (
        lambda: provider.create(req()),
        lambda: provider.check(ref(req())),
        provider.test_connection,
    ):
        with pytest.raises(AuthExpired) as info:
            call()
        assert str(info.value) == AUTH_MESSAGE.format(status=401)
        assert (
            str(info.value) == "midtrans: app code or API key refused (HTTP 401) — check Settings"
        )
        assert wrong_key not in str(info.value)
        assert_clean(str(info.value), fake)
    assert fake.auth_failures == 3 and fake.orders == {}


def test_403_is_auth_expired_too(provider: MidtransProvider, fake: MidtransFake) -> None:
    fake.inject(Fault.status(403), path="/status/")
    with pytest.raises(AuthExpired, match=r"refused \(HTTP 403\)"):
        provider.check(ref(req()))


# -- test_connection, cancel, close, threads ----------------------------------------------
def test_test_connection(provider: MidtransProvider, fake: MidtransFake) -> None:
    assert (
        provider.test_connection()
        == f"midtrans: connected to the middleware as app {fake.app_code}"
    )
    probe = fake.requests_to("/status/")[0]
    assert probe.path.startswith("/status/pos-app-connection-test-")
    assert fake.orders == {}


def test_test_connection_unreachable_is_transient() -> None:
    gone = MidtransFake()
    base_url = gone.start()
    gone.stop()
    provider = MidtransProvider(
        {"base_url": base_url, "app_code": "a", "api_key": "k"}, timeout=1.0
    )
    try:
        with pytest.raises(TransientError, match="cannot connect"):
            provider.test_connection()
    finally:
        provider.close()


def test_cancel_is_a_no_op(provider: MidtransProvider, fake: MidtransFake) -> None:
    request, invoice = created(provider, fake)
    assert provider.cancel(ref(request, invoice)) is None
    assert len(fake.requests) == 1  # just the charge: the seed has no cancel endpoint
    assert fake.orders[ORDER].status is None


def test_concurrent_creates_and_checks(provider: MidtransProvider, fake: MidtransFake) -> None:
    errors: list[BaseException] = []

    def sale(i: int) -> None:
        try:
            request = req(f"K1-20261127-{i:04d}", amount=1000 + i)
            invoice = provider.create(request)
            fake.settle(request.order_id)
            result = provider.check(ref(request, invoice))
            assert (result.status, result.paid_amount) == (RemoteStatus.PAID, 1000 + i)
        except BaseException as exc:  # collected for the main thread
            errors.append(exc)

    threads = [threading.Thread(target=sale, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(fake.orders) == 12


def test_close_releases_the_client(make: Callable[..., MidtransProvider]) -> None:
    provider = make()
    provider.close()
    with pytest.raises(RuntimeError):
        provider.create(req())


# -- the fake's own control API -----------------------------------------------------------
def test_fake_auto_settle_and_unknown_paths(provider: MidtransProvider, fake: MidtransFake) -> None:
    fake.auto_settle_after_s = 0.0
    request, invoice = created(provider, fake)
    assert provider.check(ref(request, invoice)).status is RemoteStatus.PAID
    with pytest.raises(KeyError):
        fake.settle("no-such-order")
    assert fake.order_by_token(invoice.provider_ref or "") is fake.orders[ORDER]


def test_fake_refuses_items_that_do_not_add_up(fake: MidtransFake) -> None:
    import httpx

    r = httpx.post(
        f"{fake.base_url}/charge",
        headers={"X-App-Code": fake.app_code, "X-Api-Key": fake.api_key},
        json={
            "order_id": "X1",
            "amount": 100,
            "item_details": [{"id": "a", "price": 50, "quantity": 1}],
        },
    )
    assert r.status_code == 400 and fake.orders == {}
