"""``soundbox_platform`` (seed 004) against its loopback fake: dynamic QR with an idempotency key,
payment notifications through heartbeat commands and their acks, the error model, provisioning."""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import pos_app
from pos_app import qris
from sync.providers.base import (
    AuthExpired,
    BadResponse,
    ConfigMissing,
    Confirmation,
    CreateRequest,
    FeedItem,
    Invoice,
    LoginFailed,
    PaymentRef,
    Rejected,
    RemoteStatus,
    StatusResult,
    TransientError,
)
from sync.providers.simulator.adapter import DEMO_STATIC_QRIS
from sync.providers.soundbox_platform.adapter import (
    SEEN_COMMANDS,
    Activation,
    SoundboxPlatformProvider,
    activate,
)
from tests.fakes.server import Fault
from tests.fakes.soundbox_platform import (
    ACTIVATION_CODE,
    DEVICE_ID,
    DEVICE_TOKEN,
    TERMINAL_ID,
    SoundboxPlatformFake,
    error_body,
)

CREATE = "/device/transactions/dynamic-qr"
HEARTBEAT = "/device/heartbeat"
ACK = "/device/commands/ack"


# -- fixtures -----------------------------------------------------------------------------
@pytest.fixture
def fake():
    f = SoundboxPlatformFake()
    f.start()
    yield f
    f.stop()


def make_provider(
    fake: SoundboxPlatformFake, *, timeout: float = 10.0, **overrides: Any
) -> SoundboxPlatformProvider:
    config = {**fake.config(), **overrides}
    return SoundboxPlatformProvider(config, timeout=timeout)


@pytest.fixture
def provider(fake: SoundboxPlatformFake):
    p = make_provider(fake)
    yield p
    p.close()


def create_request(amount: int = 50000, *, ttl_s: int = 300) -> CreateRequest:
    payment_id = str(uuid.uuid4())
    return CreateRequest(
        order_id="K1-20261127-0001",
        payment_id=payment_id,
        amount=amount,
        ttl_s=ttl_s,
        created_at=datetime.now(UTC),
    )


def ref_for(req: CreateRequest, inv: Invoice) -> PaymentRef:
    return PaymentRef(
        req.order_id,
        req.payment_id,
        req.amount,
        inv.payable_amount,
        req.created_at,
        inv.expires_at,
        inv.provider_ref,
        inv.qris,
    )


def good_answer(req: CreateRequest, **changes: Any) -> dict[str, Any]:
    body = {
        "request_id": req.payment_id,
        "transaction_id": "tx_9999",
        "qr_type": "dynamic",
        "qr_payload": qris.to_dynamic(DEMO_STATIC_QRIS, req.amount),
        "expires_at": "2026-05-23T10:05:00Z",
        "status": "awaiting_payment",
    }
    body.update(changes)  # a value of ``...`` removes the field
    return {k: v for k, v in body.items() if v is not ...}


# -- class attributes and config ----------------------------------------------------------
def test_class_attributes():
    assert SoundboxPlatformProvider.name == "soundbox_platform"
    assert SoundboxPlatformProvider.confirmation is Confirmation.FEED
    assert SoundboxPlatformProvider.min_poll_interval_s == 0.5  # seed: no limit
    assert SoundboxPlatformProvider.local_create is False


def test_missing_config_names_the_full_keys():
    with pytest.raises(ConfigMissing) as info:
        SoundboxPlatformProvider(
            {"base_url": "http://127.0.0.1:1", "device_id": " ", "terminal_id": ""}
        )
    assert info.value.keys == [
        "providers.soundbox_platform.device_id",
        "providers.soundbox_platform.device_token",
    ]
    assert "providers.soundbox_platform.device_token" in str(info.value)


