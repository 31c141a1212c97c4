"""``orderkuota`` (seed 000) against its loopback fake: invoices, statements, login, and every
quirk of the real back-end that SPEC.md section 5 lists."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest

from pos_app import qris
from sync.providers.base import (
    AuthExpired,
    BadResponse,
    ConfigMissing,
    Confirmation,
    CreateRequest,
    Invoice,
    LoginFailed,
    PaymentRef,
    Rejected,
    RemoteStatus,
    TimePrecision,
    TransientError,
)
from sync.providers.orderkuota.adapter import (
    AUTH_MESSAGE,
    DEFAULT_BASE_URL,
    OrderKuotaLogin,
    OrderKuotaProvider,
    OrderKuotaStatements,
    wib_to_utc,
)
from sync.providers.simulator.adapter import DEMO_STATIC_QRIS
from tests.fakes.orderkuota import WIB, OrderKuotaFake
from tests.fakes.server import Fault
from tests.waiting import wait_for

CREATE = "/api/v2/invoices/create"
DETAILS = "/api/v2/invoices/details/"
STATEMENTS = "/api/v2/statements/"


# -- fixtures -----------------------------------------------------------------------------
@pytest.fixture
def fake():
    f = OrderKuotaFake()
    f.statements_min_interval_s = 0  # the limit has its own tests
    f.start()
    yield f
    f.stop()


@pytest.fixture
def token(fake: OrderKuotaFake) -> str:
    return fake.issue_token()


@pytest.fixture
def provider(fake: OrderKuotaFake, token: str):
    p = OrderKuotaProvider(fake.base_url, fake.username, token, timeout=10.0)
    yield p
    p.close()


@pytest.fixture
def statements(fake: OrderKuotaFake, token: str):
    s = OrderKuotaStatements(fake.base_url, fake.username, token, timeout=10.0,
                             request_interval_s=0)
    yield s
    s.close()


def create_request(amount: int = 15000, *, ttl_s: int = 600, note: str = "",
                   order_id: str = "K1-20261127-0001") -> CreateRequest:
    return CreateRequest(order_id=order_id, payment_id=f"pay-{order_id}", amount=amount,
                         ttl_s=ttl_s, created_at=datetime.now(UTC), note=note)


def ref_for(req: CreateRequest, inv: Invoice) -> PaymentRef:
    return PaymentRef(order_id=req.order_id, payment_id=req.payment_id, amount=req.amount,
                      payable_amount=inv.payable_amount, created_at=req.created_at,
                      expires_at=inv.expires_at, provider_ref=inv.provider_ref, qris=inv.qris)


def now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def invoice_body(fake: OrderKuotaFake, amount: int = 15000, **changes: Any) -> dict[str, Any]:
    body = {
        "username": fake.username, "amount": amount, "status": "PENDING", "note": "K1",
        "expires_at": now_ms() + 600_000, "created_at": "2025-08-12T18:02:06.123456789",
        "qris_string": qris.to_dynamic(DEMO_STATIC_QRIS, amount), "invoice_id": "inv_fixed",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not _DROP}


_DROP = object()


# -- the provider's shape -----------------------------------------------------------------
def test_class_attributes() -> None:
    assert OrderKuotaProvider.name == "orderkuota"
    assert OrderKuotaProvider.confirmation is Confirmation.POLL
    assert OrderKuotaProvider.min_poll_interval_s == 0.5  # seed: no limit
    assert OrderKuotaProvider.local_create is False
    assert OrderKuotaStatements.min_interval_s == 5.0


def test_config_missing_names_the_full_keys() -> None:
    with pytest.raises(ConfigMissing) as err:
        OrderKuotaProvider.from_config({"base_url": "http://127.0.0.1:1"})
    assert err.value.keys == ["providers.orderkuota.username", "providers.orderkuota.token"]
    with pytest.raises(ConfigMissing) as err:
        OrderKuotaStatements.from_config({"username": "x", "token": "  "})
    assert err.value.keys == ["providers.orderkuota.token"]


def test_config_short_or_full_names_and_default_base_url(fake: OrderKuotaFake, token: str) -> None:
    p = OrderKuotaProvider.from_config({"username": fake.username, "token": token})
    assert p.base_url == DEFAULT_BASE_URL
    p.close()
    p = OrderKuotaProvider.from_config({"providers.orderkuota.base_url": fake.base_url,
                                        "providers.orderkuota.username": fake.username,
                                        "providers.orderkuota.token": token})
    assert p.test_connection().startswith("orderkuota: connected as")
    p.close()


# -- create -------------------------------------------------------------------------------
def test_create_sends_bearer_order_id_and_ttl_in_seconds(
    fake: OrderKuotaFake, provider, token
) -> None:
    inv = provider.create(create_request(15000, ttl_s=600, note="meja  7\n"))
    [sent] = fake.requests_to(CREATE, "POST")
    assert sent.headers["authorization"] == f"Bearer {token}"
    assert sent.json == {"notes": "K1-20261127-0001 meja 7", "amount": 15000, "expires_at": 600}
    assert fake.invoices[inv.provider_ref].note.startswith("K1-20261127-0001")


def test_amount_bump_is_what_we_charge_and_show(fake: OrderKuotaFake, provider) -> None:
    fake.bump_offsets.append(37)
    inv = provider.create(create_request(15000))
    assert inv.payable_amount == 15037
    assert qris.parse(inv.qris).amount == 15037
    assert inv.provider_ref in fake.invoices
    assert fake.invoices[inv.provider_ref].requested_amount == 15000
    assert inv.extra["requested_amount"] == 15000


def test_concurrent_creates_of_one_price_get_distinct_amounts(
    fake: OrderKuotaFake, provider
) -> None:
    results: list[Invoice] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        inv = provider.create(create_request(20000, order_id=f"K1-0-{i:04d}"))
        with lock:
            results.append(inv)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    amounts = [inv.payable_amount for inv in results]
    assert len(amounts) == 12 and len(set(amounts)) == 12
    assert all(20000 <= a <= 20099 for a in amounts)
    assert all(qris.parse(inv.qris).amount == inv.payable_amount for inv in results)


@pytest.mark.parametrize("status", [200, 201])
def test_create_accepts_200_and_201(fake: OrderKuotaFake, provider, status: int) -> None:
    fake.create_status = status
    inv = provider.create(create_request(5000))
    assert 5000 <= inv.payable_amount <= 5099


def test_expiry_comes_back_in_epoch_milliseconds(fake: OrderKuotaFake, provider) -> None:
    before = datetime.now(UTC)
    inv = provider.create(create_request(15000, ttl_s=600))
    ms = fake.invoices[inv.provider_ref].expires_at_ms
    assert ms > 10**12  # milliseconds, not seconds
    assert inv.expires_at == datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
    assert inv.expires_at.utcoffset() == timedelta(0)
    assert (before + timedelta(seconds=599)
            <= inv.expires_at
            <= datetime.now(UTC) + timedelta(seconds=601))


def test_zoneless_created_at_with_nanoseconds_is_wib(fake: OrderKuotaFake, provider) -> None:
    inv = provider.create(create_request(15000))
    raw = fake.invoices[inv.provider_ref].created_at
    assert "+" not in raw and not raw.endswith("Z") and len(raw.rsplit(".", 1)[1]) == 9
    created = inv.extra["created_at"]
    assert created.tzinfo is not None
    assert abs(created - datetime.now(UTC)) < timedelta(seconds=30)  # WIB read as UTC is 7 h off
    assert created.replace(tzinfo=None) == datetime.fromisoformat(raw[:26]) - timedelta(hours=7)


def test_wib_to_utc_is_exact() -> None:
    assert wib_to_utc("2025-07-25T18:02:06", "t") == datetime(2025, 7, 25, 11, 2, 6, tzinfo=UTC)
    assert wib_to_utc("2025-08-12T01:30:00.123456789", "t") == datetime(
        2025, 8, 11, 18, 30, 0, 123456, tzinfo=UTC
    )
    assert wib_to_utc("2025-08-12 18:02:06.5", "t") == datetime(
        2025, 8, 12, 11, 2, 6, 500000, tzinfo=UTC
    )
    assert wib_to_utc("2025-08-12T18:02:06Z", "t") == datetime(2025, 8, 12, 18, 2, 6, tzinfo=UTC)
    for bad in ("", "yesterday", "2025-13-40T99:00:00", None, 1754820766998):
        with pytest.raises(BadResponse):
            wib_to_utc(bad, "t")


def test_a_qris_without_amount_is_accepted(fake: OrderKuotaFake, provider) -> None:
    static_answer = invoice_body(fake, qris_string=DEMO_STATIC_QRIS)
    fake.inject(Fault.status(201, body=static_answer), path=CREATE)
    assert provider.create(create_request(15000)).qris == DEMO_STATIC_QRIS


def _bad_qris_crc() -> str:
    good = qris.to_dynamic(DEMO_STATIC_QRIS, 15000)
    return good[:-4] + ("0000" if good[-4:] != "0000" else "FFFF")


@pytest.mark.parametrize("changes, words", [
    ({"amount": 14999}, "outside"),
    ({"amount": 15100}, "outside"),
    ({"amount": "15000"}, "amount"),
    ({"amount": True}, "amount"),
    ({"amount": _DROP}, "amount"),
    ({"invoice_id": _DROP}, "invoice_id"),
    ({"invoice_id": ""}, "invoice_id"),
    ({"qris_string": _DROP}, "qris_string"),
    ({"qris_string": "000201not-a-qris"}, "not a valid QRIS"),
    ({"qris_string": "bad-crc"}, "not a valid QRIS"),
    # the amount field says 15037
    ({"qris_string": qris.to_dynamic(DEMO_STATIC_QRIS, 15000)}, "asks for 15000"),
    ({"expires_at": "soon"}, "expires_at"),
    ({"expires_at": 1755001134}, "not epoch milliseconds"),  # seconds by mistake = Jan 1970
    ({"expires_at": _DROP}, "expires_at"),
    ({"status": "PAID"}, "status"),
    ({"username": "someone_else"}, "another user"),
])
def test_create_rejects_surprising_answers(fake: OrderKuotaFake, provider, changes, words) -> None:
    if changes.get("qris_string") == "bad-crc":
        changes = {"qris_string": _bad_qris_crc()}
    body = invoice_body(fake, 15037, qris_string=qris.to_dynamic(DEMO_STATIC_QRIS, 15037))
    body.update(changes)
    body = {k: v for k, v in body.items() if v is not _DROP}
    fake.inject(Fault.status(201, body=body), path=CREATE)
    with pytest.raises(BadResponse) as err:
        provider.create(create_request(15000))
    assert words in str(err.value)
    assert str(err.value).startswith("orderkuota")


@pytest.mark.parametrize("body", [[], "just text", {"message": "ok"}])
def test_create_rejects_non_invoice_bodies(fake: OrderKuotaFake, provider, body) -> None:
    fake.inject(Fault.status(200, body=body), path=CREATE)
    with pytest.raises(BadResponse):
        provider.create(create_request(15000))


def test_a_bad_created_at_does_not_fail_the_create(fake: OrderKuotaFake, provider) -> None:
    fake.inject(Fault.status(201, body=invoice_body(fake, created_at="kemarin")), path=CREATE)
    inv = provider.create(create_request(15000))
    assert inv.payable_amount == 15000 and "created_at" not in inv.extra


# -- transport and status codes -----------------------------------------------------------
@pytest.mark.parametrize("fault, error", [
    (Fault.status(500), TransientError),
    (Fault.status(503), TransientError),
    (Fault.status(429, headers={"Retry-After": "7"}), TransientError),
    (Fault.drop(), TransientError),
    (Fault.malformed(), BadResponse),
    (Fault.status(400, body={"status": "Error", "data": {"error": "Invalid amount"}}), Rejected),
])
def test_create_and_check_errors(fake: OrderKuotaFake, provider, fault, error) -> None:
    req = create_request(15000)
    inv = provider.create(req)
    fake.inject(fault, path=CREATE)
    with pytest.raises(error) as err:
        provider.create(req)
    if fault.status == 429:
        assert err.value.retry_after_s == 7
    fake.inject(fault, path=DETAILS)
    with pytest.raises(error):
        provider.check(ref_for(req, inv))
    assert provider.check(ref_for(req, inv)).status is RemoteStatus.PENDING  # and it recovers


def test_slow_back_end_is_a_timeout(fake: OrderKuotaFake, token: str) -> None:
    # 2 s: the second call must not time out on a loaded machine; the first answer is held
    # back far longer than that
    p = OrderKuotaProvider(fake.base_url, fake.username, token, timeout=2.0)
    fake.latency_s = 30.0
    with pytest.raises(TransientError, match="timed out"):
        p.create(create_request(15000))
    fake.latency_s = 0
    assert p.create(create_request(15000)).payable_amount >= 15000
    p.close()


def test_unreachable_back_end_is_transient() -> None:
    p = OrderKuotaProvider("http://127.0.0.1:9", "u", "t0k3n-abcdef", timeout=1.0)
    with pytest.raises(TransientError, match="cannot connect"):
        p.create(create_request(15000))
    p.close()


def test_token_invalid_means_log_in_again_everywhere(fake: OrderKuotaFake, provider, token) -> None:
    req = create_request(15000)
    inv = provider.create(req)
    secret = "4c0ffee0-dead-beef-0000-123456789abc"
    bad = OrderKuotaProvider(fake.base_url, fake.username, secret)
    bad_statements = OrderKuotaStatements(fake.base_url, fake.username, secret,
                                          request_interval_s=0)
    calls = [lambda: bad.create(req), lambda: bad.check(ref_for(req, inv)), bad.test_connection,
             lambda: bad_statements.fetch_credits(datetime.now(UTC) - timedelta(hours=1))]
    for call in calls:
        with pytest.raises(AuthExpired) as err:
            call()
        assert str(err.value) == AUTH_MESSAGE
        assert "log in again" in str(err.value) and secret not in str(err.value)
        assert not err.value.retryable
    assert fake.requests[-1].headers["authorization"] == f"Bearer {secret}"
    # an expired token (revoked at the back-end) reads the same
    fake.revoke_tokens()
    with pytest.raises(AuthExpired, match="log in again"):
        provider.check(ref_for(req, inv))
    bad.close()
    bad_statements.close()


def test_the_token_never_shows_in_an_error(fake: OrderKuotaFake, provider, token) -> None:
    fake.inject(Fault.status(400, body={"message": f"token {token} not allowed here"}), path=CREATE)
    with pytest.raises(Rejected) as err:
        provider.create(create_request(15000))
    assert token not in str(err.value)


# -- check --------------------------------------------------------------------------------
def test_check_pending_then_paid(fake: OrderKuotaFake, provider) -> None:
    fake.bump_offsets.append(37)
    req = create_request(15000)
    inv = provider.create(req)
    assert provider.check(ref_for(req, inv)).status is RemoteStatus.PENDING
    fake.mark_paid(inv.provider_ref)
    result = provider.check(ref_for(req, inv))
    assert result.status is RemoteStatus.PAID
    assert result.paid_amount == 15037
    assert result.provider_ref == inv.provider_ref
    assert fake.requests_to(DETAILS)[-1].path == DETAILS + inv.provider_ref


def test_check_expired(fake: OrderKuotaFake, provider) -> None:
    req = create_request(15000)
    inv = provider.create(req)
    fake.expire(inv.provider_ref)
    assert provider.check(ref_for(req, inv)).status is RemoteStatus.EXPIRED


def test_invoice_expires_by_the_back_ends_clock() -> None:
    moments = [datetime.now(UTC)]
    fake = OrderKuotaFake(clock=lambda: moments[0])
    fake.start()
    try:
        p = OrderKuotaProvider(fake.base_url, fake.username, fake.issue_token(),
                               clock=lambda: moments[0])
        req = create_request(15000, ttl_s=60)
        inv = p.create(req)
        moments[0] += timedelta(seconds=59)
        assert p.check(ref_for(req, inv)).status is RemoteStatus.PENDING
        moments[0] += timedelta(seconds=1)
        assert p.check(ref_for(req, inv)).status is RemoteStatus.EXPIRED
        p.close()
    finally:
        fake.stop()


def test_a_late_payment_still_reads_paid(fake: OrderKuotaFake, provider) -> None:
    req = create_request(15000)
    inv = provider.create(req)
    fake.expire(inv.provider_ref)
    provider.cancel(ref_for(req, inv))
    fake.mark_paid(inv.provider_ref)  # paid from a screenshot
    assert provider.check(ref_for(req, inv)).status is RemoteStatus.PAID


def test_paid_reports_the_back_ends_amount(fake: OrderKuotaFake, provider) -> None:
    # The engine compares it with what was shown; the adapter reports, it doesn't guess.
    req = create_request(15000)
    inv = provider.create(req)
    body = invoice_body(fake, 15099, status="PAID", invoice_id=inv.provider_ref,
                        qris_string=qris.to_dynamic(DEMO_STATIC_QRIS, 15099))
    fake.inject(Fault.status(200, body=body), path=DETAILS)
    assert provider.check(ref_for(req, inv)).paid_amount == 15099


@pytest.mark.parametrize("changes, words", [
    ({"status": "REFUNDED"}, "unknown status"),
    ({"status": "paid"}, "unknown status"),
    ({"status": None}, "unknown status"),
    ({"status": "PAID", "amount": "15000"}, "amount"),
    ({"status": "PAID", "amount": _DROP}, "amount"),
    ({"status": "PAID", "invoice_id": "inv_other"}, "another invoice"),
    ({"status": "PAID", "username": "someone_else"}, "another user"),
])
def test_check_never_guesses_paid(fake: OrderKuotaFake, provider, changes, words) -> None:
    req = create_request(15000)
    inv = provider.create(req)
    body = invoice_body(fake, inv.payable_amount, invoice_id=inv.provider_ref)
    body.update(changes)
    body = {k: v for k, v in body.items() if v is not _DROP}
    fake.inject(Fault.status(200, body=body), path=DETAILS)
    with pytest.raises(BadResponse, match=words):
        provider.check(ref_for(req, inv))


def test_an_invoice_the_back_end_forgot_is_an_error_not_paid(
    fake: OrderKuotaFake, provider
) -> None:
    req = create_request(15000)
    inv = provider.create(req)
    del fake.invoices[inv.provider_ref]
    with pytest.raises(BadResponse, match="unknown to the back-end"):
        provider.check(ref_for(req, inv))


def test_cancel_is_a_no_op(fake: OrderKuotaFake, provider) -> None:
    req = create_request(15000)
    inv = provider.create(req)
    before = len(fake.requests)
    provider.cancel(ref_for(req, inv))
    assert len(fake.requests) == before
    assert fake.invoices[inv.provider_ref].status == "PENDING"


def test_a_retried_create_leaves_an_orphan_but_only_one_invoice_is_ours(
    fake: OrderKuotaFake, token
) -> None:
    # The first answer is lost (timeout); the retry makes a second invoice with another amount.
    p = OrderKuotaProvider(fake.base_url, fake.username, token, timeout=2.0)
    req = create_request(15000)
    gate = threading.Event()
    fake.inject(Fault.hold(gate), path=CREATE)  # the first create is made after the client gave up
    try:
        with pytest.raises(TransientError):
            p.create(req)
    finally:
        gate.set()
    inv = p.create(req)
    wait_for(lambda: len(fake.invoices) >= 2, "the invoice of the lost answer")
    assert len(fake.invoices) == 2
    orphan = next(i for i in fake.invoices.values() if i.invoice_id != inv.provider_ref)
    assert orphan.note.startswith(req.order_id)  # traceable
    assert orphan.amount != inv.payable_amount  # its QR was never shown
    p.close()


# -- test connection ----------------------------------------------------------------------
def test_test_connection(fake: OrderKuotaFake, provider, token) -> None:
    text = provider.test_connection()
    assert text == f"orderkuota: connected as {fake.username} ({fake.email})"
    assert token not in text  # users/details echoes the token


def test_test_connection_wrong_username(fake: OrderKuotaFake, token) -> None:
    p = OrderKuotaProvider(fake.base_url, "nobody", token)
    with pytest.raises(Rejected, match="not found"):
        p.test_connection()
    p.close()


# -- statements ---------------------------------------------------------------------------
def test_statements_credit_fields_and_wib_to_utc(fake: OrderKuotaFake, statements) -> None:
    line_id = fake.add_credit(15000, at_wib=datetime(2025, 7, 25, 18, 2, 6))
    [credit] = statements.fetch_credits(datetime(2025, 7, 25, 11, 0, tzinfo=UTC))
    assert credit.credit_id == str(line_id)
    assert credit.amount == 15000
    assert credit.credited_at == datetime(2025, 7, 25, 11, 2, 6, tzinfo=UTC)
    assert credit.source == "orderkuota" and credit.precision is TimePrecision.SECOND
    assert credit.description.startswith("BANK")
    assert statements.account_key == f"orderkuota:{fake.username}"
    [sent] = fake.requests_to(STATEMENTS)
    assert sent.path == STATEMENTS + fake.username and sent.query == {"page": "0", "size": "50"}


def test_statements_only_incoming_credits_count(fake: OrderKuotaFake, statements) -> None:
    at = datetime(2025, 7, 25, 18, 0, 0)
    fake.add_line(debet=5000, kredit=0, status="OUT", at_wib=at)
    fake.add_line(debet=0, kredit=0, status="IN", at_wib=at)
    fake.add_line(debet=0, kredit=7000, status="OUT", at_wib=at)  # not "IN": not ours to count
    keep = fake.add_credit(12000, at_wib=at)
    credits = statements.fetch_credits(datetime(2025, 7, 25, 0, 0, tzinfo=UTC))
    assert [c.credit_id for c in credits] == [str(keep)]


def test_statements_204_is_an_empty_page(fake: OrderKuotaFake, statements, token) -> None:
    assert statements.fetch_credits(datetime(2020, 1, 1, tzinfo=UTC)) == []
    assert len(fake.requests_to(STATEMENTS)) == 1
    unknown = OrderKuotaStatements(fake.base_url, "nobody", token, request_interval_s=0)
    # 204 too (the seed's "not found")
    assert unknown.fetch_credits(datetime(2020, 1, 1, tzinfo=UTC)) == []
    unknown.close()


def _minutes_of_credits(fake: OrderKuotaFake, count: int, start: datetime) -> list[int]:
    return [fake.add_credit(10000 + i, at_wib=start + timedelta(minutes=i)) for i in range(count)]


def test_statements_pagination_until_has_next_is_false(fake: OrderKuotaFake, statements) -> None:
    start = datetime(2025, 7, 25, 8, 0, 0)
    ids = _minutes_of_credits(fake, 120, start)
    credits = statements.fetch_credits(datetime(2025, 7, 25, 0, 0, tzinfo=UTC))
    assert sorted(int(c.credit_id) for c in credits) == ids
    assert [r.query["page"] for r in fake.requests_to(STATEMENTS)] == ["0", "1", "2"]
    assert credits[0].amount == 10119  # newest first


def test_statements_stop_at_the_page_that_reaches_before_since(
    fake: OrderKuotaFake, statements
) -> None:
    start = datetime(2025, 7, 25, 8, 0, 0)  # WIB; line i at 08:00 + i min
    _minutes_of_credits(fake, 120, start)
    since = (start + timedelta(minutes=60)).replace(tzinfo=WIB)
    credits = statements.fetch_credits(since)
    assert sorted(c.amount for c in credits) == list(range(10060, 10120))
    assert all(c.credited_at >= since for c in credits)
    # page 0 = lines 119..70, page 1 = 69..20 reaches before 60: page 2 is never asked for
    assert [r.query["page"] for r in fake.requests_to(STATEMENTS)] == ["0", "1"]


def test_statements_read_at_most_ten_pages(fake: OrderKuotaFake, statements) -> None:
    _minutes_of_credits(fake, 560, datetime(2025, 7, 20, 0, 0, 0))
    credits = statements.fetch_credits(datetime(2025, 7, 1, tzinfo=UTC))
    assert len(fake.requests_to(STATEMENTS)) == 10
    assert len(credits) == 500


def test_statements_a_line_seen_twice_counts_once(fake: OrderKuotaFake, token) -> None:
    # A credit arriving between two page requests pushes page 0's last line onto page 1.
    _minutes_of_credits(fake, 60, datetime(2025, 7, 25, 8, 0, 0))
    src = OrderKuotaStatements(
        fake.base_url, fake.username, token, request_interval_s=1.0,
        sleep=lambda _s: fake.add_credit(99999, at_wib=datetime(2025, 7, 25, 10, 0)),
    )
    credits = src.fetch_credits(datetime(2025, 7, 25, 0, 0, tzinfo=UTC))
    ids = [c.credit_id for c in credits]
    assert len(ids) == len(set(ids)) == 60  # the new one is on page 0 only next time
    src.close()


def test_statements_keep_the_per_account_rate_limit_between_pages(
    fake: OrderKuotaFake, token
) -> None:
    fake.statements_min_interval_s = 0.3
    _minutes_of_credits(fake, 70, datetime(2025, 7, 25, 8, 0, 0))
    src = OrderKuotaStatements(fake.base_url, fake.username, token, request_interval_s=0.3)
    since = datetime(2025, 7, 25, 0, 0, tzinfo=UTC)
    assert len(src.fetch_credits(since)) == 70  # 2 pages, no 429
    assert len(src.fetch_credits(since)) == 70  # and again at once
    sent = fake.requests_to(STATEMENTS)
    assert len(sent) == 4
    assert all(b.at - a.at >= 0.29 for a, b in pairwise(sent))
    src.close()


def test_statements_429_is_transient_with_retry_after(fake: OrderKuotaFake, statements) -> None:
    fake.statements_min_interval_s = 5.0
    fake.add_credit(15000, at_wib=datetime(2025, 7, 25, 18, 2, 6))
    assert len(statements.fetch_credits(datetime(2025, 7, 25, tzinfo=UTC))) == 1
    with pytest.raises(TransientError) as err:  # this source was told not to wait
        statements.fetch_credits(datetime(2025, 7, 25, tzinfo=UTC))
    assert 0 < err.value.retry_after_s <= 5


@pytest.mark.parametrize("line_changes, words", [
    ({"kredit": "15.000"}, "kredit"),
    ({"kredit": None}, "kredit"),
    ({"kredit": -5}, "negative"),
    ({"transfer_time": "25/07/2025"}, "transfer_time"),
    ({"transfer_time": None}, "transfer_time"),
    ({"id": None}, "no id"),
])
def test_statements_reject_malformed_lines(
    fake: OrderKuotaFake, statements, line_changes, words
) -> None:
    line = {"id": 1, "username": fake.username, "debet": 0, "kredit": 15000, "keterangan": "x",
            "status": "IN", "statement_status": "NOT_CLAIMED",
            "transfer_time": "2025-07-25T18:02:06"}
    line.update(line_changes)
    body = {"page": 0, "size": 50, "data": [line], "has_next": False}
    fake.inject(Fault.status(200, body=body), path=STATEMENTS)
    with pytest.raises(BadResponse, match=words):
        statements.fetch_credits(datetime(2025, 7, 25, tzinfo=UTC))


@pytest.mark.parametrize("body", [{"page": 0}, {"data": "none"}, [1, 2], "text"])
def test_statements_reject_malformed_pages(fake: OrderKuotaFake, statements, body) -> None:
    fake.inject(Fault.status(200, body=body), path=STATEMENTS)
    with pytest.raises(BadResponse):
        statements.fetch_credits(datetime(2025, 7, 25, tzinfo=UTC))


def test_statements_need_an_aware_since(statements) -> None:
    with pytest.raises(ValueError):
        statements.fetch_credits(datetime(2025, 7, 25))


# -- login --------------------------------------------------------------------------------
def test_login_flow_gives_a_token_that_works(fake: OrderKuotaFake) -> None:
    login = OrderKuotaLogin(fake.base_url)
    masked = login.request_otp(fake.username, fake.password)
    assert masked == "toko" + "*" * 10 + "@example.com"  # tokokopi.kasir@example.com
    token = login.verify_otp(fake.username, f" {fake.otp_for(fake.username)} ")
    assert fake.tokens[token] == fake.username
    p = OrderKuotaProvider(fake.base_url, fake.username, token)
    assert p.create(create_request(15000)).payable_amount >= 15000
    p.close()


def test_wrong_password_is_http_200_with_error(fake: OrderKuotaFake) -> None:
    with pytest.raises(LoginFailed) as err:
        OrderKuotaLogin(fake.base_url).request_otp(fake.username, "salah")
    assert str(err.value) == "orderkuota: username or password wrong"
    assert fake.requests_to("/api/v2/users/auth")[-1].path == "/api/v2/users/auth"
    with pytest.raises(LoginFailed):
        OrderKuotaLogin(fake.base_url).request_otp("nobody", "x")


def test_wrong_otp(fake: OrderKuotaFake) -> None:
    login = OrderKuotaLogin(fake.base_url)
    login.request_otp(fake.username, fake.password)
    with pytest.raises(LoginFailed) as err:
        login.verify_otp(fake.username, "000000")
    assert str(err.value) == "orderkuota: OTP was wrong"
    assert fake.tokens == {}


def test_otp_is_single_use(fake: OrderKuotaFake) -> None:
    login = OrderKuotaLogin(fake.base_url)
    login.request_otp(fake.username, fake.password)
    login.verify_otp(fake.username, fake.otp_for())
    with pytest.raises(LoginFailed):
        login.verify_otp(fake.username, fake.otp_for())


@pytest.mark.parametrize("path, body", [
    ("/api/v2/users/auth", {"status": None, "data": {"email": {"status": "Maybe"}}}),
    ("/api/v2/users/auth", {"status": None, "data": None}),
    ("/api/v2/users/auth", {"status": None, "data": {"email": {"status": "Success", "data": {}}}}),
    ("/api/v2/users/auth/otp", {"status": "OK", "data": {}}),
    ("/api/v2/users/auth/otp", {"status": "Huh"}),
])
def test_login_rejects_surprising_answers(fake: OrderKuotaFake, path, body) -> None:
    login = OrderKuotaLogin(fake.base_url)
    if path.endswith("otp"):
        login.request_otp(fake.username, fake.password)
    fake.inject(Fault.status(200, body=body), path=path)
    with pytest.raises(BadResponse):
        if path.endswith("otp"):
            login.verify_otp(fake.username, fake.otp_for())
        else:
            login.request_otp(fake.username, fake.password)


def test_login_errors_never_show_the_password(fake: OrderKuotaFake) -> None:
    password = "Sup3r-Secret-Pass"
    leaky = Fault.status(400, body={"message": f"bad password {password}"})
    fake.inject(leaky, path="/api/v2/users/auth")
    with pytest.raises(Rejected) as err:
        OrderKuotaLogin(fake.base_url).request_otp(fake.username, password)
    assert password not in str(err.value)


def test_retry_sends_only_the_remaining_lifetime(fake: OrderKuotaFake, provider) -> None:
    from dataclasses import replace
    from datetime import timedelta

    # The first attempt was two minutes ago; the QR must still end when it was meant to.
    two_minutes_ago = datetime.now(UTC) - timedelta(seconds=120)
    req = replace(create_request(15000, ttl_s=600), created_at=two_minutes_ago)
    provider.create(req)
    [sent] = fake.requests_to(CREATE, "POST")
    assert 478 <= sent.json["expires_at"] <= 481
