"""The ``pakasir`` adapter against its loopback fake (real HTTP on 127.0.0.1).

Covers the common provider list (happy path, expiry, transient faults on create followed by a
retry that leaves ONE transaction, wrong credentials, malformed answers never "paid") and every
SPEC.md section 5 point for Pakasir: four statuses with both cancel spellings, nanosecond
``expired_at``, the API key kept out of messages and logs, the unsigned webhook as a mere hint,
cancel through ``/api/transactioncancel``, and the fee taken from the answer, never computed.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote, quote_plus

import pytest

from pos_app import qris
from pos_app.clock import utcnow
from sync.providers.base import (
    AuthExpired,
    BadResponse,
    ConfigMissing,
    Confirmation,
    CreateRequest,
    Invoice,
    PaymentRef,
    ProviderError,
    Rejected,
    RemoteStatus,
    TransientError,
)
from sync.providers.pakasir.adapter import PakasirProvider, parse_pakasir_time
from sync.providers.simulator.adapter import DEMO_STATIC_QRIS
from tests.fakes.pakasir import DEFAULT_API_KEY, DEFAULT_PROJECT, PakasirFake, format_ns, seed_fee
from tests.fakes.server import Fault
from tests.waiting import WAIT_S

WIB = timezone(timedelta(hours=7))
CREATE = "/api/transactioncreate/qris"
DETAIL = "/api/transactiondetail"
CANCEL = "/api/transactioncancel"


# -- fixtures & helpers ---------------------------------------------------------------------
@pytest.fixture
def fake() -> Iterator[PakasirFake]:
    f = PakasirFake()
    f.start()
    yield f
    f.stop()


def make_provider(fake: PakasirFake, *, api_key: str = DEFAULT_API_KEY,
                  project: str = DEFAULT_PROJECT, timeout: float = 10.0) -> PakasirProvider:
    return PakasirProvider({"base_url": fake.base_url, "project": project, "api_key": api_key},
                           timeout=timeout)


@pytest.fixture
def provider(fake: PakasirFake) -> Iterator[PakasirProvider]:
    p = make_provider(fake)
    yield p
    p.close()


def a_request(amount: int = 99000, ttl_s: int = 600) -> CreateRequest:
    return CreateRequest(order_id=f"K1-{uuid.uuid4().hex[:10].upper()}",
                         payment_id=uuid.uuid4().hex, amount=amount, ttl_s=ttl_s,
                         created_at=utcnow())


def ref_of(req: CreateRequest, inv: Invoice) -> PaymentRef:
    return PaymentRef(order_id=req.order_id, payment_id=req.payment_id, amount=req.amount,
                      payable_amount=inv.payable_amount, created_at=req.created_at,
                      expires_at=inv.expires_at, provider_ref=inv.provider_ref, qris=inv.qris)


def good_payment(req: CreateRequest, **changes) -> dict:
    """A well-formed create answer (for injected answers that differ in one field)."""
    total = req.amount + 1003
    payment = {
        "project": DEFAULT_PROJECT, "order_id": req.order_id, "amount": req.amount, "fee": 1003,
        "total_payment": total, "payment_method": "qris",
        "payment_number": qris.to_dynamic(DEMO_STATIC_QRIS, total),
        "expired_at": "2099-12-28T01:18:49.678123456Z",
    }
    payment.update(changes)
    return {"payment": payment}


def good_detail(ref: PaymentRef, **changes) -> dict:
    tx = {"amount": ref.amount, "order_id": ref.order_id, "project": DEFAULT_PROJECT,
          "status": "completed", "payment_method": "qris",
          "completed_at": "2024-12-28T08:07:02.819+07:00"}
    tx.update(changes)
    return {"transaction": tx}


# -- class contract & config ------------------------------------------------------------------
def test_class_attributes() -> None:
    assert PakasirProvider.name == "pakasir"
    assert PakasirProvider.confirmation is Confirmation.POLL
    assert PakasirProvider.min_poll_interval_s == 0.5  # limit: per project
    assert PakasirProvider.local_create is False
    assert PakasirProvider.max_creates_per_minute == 100


def test_missing_config_names_the_keys() -> None:
    with pytest.raises(ConfigMissing) as info:
        PakasirProvider({"base_url": "https://app.pakasir.com", "project": " ", "api_key": None})
    assert info.value.keys == ["providers.pakasir.project", "providers.pakasir.api_key"]
    assert "providers.pakasir.api_key" in str(info.value)


def test_base_url_defaults_to_pakasir() -> None:
    p = PakasirProvider({"project": "x", "api_key": "k" * 20})
    try:
        assert p.base_url == "https://app.pakasir.com"
        assert "k" * 20 not in repr(p)
    finally:
        p.close()


# -- happy path ------------------------------------------------------------------------------
def test_happy_path_create_poll_paid(fake: PakasirFake, provider: PakasirProvider) -> None:
    req = a_request(99000)
    inv = provider.create(req)

    body = fake.requests_to(CREATE)[0].json
    assert body == {"project": DEFAULT_PROJECT, "order_id": req.order_id, "amount": 99000,
                    "api_key": DEFAULT_API_KEY}
    tx = fake.transaction(req.order_id)
    assert inv.payable_amount == tx.total_payment == 99000 + seed_fee(99000)
    assert inv.qris == tx.payment_number
    assert qris.parse(inv.qris).amount == inv.payable_amount
    assert inv.provider_ref == req.order_id
    assert inv.extra["fee"] == tx.fee
    assert inv.expires_at.tzinfo is not None

    ref = ref_of(req, inv)
    pending = provider.check(ref)
    assert pending.status is RemoteStatus.PENDING and pending.paid_amount is None

    fake.complete(req.order_id)
    paid = provider.check(ref)
    assert paid.status is RemoteStatus.PAID
    assert paid.paid_amount == inv.payable_amount  # the total the customer paid, fee included
    assert paid.provider_ref == req.order_id
    assert paid.paid_at is not None and paid.paid_at.utcoffset() == timedelta(0)
    completed_ns = fake.transaction(req.order_id).completed_ns
    assert abs(paid.paid_at.timestamp() - completed_ns / 1e9) < 0.001


def test_detail_is_queried_with_the_original_amount(
    fake: PakasirFake, provider: PakasirProvider
) -> None:
    req = a_request(50000)
    inv = provider.create(req)
    assert inv.payable_amount > 50000
    provider.check(ref_of(req, inv))
    query = fake.requests_to(DETAIL)[-1].query
    assert query == {"project": DEFAULT_PROJECT, "amount": "50000", "order_id": req.order_id,
                     "api_key": DEFAULT_API_KEY}
    # The fake only knows the transaction under its original amount: asking with the total fails.
    wrong = PaymentRef(req.order_id, req.payment_id, inv.payable_amount, inv.payable_amount,
                       req.created_at, inv.expires_at)
    with pytest.raises(BadResponse, match="does not know order"):
        provider.check(wrong)


# -- the fee comes from the answer -----------------------------------------------------------------
@pytest.mark.parametrize("fee", [lambda a: 1234, lambda a: 0, lambda a: a // 10])
def test_fee_is_taken_from_the_answer_not_computed(fee) -> None:
    f = PakasirFake(fee=fee)
    f.start()
    p = make_provider(f)
    try:
        req = a_request(20000)
        inv = p.create(req)
        assert inv.payable_amount == 20000 + fee(20000)
        assert inv.payable_amount != 20000 + seed_fee(20000) or fee(20000) == seed_fee(20000)
        assert qris.parse(inv.qris).amount == inv.payable_amount
        f.complete(req.order_id)
        assert p.check(ref_of(req, inv)).paid_amount == 20000 + fee(20000)
    finally:
        p.close()
        f.stop()


# -- expiry, nanoseconds ---------------------------------------------------------------------
def test_expiry_on_pakasir_side(fake: PakasirFake, provider: PakasirProvider) -> None:
    req = a_request()
    ref = ref_of(req, provider.create(req))
    fake.advance(fake.ttl_s + 1)  # Pakasir's own expiry passed
    assert provider.check(ref).status is RemoteStatus.EXPIRED

    req2 = a_request()
    ref2 = ref_of(req2, provider.create(req2))
    fake.expire(req2.order_id)
    assert provider.check(ref2).status is RemoteStatus.EXPIRED


def test_payment_after_expiry_is_still_reported_paid(
    fake: PakasirFake, provider: PakasirProvider
) -> None:
    """A customer paying from a screenshot: the engine keeps checking after expiry (late watch)."""
    req = a_request()
    ref = ref_of(req, provider.create(req))
    fake.advance(fake.ttl_s + 60)
    assert provider.check(ref).status is RemoteStatus.EXPIRED
    fake.complete(req.order_id)
    late = provider.check(ref)
    assert late.status is RemoteStatus.PAID and late.paid_amount == ref.payable_amount


@pytest.mark.parametrize("offset", [UTC, WIB])
def test_nanosecond_expired_at(offset: timezone) -> None:
    f = PakasirFake(ttl_s=300, expiry_offset=offset)
    f.start()
    p = make_provider(f)
    try:
        req = a_request(ttl_s=3600)  # our TTL is longer: Pakasir's expiry wins
        inv = p.create(req)
        tx = f.transaction(req.order_id)
        wire = format_ns(tx.expired_ns, offset)  # exactly what the fake sent as expired_at
        fraction = wire.split(".")[1]
        assert len(fraction.rstrip("Z").split("+")[0]) == 9
        assert wire.endswith("Z" if offset is UTC else "+07:00")
        assert inv.expires_at.utcoffset() == timedelta(0)
        # truncated to microseconds, never rounded up past Pakasir's own expiry
        assert int(inv.expires_at.timestamp()) == tx.expired_ns // 1_000_000_000
        assert inv.expires_at.microsecond == (tx.expired_ns // 1000) % 1_000_000
        assert parse_pakasir_time(inv.extra["pakasir_expired_at"]) == inv.expires_at
    finally:
        p.close()
        f.stop()


def test_local_ttl_caps_expiry(fake: PakasirFake, provider: PakasirProvider) -> None:
    req = a_request(ttl_s=120)  # the fake's own expiry is 30 min away
    inv = provider.create(req)
    assert inv.expires_at == req.created_at + timedelta(seconds=120)
    # a retry later in the QR's life keeps the same end (ttl_s counts from created_at)
    assert provider.create(req).expires_at == inv.expires_at
    pakasir_expiry = parse_pakasir_time(inv.extra["pakasir_expired_at"])
    assert pakasir_expiry > inv.expires_at + timedelta(minutes=20)


@pytest.mark.parametrize("text, expected", [
    ("2024-12-28T01:18:49.678Z", datetime(2024, 12, 28, 1, 18, 49, 678000, UTC)),
    ("2024-12-28T01:18:49.678123456Z", datetime(2024, 12, 28, 1, 18, 49, 678123, UTC)),
    ("2024-12-28T01:18:49.999999999Z", datetime(2024, 12, 28, 1, 18, 49, 999999, UTC)),
    ("2024-12-28T08:18:49.678123456+07:00",
     datetime(2024, 12, 28, 1, 18, 49, 678123, UTC)),
    ("2024-12-28T08:07:02.819+07:00", datetime(2024, 12, 28, 1, 7, 2, 819000, UTC)),
    ("2024-12-28T08:07:02+0700", datetime(2024, 12, 28, 1, 7, 2, tzinfo=UTC)),
    ("2024-12-28T01:18:49.6Z", datetime(2024, 12, 28, 1, 18, 49, 600000, UTC)),
    ("2024-12-28 08:07:02", datetime(2024, 12, 28, 1, 7, 2, tzinfo=UTC)),  # no zone = WIB
])
def test_parse_pakasir_time(text: str, expected: datetime) -> None:
    parsed = parse_pakasir_time(text)
    assert parsed == expected and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize("text", ["", "yesterday", "2024-13-28T01:18:49Z", "2024-12-28T01:18:49.Z",
                                  "2024-12-28T01:18:49Zjunk", 1735348729])
def test_parse_pakasir_time_rejects_garbage(text) -> None:
    with pytest.raises(ValueError):
        parse_pakasir_time(text)


# -- statuses ----------------------------------------------------------------------------------
@pytest.mark.parametrize("spelling", ["cancelled", "canceled"])
def test_both_cancel_spellings(spelling: str) -> None:
    f = PakasirFake(cancel_spelling=spelling)
    f.start()
    p = make_provider(f)
    try:
        req = a_request()
        ref = ref_of(req, p.create(req))
        f.cancel(req.order_id)
        assert f.transaction(req.order_id).status == spelling
        result = p.check(ref)
        assert result.status is RemoteStatus.CANCELLED
        assert result.paid_amount is None
    finally:
        p.close()
        f.stop()


@pytest.mark.parametrize("status", ["paid", "success", "COMPLETE", "", None, 1, "settlement"])
def test_unknown_status_is_bad_response_never_paid(
    fake: PakasirFake, provider: PakasirProvider, status
) -> None:
    req = a_request()
    ref = ref_of(req, provider.create(req))
    fake.inject(Fault.status(200, body=good_detail(ref, status=status)), path=DETAIL)
    with pytest.raises(BadResponse, match="unknown transaction status"):
        provider.check(ref)


# -- cancel -----------------------------------------------------------------------------------
def test_cashier_cancel_posts_transactioncancel(
    fake: PakasirFake, provider: PakasirProvider
) -> None:
    req = a_request(45000)
    ref = ref_of(req, provider.create(req))
    provider.cancel(ref)
    calls = fake.requests_to(CANCEL, "POST")
    assert len(calls) == 1
    assert calls[0].json == {"project": DEFAULT_PROJECT, "order_id": req.order_id, "amount": 45000,
                             "api_key": DEFAULT_API_KEY}
    assert fake.transaction(req.order_id).status == "cancelled"
    assert provider.check(ref).status is RemoteStatus.CANCELLED
    provider.cancel(ref)  # a repeated cancel (outbox retry) is fine
    assert len(fake.requests_to(CANCEL)) == 2


def test_cancel_of_a_completed_transaction_is_refused_loudly(
    fake: PakasirFake, provider: PakasirProvider
) -> None:
    req = a_request()
    ref = ref_of(req, provider.create(req))
    fake.complete(req.order_id)
    with pytest.raises(Rejected, match=rf"order {req.order_id} is already paid"):
        provider.cancel(ref)
    assert fake.transaction(req.order_id).status == "completed"
    assert provider.check(ref).status is RemoteStatus.PAID


def test_cancel_answer_saying_completed_is_refused(
    fake: PakasirFake, provider: PakasirProvider
) -> None:
    req = a_request()
    ref = ref_of(req, provider.create(req))
    answer = {"transaction": {"order_id": req.order_id, "status": "completed"}}
    fake.inject(Fault.status(200, body=answer), path=CANCEL)
    with pytest.raises(Rejected, match="already paid"):
        provider.cancel(ref)


def test_cancel_of_an_expired_transaction_is_done(
    fake: PakasirFake, provider: PakasirProvider
) -> None:
    req = a_request()
    ref = ref_of(req, provider.create(req))
    fake.expire(req.order_id)
    provider.cancel(ref)  # nothing payable any more: no error
    assert fake.transaction(req.order_id).status == "expired"


def test_cancel_transient_and_unknown(fake: PakasirFake, provider: PakasirProvider) -> None:
    req = a_request()
    ref = ref_of(req, provider.create(req))
    fake.inject(Fault.status(503), path=CANCEL)
    with pytest.raises(TransientError):
        provider.cancel(ref)
    unknown = PaymentRef("K1-NOPE", "x", 1000, 1500, req.created_at, ref.expires_at)
    with pytest.raises(Rejected, match="refused .HTTP 404.: Transaction not found"):
        provider.cancel(unknown)


# -- transient faults on create, then ONE transaction --------------------------------------------
@pytest.mark.parametrize("fault, expected", [
    (Fault.status(500), "HTTP 500"),
    (Fault.status(502, body=b"<html>Bad Gateway</html>"), "HTTP 502"),
    (Fault.hang(5.0), "timed out"),
    (Fault.drop(), "cannot connect"),
    (Fault.status(429, headers={"Retry-After": "1"}, body={"error": "Too many requests"}),
     "rate limited"),
], ids=["500", "502-html", "hang", "drop", "429"])
def test_transient_create_fault_then_retry_makes_one_transaction(fake: PakasirFake, fault: Fault,
                                                                 expected: str) -> None:
    # A short client timeout only where the fault is a hang, and even there long enough that
    # the retry does not time out on a loaded machine.
    p = make_provider(fake, timeout=2.0 if fault.kind == "hang" else 10.0)
    try:
        req = a_request()
        fake.inject(fault, path=CREATE)
        with pytest.raises(TransientError, match=expected) as info:
            p.create(req)
        assert info.value.retryable
        if fault.status == 429 and fault.kind == "status":
            assert info.value.retry_after_s == 1.0
        inv = p.create(req)  # the engine retries with the SAME request
        assert fake.counters["created"] == 1
        assert len(fake.transactions) == 1
        tx = fake.transaction(req.order_id)
        assert inv.payable_amount == tx.total_payment and inv.qris == tx.payment_number
        assert len(fake.requests_to(CREATE)) == 2
    finally:
        p.close()


def test_retried_create_is_idempotent_by_order_id(
    fake: PakasirFake, provider: PakasirProvider
) -> None:
    req = a_request()
    first = provider.create(req)
    second = provider.create(req)
    assert (first.payable_amount, first.qris, first.provider_ref) == \
        (second.payable_amount, second.qris, second.provider_ref)
    assert fake.transaction(req.order_id).create_calls == 2
    assert fake.counters["created"] == 1
    clash = CreateRequest(req.order_id, req.payment_id, req.amount + 1, req.ttl_s, req.created_at)
    with pytest.raises(Rejected, match="different amount"):
        provider.create(clash)


# -- rate limits ---------------------------------------------------------------------------------
def test_fake_rate_limit_answers_429(fake: PakasirFake, provider: PakasirProvider) -> None:
    fake.creates_per_minute = 2
    provider.create(a_request())
    provider.create(a_request())
    with pytest.raises(TransientError, match="rate limited") as info:
        provider.create(a_request())
    assert info.value.retry_after_s and 0 < info.value.retry_after_s <= 61
    assert fake.counters["rate_limited"] == 1


def test_adapter_holds_back_before_pakasirs_limit(
    fake: PakasirFake, provider: PakasirProvider
) -> None:
    provider.max_creates_per_minute = 2  # instance override of the class's 100
    provider.create(a_request())
    provider.create(a_request())
    with pytest.raises(TransientError, match="more than 2 transactions a minute") as info:
        provider.create(a_request())
    assert info.value.retry_after_s and 55 < info.value.retry_after_s <= 60
    assert len(fake.requests_to(CREATE)) == 2  # the third never left


# -- credentials -----------------------------------------------------------------------------------
@pytest.mark.parametrize("auth_status", [400, 401])
@pytest.mark.parametrize("which", ["api_key", "project"])
def test_wrong_credentials(auth_status: int, which: str) -> None:
    f = PakasirFake(auth_error_status=auth_status)
    f.start()
    bad_key = "pk_live_WRONGwrongWRONG99"
    kwargs = {"api_key": bad_key} if which == "api_key" else {"project": "not-my-shop"}
    p = make_provider(f, **kwargs)
    try:
        req = a_request()
        with pytest.raises(AuthExpired) as info:
            p.create(req)
        message = str(info.value)
        assert "Invalid project or api key" in message
        if auth_status == 400:
            assert "providers.pakasir.api_key" in message
        else:
            assert "credentials refused (HTTP 401)" in message
        assert bad_key not in message and DEFAULT_API_KEY not in message
        ref = PaymentRef(req.order_id, req.payment_id, req.amount, req.amount, req.created_at,
                         utcnow())
        with pytest.raises(AuthExpired):
            p.check(ref)
        with pytest.raises(AuthExpired):
            p.test_connection()
    finally:
        p.close()
        f.stop()


# -- malformed answers: BadResponse, never PAID ---------------------------------------------
CREATE_SURPRISES = {
    "no payment": ({"data": {}}, "no 'payment' object"),
    "payment not object": ({"payment": "ok"}, "no 'payment' object"),
    "total is not amount+fee": ({"total_payment": 99000 + 1000},
                                r"is not amount 99000 \+ fee 1003"),
    "fee float": ({"fee": 1003.0}, "'fee' is not a whole number"),
    "amount string": ({"amount": "99000"}, "'amount' is not a whole number"),
    "total missing": ({"total_payment": None}, "'total_payment' is not a whole number"),
    "amount changed": ({"amount": 98000, "total_payment": 99003}, "amount 98000 differs"),
    "negative fee": ({"fee": -5, "total_payment": 98995}, "negative fee"),
    "order id": ({"order_id": "K1-SOMEONE-ELSE"}, "answer is for order 'K1-SOMEONE-ELSE'"),
    "project": ({"project": "other-shop"}, "another project"),
    "method": ({"payment_method": "bni_va"}, "payment_method is 'bni_va'"),
    "no qris": ({"payment_number": ""}, "payment_number' .the QRIS. is missing"),
    "bad qris crc": ({"payment_number": qris.to_dynamic(DEMO_STATIC_QRIS, 100003)[:-4] + "0000"},
                     "not a valid QRIS"),
    "qris not qris": ({"payment_number": "8808123456789"}, "not a valid QRIS"),
    "qris amount": ({"payment_number": qris.to_dynamic(DEMO_STATIC_QRIS, 99000)},
                    "QRIS asks for 99000"),
    "expiry garbage": ({"expired_at": "tomorrow"}, "bad expired_at"),
    "expiry missing": ({"expired_at": None}, "bad expired_at"),
}


@pytest.mark.parametrize("case", list(CREATE_SURPRISES), ids=list(CREATE_SURPRISES))
def test_surprising_create_answers(fake: PakasirFake, provider: PakasirProvider, case: str) -> None:
    req = a_request(99000)
    changes, expected = CREATE_SURPRISES[case]
    whole_body = "payment" in changes or "data" in changes
    body = changes if whole_body else good_payment(req, **changes)
    fake.inject(Fault.status(200, body=body), path=CREATE)
    with pytest.raises(BadResponse, match=expected):
        provider.create(req)


def test_the_good_injected_create_answer_passes(
    fake: PakasirFake, provider: PakasirProvider
) -> None:
    """The baseline of the table above: without the one changed field, the answer is accepted."""
    req = a_request(99000)
    fake.inject(Fault.status(200, body=good_payment(req)), path=CREATE)
    inv = provider.create(req)
    assert inv.payable_amount == 100003


def test_create_not_json(fake: PakasirFake, provider: PakasirProvider) -> None:
    fake.inject(Fault.malformed(), path=CREATE)
    with pytest.raises(BadResponse, match="not JSON"):
        provider.create(a_request())


def test_create_error_answer_is_rejected_with_the_text(
    fake: PakasirFake, provider: PakasirProvider
) -> None:
    req = a_request()
    fake.inject(Fault.status(400, body={"error": "Amount below minimum", "code": 400}), path=CREATE)
    with pytest.raises(Rejected, match=r"refused \(HTTP 400\): Amount below minimum") as info:
        provider.create(req)
    assert not info.value.retryable
    # the same in a 200 (some gateways do that)
    fake.inject(Fault.status(200, body={"error": "Amount below minimum", "code": 400}), path=CREATE)
    with pytest.raises(Rejected, match="Amount below minimum"):
        provider.create(req)


DETAIL_SURPRISES = {
    "no transaction": (lambda ref: {"data": None}, "no 'transaction' object"),
    "amount is the total": (lambda ref: good_detail(ref, amount=ref.payable_amount),
                            "differs from the order's"),
    "amount string": (lambda ref: good_detail(ref, amount=str(ref.amount)),
                      "'amount' is not a whole number"),
    "amount missing": (lambda ref: good_detail(ref, amount=None), "'amount' is not a whole number"),
    "other order": (lambda ref: good_detail(ref, order_id="K1-OTHER"),
                    "answer is for order 'K1-OTHER'"),
    "other project": (lambda ref: good_detail(ref, project="other"), "another project"),
    "method": (lambda ref: good_detail(ref, payment_method="ovo"), "payment_method is 'ovo'"),
    "completed_at": (lambda ref: good_detail(ref, completed_at="soon"), "bad completed_at"),
}


@pytest.mark.parametrize("case", list(DETAIL_SURPRISES), ids=list(DETAIL_SURPRISES))
def test_surprising_detail_answers_never_paid(
    fake: PakasirFake, provider: PakasirProvider, case: str
) -> None:
    req = a_request()
    ref = ref_of(req, provider.create(req))
    fake.complete(req.order_id)  # even when it IS paid, a surprising answer is not taken as proof
    build, expected = DETAIL_SURPRISES[case]
    fake.inject(Fault.status(200, body=build(ref)), path=DETAIL)
    with pytest.raises(BadResponse, match=expected):
        provider.check(ref)
    assert provider.check(ref).status is RemoteStatus.PAID  # the real answer afterwards


def test_the_good_injected_detail_answer_passes(
    fake: PakasirFake, provider: PakasirProvider
) -> None:
    req = a_request()
    ref = ref_of(req, provider.create(req))
    fake.inject(Fault.status(200, body=good_detail(ref)), path=DETAIL)
    result = provider.check(ref)
    assert result.status is RemoteStatus.PAID
    assert result.paid_at == datetime(2024, 12, 28, 1, 7, 2, 819000, UTC)


@pytest.mark.parametrize("fault, error, expected", [
    (Fault.malformed(), BadResponse, "not JSON"),
    (Fault.status(500), TransientError, "HTTP 500"),
    (Fault.status(429, headers={"Retry-After": "3"}), TransientError, "rate limited"),
    (Fault.status(400, body={"error": "Bad request", "code": 400}), Rejected, "Bad request"),
])
def test_detail_faults(
    fake: PakasirFake, provider: PakasirProvider, fault, error, expected
) -> None:
    req = a_request()
    ref = ref_of(req, provider.create(req))
    fake.inject(fault, path=DETAIL)
    with pytest.raises(error, match=expected):
        provider.check(ref)


# -- the API key stays secret ------------------------------------------------------------------
def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def test_api_key_never_in_messages_or_logs(
    fake: PakasirFake, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "pk/Zx+81=TqB3nQe7Yv&W2"  # needs URL encoding, to catch the encoded form too
    fake.projects[DEFAULT_PROJECT] = secret
    for name in ("sync", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    p = make_provider(fake, api_key=secret, timeout=2.0)  # the good calls must not time out
    errors: list[BaseException] = []

    def attempt(call) -> None:
        try:
            call()
        except ProviderError as exc:
            errors.append(exc)

    try:
        req = a_request()
        ref = ref_of(req, p.create(req))
        p.check(ref)  # a successful GET: httpx logs the full URL, query string included
        echo = {"error": f"Invalid api_key {secret} for project", "code": 400}
        for path in (CREATE, DETAIL, CANCEL):
            for fault in (Fault.status(500), Fault.hang(5.0), Fault.status(400, body=echo),
                          Fault.status(401, body=echo),
                          Fault.malformed(f"<p>{secret}</p>".encode()),
                          Fault.malformed(f"api_key={secret}".encode()), Fault.drop(),
                          Fault.status(200, body={"payment": {"order_id": secret}, "transaction":
                                                  {"order_id": secret, "status": secret}})):
                fake.inject(fault, path=path)
                call = {CREATE: lambda: p.create(a_request()), DETAIL: lambda: p.check(ref),
                        CANCEL: lambda: p.cancel(ref)}[path]
                attempt(call)
        fake.inject(Fault.status(400, body=echo), path=DETAIL)
        attempt(p.test_connection)
    finally:
        p.close()

    assert len(errors) >= 20  # every forced error really raised
    forms = {secret, quote(secret, safe=""), quote_plus(secret, safe="")}
    for exc in errors:
        for link in _chain(exc):
            text = f"{link} {link!r} {link.args!r}"
            assert not any(f in text for f in forms), f"secret in {type(link).__name__}: {text}"
            assert "?" not in str(link)  # no URL with a query string
    assert any(r.name == "httpx" and DETAIL in r.getMessage() for r in caplog.records), \
        "httpx request logging was not captured; the check below would prove nothing"
    for record in caplog.records:
        message = record.getMessage()
        assert not any(f in message for f in forms), f"secret in {record.name}: {message}"
    assert not any(f in caplog.text for f in forms)


# -- webhook: only a hint -------------------------------------------------------------------------
def test_forged_completed_webhook_is_only_a_hint(
    fake: PakasirFake, provider: PakasirProvider
) -> None:
    req = a_request()
    ref = ref_of(req, provider.create(req))
    forged = fake.webhook_body(req.order_id, status="completed")
    assert json.loads(forged)["status"] == "completed"
    assert provider.parse_webhook(forged) == req.order_id
    # Acting on the hint means asking Pakasir, which says: not paid.
    assert provider.check(ref).status is RemoteStatus.PENDING
    assert fake.transaction(req.order_id).status == "pending"
    fake.complete(req.order_id)
    assert provider.parse_webhook(fake.webhook_body(req.order_id)) == req.order_id
    assert provider.check(ref).status is RemoteStatus.PAID


def test_webhook_returns_only_the_order_id(provider: PakasirProvider) -> None:
    body = json.dumps({"amount": 99000, "order_id": "K1-A", "project": DEFAULT_PROJECT,
                       "status": "completed", "payment_method": "qris",
                       "completed_at": "2024-12-28T08:07:02.819+07:00",
                       "metadata": {"telegram_id": 1}}).encode()
    assert provider.parse_webhook(body) == "K1-A"
    assert provider.parse_webhook(body.replace(b'"completed"', b'"pending"')) == "K1-A"


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'"K1-A"', b'{"status": "completed"}',
                                  b'{"order_id": 12}', b'{"order_id": "  "}',
                                  b'{"order_id": "K1-A", "project": "someone-else"}', b"\xff\xfe"])
def test_webhook_garbage_is_ignored(provider: PakasirProvider, body: bytes) -> None:
    assert provider.parse_webhook(body) is None


# -- connection test --------------------------------------------------------------------------
def test_connection_test(fake: PakasirFake, provider: PakasirProvider) -> None:
    text = provider.test_connection()
    assert "credentials accepted" in text and DEFAULT_PROJECT in text
    assert DEFAULT_API_KEY not in text
    probe = fake.requests_to(DETAIL)[-1].query
    assert probe["order_id"].startswith("POSAPP-PING-") and probe["api_key"] == DEFAULT_API_KEY
    fake.inject(Fault.status(503), path=DETAIL)
    with pytest.raises(TransientError):
        provider.test_connection()
    fake.inject(Fault.status(200, body={"hello": "world"}), path=DETAIL)
    with pytest.raises(BadResponse, match="unexpected answer"):
        provider.test_connection()


# -- threads ------------------------------------------------------------------------------------
def test_concurrent_creates_and_checks(fake: PakasirFake, provider: PakasirProvider) -> None:
    requests = [a_request(10000 + i) for i in range(12)]
    results: dict[str, Invoice] = {}
    failures: list[BaseException] = []

    def work(req: CreateRequest) -> None:
        try:
            inv = provider.create(req)
            results[req.order_id] = inv
            provider.check(ref_of(req, inv))
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(r,)) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT_S)
    assert not any(t.is_alive() for t in threads), "a create/check still runs"
    assert not failures
    assert len(results) == 12 and fake.counters["created"] == 12
    for req in requests:
        assert results[req.order_id].payable_amount == fake.transaction(req.order_id).total_payment