# -- happy path ---------------------------------------------------------------------------
def test_create_heartbeat_paid_ack(fake: SoundboxPlatformFake, provider: SoundboxPlatformProvider):
    # The store's lifetime is longer than the platform's 300 s, so the invoice keeps the
    # platform's expiry. (With both at 300 s it did so only while the fake answered in the
    # same second the request was made: it cuts its expiry to whole seconds.)
    req = create_request(50000, ttl_s=600)
    inv = provider.create(req)
    tx = fake.transactions[inv.provider_ref]
    assert inv.payable_amount == 50000 and tx.amount == 50000
    assert inv.qris == tx.qr_payload and qris.parse(inv.qris).amount == 50000
    assert inv.expires_at == tx.expires_at and inv.expires_at.tzinfo is not None
    sent = fake.requests_to(CREATE)[0]
    assert sent.headers["authorization"] == f"Bearer {DEVICE_TOKEN}"
    assert sent.headers["idempotency-key"] == req.payment_id
    assert sent.json == {
        "device_id": DEVICE_ID,
        "terminal_id": TERMINAL_ID,
        "amount": 50000,
        "currency": "IDR",
        "request_id": req.payment_id,
    }

    assert provider.poll_feed() == []  # not paid yet
    assert fake.heartbeat_bodies[-1]["state"] == "awaiting_payment"

    command_id = fake.pay(inv.provider_ref)
    items = provider.poll_feed()
    assert items == [
        FeedItem(
            inv.provider_ref,
            StatusResult(
                RemoteStatus.PAID,
                50000,
                inv.provider_ref,
                None,
                f"payment_notification {command_id}: paid",
            ),
            command_id,
        )
    ]
    assert fake.acks == []  # the engine acks after recording
    provider.ack(items[0], ok=True)
    assert fake.acks == [
        {
            "device_id": DEVICE_ID,
            "command_id": command_id,
            "status": "delivered",
            "reason": "ok",
            "result_payload": {"payment_result": "ok"},
        }
    ]
    assert provider.poll_feed() == []
    assert fake.pending_commands() == []
    assert fake.heartbeat_bodies[-1]["state"] == "idle"  # nothing open any more
    assert provider.check(ref_for(req, inv)).status is RemoteStatus.PENDING


def test_heartbeat_body(fake: SoundboxPlatformFake):
    moment = datetime(2026, 5, 23, 10, 0, 0, 123456, tzinfo=UTC)
    p = SoundboxPlatformProvider(fake.config(), clock=lambda: moment)
    try:
        p.poll_feed()
    finally:
        p.close()
    assert fake.heartbeat_bodies == [
        {
            "device_id": DEVICE_ID,
            "timestamp": "2026-05-23T10:00:00Z",
            "firmware_version": f"pos-app {pos_app.__version__}",
            "network_strength": 100,
            "battery_level": 100,
            "state": "idle",
        }
    ]
    assert fake.heartbeats == 1


def test_expiry_notification(fake: SoundboxPlatformFake, provider: SoundboxPlatformProvider):
    inv = provider.create(create_request(12000))
    command_id = fake.expire(inv.provider_ref)
    [item] = provider.poll_feed()
    assert item.result.status is RemoteStatus.EXPIRED and item.result.paid_amount is None
    assert item.provider_ref == inv.provider_ref and item.ack_id == command_id


def test_local_expiry_turns_heartbeat_state_idle(fake: SoundboxPlatformFake):
    now = [datetime.now(UTC)]
    p = SoundboxPlatformProvider(fake.config(), clock=lambda: now[0])
    try:
        p.create(create_request(1000))
        p.poll_feed()
        assert fake.heartbeat_bodies[-1]["state"] == "awaiting_payment"
        now[0] += timedelta(seconds=fake.ttl_s + 1)
        p.poll_feed()
        assert fake.heartbeat_bodies[-1]["state"] == "idle"
    finally:
        p.close()


@pytest.mark.parametrize(
    "status, expected",
    [
        ("paid", RemoteStatus.PAID),
        ("success", RemoteStatus.PAID),
        ("SETTLED", RemoteStatus.PAID),
        ("failed", RemoteStatus.FAILED),
        ("cancelled", RemoteStatus.CANCELLED),
    ],
)
def test_notification_statuses(fake, provider, status, expected):
    inv = provider.create(create_request(7000))
    fake.pay(inv.provider_ref, status=status)
    [item] = provider.poll_feed()
    assert item.result.status is expected
    assert item.result.paid_amount == (7000 if expected is RemoteStatus.PAID else None)


def test_engine_can_refuse_an_item(fake, provider):
    inv = provider.create(create_request(7000))
    command_id = fake.pay(inv.provider_ref)
    [item] = provider.poll_feed()
    provider.ack(item, ok=False, reason="unknown transaction")
    assert fake.acks[-1] == {
        "device_id": DEVICE_ID,
        "command_id": command_id,
        "status": "failed",
        "reason": "unknown transaction",
        "result_payload": {"payment_result": "failed"},
    }


# -- idempotency --------------------------------------------------------------------------
def test_retry_uses_the_same_idempotency_key_and_the_fake_holds_one_transaction(fake, provider):
    req = create_request(25000)
    fake.inject(Fault.status(500), path=CREATE)
    with pytest.raises(TransientError):
        provider.create(req)
    first = provider.create(req)
    again = provider.create(req)  # e.g. the engine lost our answer after a crash
    assert first == again
    keys = {r.headers["idempotency-key"] for r in fake.requests_to(CREATE)}
    bodies = [r.json for r in fake.requests_to(CREATE)]
    assert keys == {req.payment_id} and len(fake.requests_to(CREATE)) == 3
    assert all(b == bodies[0] for b in bodies)
    assert len(fake.transactions) == 1


def _faults() -> list[tuple[str, Fault]]:
    return [
        ("500", Fault.status(500)),
        ("hang", Fault.hang(5.0)),
        ("drop", Fault.drop()),
        ("429", Fault.status(429, headers={"Retry-After": "1"})),
        ("partner", SoundboxPlatformFake.error_fault("PARTNER_TIMEOUT", trace_id="trc_partner")),
        ("bad gateway html", Fault.malformed()),  # 200 with HTML: BadResponse, also retryable
    ]


@pytest.mark.parametrize("label, fault", _faults(), ids=[f[0] for f in _faults()])
def test_transient_fault_on_create_then_same_transaction(fake, label, fault):
    # A short client timeout only where the fault is a hang: a loaded CI box can be slow.
    p = make_provider(fake, timeout=2.0 if label == "hang" else 10.0)
    try:
        req = create_request(33000)
        fake.inject(fault, path=CREATE)
        with pytest.raises((TransientError, BadResponse)) as info:
            p.create(req)
        assert info.value.retryable
        if label == "429":
            assert isinstance(info.value, TransientError) and info.value.retry_after_s == 1.0
            assert "429" in str(info.value)
        if label == "hang":
            assert "timed out" in str(info.value)
        if label == "partner":
            assert isinstance(info.value, TransientError)
            assert "PARTNER_TIMEOUT" in str(info.value) and "trc_partner" in str(info.value)
        if label == "bad gateway html":
            assert isinstance(info.value, BadResponse) and "not JSON" in str(info.value)
        inv = p.create(req)
        again = p.create(req)
        assert inv.provider_ref == again.provider_ref
        # Whichever of the hung request and the retry reached the fake first made the
        # transaction; the other got it replayed for the same Idempotency-Key.
        assert len(fake.transactions) == 1
        assert {r.headers["idempotency-key"] for r in fake.requests_to(CREATE)} == {req.payment_id}
    finally:
        p.close()


def test_duplicate_request_is_transient_and_names_the_trace(fake, provider):
    req = create_request(10000)
    provider.create(req)
    # Same key with a different body: the fake's DUPLICATE_REQUEST.
    other = CreateRequest(req.order_id, req.payment_id, 10001, req.ttl_s, req.created_at)
    with pytest.raises(TransientError) as info:
        provider.create(other)
    message = str(info.value)
    assert "DUPLICATE_REQUEST" in message and "HTTP 409" in message and "trace_id trc_" in message
    assert len(fake.transactions) == 1


# -- error model --------------------------------------------------------------------------
def test_wrong_token_is_auth_expired_without_the_token(fake):
    p = make_provider(fake, device_token="wrong-token-abcdef123")
    try:
        with pytest.raises(AuthExpired) as info:
            p.create(create_request())
        message = str(info.value)
        assert "device token refused (DEVICE_UNAUTHORIZED)" in message
        assert "pos-app provider login soundbox_platform" in message
        assert "HTTP 401" in message and "trace_id trc_" in message
        assert "wrong-token-abcdef123" not in message and DEVICE_TOKEN not in message
        with pytest.raises(AuthExpired):
            p.poll_feed()
    finally:
        p.close()
    assert fake.transactions == {}


def test_revoked_token_on_heartbeat_is_auth_expired(fake, provider):
    fake.revoke_token()
    with pytest.raises(AuthExpired, match="device token refused"):
        provider.poll_feed()


def test_auth_code_wins_over_status(fake, provider):
    fake.inject(
        Fault.status(400, body=error_body("DEVICE_UNAUTHORIZED", "expired", trace_id="trc_a")),
        path=CREATE,
    )
    with pytest.raises(AuthExpired, match="trace_id trc_a"):
        provider.create(create_request())


def test_device_not_bound_is_rejected_not_auth(fake):
    fake.unbind()
    p = make_provider(fake, terminal_id=TERMINAL_ID)  # configured: the create itself is refused
    try:
        with pytest.raises(Rejected) as info:
            p.create(create_request())
    finally:
        p.close()
    assert not isinstance(info.value, AuthExpired)
    message = str(info.value)
    assert f"device {DEVICE_ID} not bound to a terminal" in message
    assert "HTTP 403" in message and "trace_id trc_" in message


def test_unbound_device_without_configured_terminal(fake):
    fake.unbind()
    p = make_provider(fake, terminal_id="")
    try:
        with pytest.raises(Rejected, match="not bound to a terminal"):
            p.create(create_request())
        assert fake.requests_to(CREATE) == []
    finally:
        p.close()


def test_terminal_id_from_config_when_not_configured(fake):
    p = make_provider(fake, terminal_id="")
    try:
        p.create(create_request(5000))
        p.create(create_request(6000))
        assert p.terminal_id == TERMINAL_ID
        assert [r.json["terminal_id"] for r in fake.requests_to(CREATE)] == [
            TERMINAL_ID,
            TERMINAL_ID,
        ]
        assert len(fake.requests_to("/device/config", "GET")) == 1  # fetched once, cached
        assert fake.config_acks == [
            {
                "device_id": DEVICE_ID,
                "config_version": "cfg_1",
                "status": "delivered",
                "reason": "ok",
            }
        ]
    finally:
        p.close()


def test_invalid_amount_is_rejected(fake, provider):
    with pytest.raises(Rejected) as info:
        provider.create(create_request(20_000_000))
    assert "INVALID_AMOUNT" in str(info.value) and "refused the amount" in str(info.value)
    assert not info.value.retryable


def test_error_message_is_one_line_and_redacted(fake, provider):
    body = error_body("INVALID_AMOUNT", f"bad\namount for {DEVICE_TOKEN}", trace_id="trc_z")
    fake.inject(Fault.status(422, body=body), path=CREATE)
    with pytest.raises(Rejected) as info:
        provider.create(create_request())
    message = str(info.value)
    assert "\n" not in message and DEVICE_TOKEN not in message and "bad amount for ***" in message
    # A token at the cut-off point must not leak half of it either.
    body = error_body("INVALID_AMOUNT", "x" * 110 + DEVICE_TOKEN, trace_id="trc_z")
    fake.inject(Fault.status(422, body=body), path=CREATE)
    with pytest.raises(Rejected) as info:
        provider.create(create_request())
    assert DEVICE_TOKEN[:8] not in str(info.value)


def test_unknown_error_status_without_code(fake, provider):
    fake.inject(Fault.status(404, body={"message": "nope"}), path=CREATE)
    with pytest.raises(Rejected, match="HTTP 404"):
        provider.create(create_request())
    fake.inject(Fault.status(403, body=b"<html>forbidden</html>"), path=HEARTBEAT)
    with pytest.raises(AuthExpired, match="HTTP 403"):
        provider.poll_feed()
    fake.inject(
        Fault.status(503, body=error_body("MAINTENANCE", "later", trace_id="trc_m")), path=HEARTBEAT
    )
    with pytest.raises(TransientError, match="MAINTENANCE.*trc_m"):
        provider.poll_feed()


# -- malformed create answers ------------------------------------------------------------
def _malformed_create_answers(req: CreateRequest) -> list[tuple[str, dict[str, Any] | list[Any]]]:
    return [
        ("request_id does not echo", good_answer(req, request_id="someone-else")),
        ("transaction_id missing", good_answer(req, transaction_id=...)),
        ("transaction_id missing", good_answer(req, transaction_id=123)),
        ("qr_type is not", good_answer(req, qr_type="static")),
        ("not a valid QRIS", good_answer(req, qr_payload="000201010212garbage")),
        ("not Rp", good_answer(req, qr_payload=qris.to_dynamic(DEMO_STATIC_QRIS, req.amount + 1))),
        ("qr_payload missing", good_answer(req, qr_payload=...)),
        ("expires_at has no time zone", good_answer(req, expires_at="2026-05-23T10:05:00")),
        ("expires_at is not", good_answer(req, expires_at="tomorrow")),
        ("expires_at missing", good_answer(req, expires_at=...)),
        ("status is 'paid'", good_answer(req, status="paid")),
        ("currency is not IDR", good_answer(req, currency="USD")),
        ("amount in the answer differs", good_answer(req, amount="50000")),
        ("not a JSON object", [good_answer(req)]),
        ("request_id does not echo", {"ok": True}),
    ]


@pytest.mark.parametrize("index", range(15))
def test_malformed_create_answer_is_bad_response(fake, provider, index):
    req = create_request(50000)
    expected, body = _malformed_create_answers(req)[index]
    fake.inject(Fault.status(201, body=body), path=CREATE)
    with pytest.raises(BadResponse) as info:
        provider.create(req)
    assert expected in str(info.value)
    assert provider.poll_feed() == []


def test_good_answer_helper_is_accepted(fake, provider):
    # Guards the malformed tests: the same answer, unmodified, is accepted (with an envelope too).
    req = create_request(50000)
    fake.inject(
        Fault.status(200, body={"data": good_answer(req), "request_id": "r", "trace_id": "t"}),
        path=CREATE,
    )
    inv = provider.create(req)
    assert inv.provider_ref == "tx_9999"
    assert inv.expires_at == datetime(2026, 5, 23, 10, 5, tzinfo=UTC)


def test_expires_at_with_offset_is_converted_to_utc(fake, provider):
    req = create_request(50000)
    fake.inject(
        Fault.status(201, body=good_answer(req, expires_at="2026-05-23T17:05:00+07:00")),
        path=CREATE,
    )
    assert provider.create(req).expires_at == datetime(2026, 5, 23, 10, 5, tzinfo=UTC)


# -- the feed: redelivery, unknown and malformed commands --------------------------------
def test_redelivered_unacked_command_is_not_double_reported(fake, provider):
    inv = provider.create(create_request(40000))
    command_id = fake.pay(inv.provider_ref)
    [item] = provider.poll_feed()
    fake.inject(Fault.status(500), path=ACK)  # the ack is lost on its way
    with pytest.raises(TransientError):
        provider.ack(item, ok=True)
    assert fake.pending_commands()[0].command_id == command_id
    assert provider.poll_feed() == []  # redelivered: acked again, not reported again
    assert fake.commands[command_id].deliveries == 2
    assert fake.acks[-1]["command_id"] == command_id and fake.acks[-1]["status"] == "delivered"
    assert fake.pending_commands() == []


def test_unacked_item_is_reported_until_the_engine_acks(fake, provider):
    inv = provider.create(create_request(40000))
    fake.pay(inv.provider_ref)
    first = provider.poll_feed()
    second = provider.poll_feed()  # the engine has not acked yet (e.g. it failed to record)
    assert first == second and len(first) == 1


def test_seen_set_is_bounded(fake, provider):
    for n in range(SEEN_COMMANDS + 5):
        fake.queue_command(
            "payment_notification", {"transaction_id": f"tx_{n}", "amount": 1000, "status": "paid"}
        )
    items = provider.poll_feed()
    assert len(items) == SEEN_COMMANDS + 5
    for item in items:
        provider.ack(item, ok=True)
    assert len(provider._acked) == SEEN_COMMANDS  # the bound is the point


def test_unknown_command_type_is_acked_failed_and_not_reported(fake, provider):
    command_id = fake.queue_command("reboot", {"delay_s": 5})
    assert provider.poll_feed() == []
    assert fake.acks == [
        {
            "device_id": DEVICE_ID,
            "command_id": command_id,
            "status": "failed",
            "reason": "unsupported command type: reboot",
            "result_payload": {"payment_result": "failed"},
        }
    ]
    assert provider.poll_feed() == [] and fake.pending_commands() == []


def test_unknown_status_is_acked_failed(fake, provider):
    inv = provider.create(create_request(9000))
    fake.pay(inv.provider_ref, status="refund_pending")
    assert provider.poll_feed() == []
    assert fake.acks[-1]["status"] == "failed"
    assert fake.acks[-1]["reason"] == "unknown status: refund_pending"


def test_pending_notification_is_acked_delivered_not_reported(fake, provider):
    inv = provider.create(create_request(9000))
    fake.pay(inv.provider_ref, status="awaiting_payment")
    assert provider.poll_feed() == []
    assert fake.acks[-1]["status"] == "delivered"


@pytest.mark.parametrize(
    "payload, reason",
    [
        ({"transaction_id": "tx_0001", "amount": "50000", "status": "paid"}, "amount is not"),
        ({"transaction_id": "tx_0001", "amount": 50000.0, "status": "paid"}, "amount is not"),
        ({"transaction_id": "tx_0001", "amount": True, "status": "paid"}, "amount is not"),
        ({"transaction_id": "tx_0001", "status": "paid"}, "amount is not"),
        ({"amount": 50000, "status": "paid"}, "transaction_id missing"),
        (
            {"transaction_id": "tx 0001", "amount": 50000, "status": "paid"},
            "transaction_id missing",
        ),
        ({"transaction_id": "tx_0001", "amount": 50000}, "status missing"),
        (
            {"transaction_id": "tx_0001", "amount": 0, "status": "paid"},
            "paid amount must be above zero",
        ),
        (
            {"transaction_id": "tx_0001", "amount": 50000, "status": "paid", "currency": "USD"},
            "currency",
        ),
        (
            {
                "transaction_id": "tx_0001",
                "amount": 50000,
                "status": "paid",
                "paid_at": "2026-05-23 10:00",
            },
            "paid_at",
        ),
        ("paid", "not an object"),
    ],
)
def test_malformed_notification_is_never_paid(fake, provider, payload, reason):
    command_id = fake.queue_command("payment_notification", payload)
    assert provider.poll_feed() == []
    [ack] = fake.acks
    assert ack["command_id"] == command_id and ack["status"] == "failed"
    assert ack["reason"].startswith("malformed payload") and reason in ack["reason"]


def test_command_without_id_is_skipped(fake, provider, caplog):
    fake.inject(
        Fault.status(
            200,
            body={
                "commands": [
                    {
                        "type": "payment_notification",
                        "payload": {"transaction_id": "tx_1", "amount": 1, "status": "paid"},
                    },
                    "garbage",
                ]
            },
        ),
        path=HEARTBEAT,
    )
    with caplog.at_level(logging.WARNING):
        assert provider.poll_feed() == []
    assert fake.acks == [] and "without a usable command_id" in caplog.text


def test_paid_at_is_read_when_present(fake, provider):
    fake.queue_command(
        "payment_notification",
        {
            "transaction_id": "tx_7",
            "amount": 500,
            "status": "paid",
            "paid_at": "2026-05-23T17:01:02+07:00",
        },
    )
    [item] = provider.poll_feed()
    assert item.result.paid_at == datetime(2026, 5, 23, 10, 1, 2, tzinfo=UTC)


def test_mixed_batch(fake, provider):
    inv = provider.create(create_request(11000))
    reboot = fake.queue_command("reboot", {})
    paid = fake.pay(inv.provider_ref)
    [item] = provider.poll_feed()
    assert item.ack_id == paid
    assert [(a["command_id"], a["status"]) for a in fake.acks] == [(reboot, "failed")]


@pytest.mark.parametrize(
    "body, expected",
    [
        ({"commands": "none"}, "commands is not a list"),
        ({"status": "ok"}, "no commands list"),
        ([1, 2], "not a JSON object"),
    ],
)
def test_malformed_heartbeat_is_bad_response(fake, provider, body, expected):
    fake.inject(Fault.status(200, body=body), path=HEARTBEAT)
    with pytest.raises(BadResponse, match=expected):
        provider.poll_feed()


def test_heartbeat_non_json_is_bad_response(fake, provider):
    fake.inject(Fault.malformed(), path=HEARTBEAT)
    with pytest.raises(BadResponse, match="not JSON"):
        provider.poll_feed()


def test_empty_heartbeat_body_means_no_commands(fake, provider):
    fake.inject(Fault.status(204, body=b""), path=HEARTBEAT)
    assert provider.poll_feed() == []


def test_concurrent_polls_and_creates(fake, provider):
    errors: list[BaseException] = []
    refs: list[str] = []

    def work(n: int) -> None:
        try:
            inv = provider.create(create_request(1000 + n))
            refs.append(inv.provider_ref)
            provider.poll_feed()
        except BaseException as exc:  # pragma: no cover - shown by the assert
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(set(refs)) == 8
    for ref in refs:
        fake.pay(ref)
    items = provider.poll_feed()
    assert sorted(i.provider_ref for i in items) == sorted(refs)


# -- provisioning -------------------------------------------------------------------------
def test_activation_success(fake):
    result = activate(fake.base_url, DEVICE_ID, ACTIVATION_CODE, timeout=10.0)
    assert isinstance(result, Activation)
    assert (
        result.device_token == fake.devices[DEVICE_ID].token and result.device_token != DEVICE_TOKEN
    )
    assert result.terminal_id == TERMINAL_ID and result.merchant_name == "Toko Indo"
    assert result.merchant_id == "m_123" and result.token_expires_at is not None
    assert result.device_token not in repr(result)
    sent = fake.requests_to("/device/provision/activate")[0]
    assert sent.json == {"device_id": DEVICE_ID, "activation_code": ACTIVATION_CODE}
    assert "authorization" not in sent.headers
    # The new token works, the old one no longer does.
    p = SoundboxPlatformProvider({**fake.config(), "device_token": result.device_token})
    try:
        assert p.poll_feed() == []
    finally:
        p.close()


def test_activation_wrong_code(fake):
    with pytest.raises(LoginFailed) as info:
        activate(fake.base_url, DEVICE_ID, "000000", timeout=10.0)
    assert str(info.value).startswith("soundbox_platform: activation code refused")
    assert "000000" not in str(info.value)
    assert fake.devices[DEVICE_ID].token == DEVICE_TOKEN  # nothing changed


def test_activation_of_unbound_device(fake):
    fake.unbind()
    result = activate(fake.base_url, DEVICE_ID, ACTIVATION_CODE)
    assert result.terminal_id is None


def test_activation_not_bound_error_and_transient(fake):
    fake.inject(SoundboxPlatformFake.error_fault("DEVICE_NOT_BOUND", trace_id="trc_nb"))
    with pytest.raises(LoginFailed, match="not bound to a terminal.*trc_nb"):
        activate(fake.base_url, DEVICE_ID, ACTIVATION_CODE)
    fake.inject(Fault.status(503))
    with pytest.raises(TransientError):
        activate(fake.base_url, DEVICE_ID, ACTIVATION_CODE)
    fake.inject(Fault.status(200, body={"device_token": ""}))
    with pytest.raises(BadResponse, match="device_token"):
        activate(fake.base_url, DEVICE_ID, ACTIVATION_CODE)


def test_refresh_credential(fake, provider):
    cred = provider.refresh_credential()
    assert cred.device_token == fake.devices[DEVICE_ID].token != DEVICE_TOKEN
    assert cred.expires_at is not None and cred.device_token not in repr(cred)
    assert provider.poll_feed() == []  # the instance uses the new token at once
    assert fake.requests_to(HEARTBEAT)[-1].headers["authorization"] == f"Bearer {cred.device_token}"
    fake.revoke_token()
    with pytest.raises(AuthExpired) as info:
        provider.poll_feed()
    assert cred.device_token not in str(info.value)


def test_fetch_config_and_test_connection(fake, provider):
    config = provider.fetch_config()
    assert config["terminal_id"] == TERMINAL_ID and config["merchant"]["name"] == "Toko Indo"
    assert len(fake.config_acks) == 1
    assert (
        provider.test_connection()
        == f"device {DEVICE_ID}, terminal {TERMINAL_ID}, merchant Toko Indo"
    )
    fake.revoke_token()
    with pytest.raises(AuthExpired):
        provider.test_connection()


def test_config_for_another_device_is_bad_response(fake, provider):
    fake.inject(
        Fault.status(200, body={"device_id": "sbx_999", "terminal_id": "t"}), path="/device/config"
    )
    with pytest.raises(BadResponse, match="another device"):
        provider.fetch_config()


# -- with the sync engine (real SQLite) ---------------------------------------------------
def test_engine_end_to_end(db, clock):
    from pos_app.cart import Cart, Product
    from pos_app.checkout import CheckoutService, Till
    from pos_app.clock import zone
    from pos_app.order_state import OrderStatus
    from pos_app.storage.orders import load_order
    from sync.engine import SyncEngine

    fake = SoundboxPlatformFake(clock=clock)
    fake.start()
    provider = SoundboxPlatformProvider(fake.config(), clock=clock, timeout=10.0)
    try:
        engine = SyncEngine(
            db,
            {"soundbox_platform": provider}.__getitem__,
            clock=clock,
            poll_interval_s=2.0,
            late_poll_interval_s=30.0,
            late_watch_s=1800.0,
        )
        cart = Cart()
        cart.add(Product(sku="X", name="Kopi", price=18000))
        order, _ = CheckoutService(db, Till("K1", zone("Asia/Jakarta")), clock).open_qris_sale(
            cart, "soundbox_platform", ttl_s=300
        )
        engine.run_once()
        [tx] = fake.transactions.values()
        assert tx.amount == 18000 and load_order(db, order.id).status is not OrderStatus.PAID
        command_id = fake.pay(tx.transaction_id)
        clock.advance(2.5)
        engine.run_once()
        assert load_order(db, order.id).status is OrderStatus.PAID
        assert [(a["command_id"], a["status"]) for a in fake.acks] == [(command_id, "delivered")]
    finally:
        provider.close()
        fake.stop()
