"""The first-run guide (issue 13): every step walked like a new owner would, on a real data dir
and a real SQLite file; values are checked where they must land (``Settings.load(data_dir)``,
the users and products tables), pictures are real PNGs made with segno, and the test sale runs
through a real PaymentService and sync engine with the simulator.

``POS_APP_SCREENSHOTS=1`` also writes docs/screenshot-first-run-<n>-<name>.png (1366x768).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from pos_app import qris
from pos_app.cart import Cart
from pos_app.clock import utcnow
from pos_app.order_state import OrderStatus
from pos_app.payments import PaymentService
from pos_app.settings import KEYS, Settings
from pos_app.staff import Role
from pos_app.storage import catalog, open_database, staff as staff_store
from pos_app.storage.database import Database
from pos_app.storage.orders import load_order
from pos_app.ui import i18n
from pos_app.ui.bridge import SyncBridge
from pos_app.ui.events import AppEvents
from pos_app.ui.first_run import STEPS, FirstRunGuide, needs_first_run
from pos_app.ui.first_run.owner import OwnerStep
from pos_app.ui.first_run.products import ProductsStep
from pos_app.ui.first_run.progress import STEP_KEY, pc_zone, trial_amount
from pos_app.ui.first_run.qris_step import QrisStep, names_differ
from pos_app.ui.first_run.steps import (
    CASHIER,
    GATEWAY,
    MUTASI,
    DevicesStep,
    FormStep,
    PaymentStep,
)
from pos_app.ui.first_run.trial_sale import TestSaleStep
from pos_app.ui.tasks import TaskManager
from sync.providers import PROVIDERS
from sync.providers.info import Confirmation
from tests.qris_pictures import bad_crc_payload, write_no_qr, write_qr_png
from tests.qris_samples import BANKNEO, DYNAMIC_SORTED, STATIC_SORTED
from tests.waiting import WAIT_MS, qt_wait_for

DOCS = Path(__file__).resolve().parent.parent / "docs"
SCREEN = (1366, 768)


@pytest.fixture(autouse=True)
def indonesian() -> Iterator[None]:
    i18n.set_language("id")
    yield
    i18n.set_language("id")


class Shop:
    """A till's data dir: its settings, its database and the window's worker threads."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.settings = Settings.load(data_dir)
        self.db: Database = open_database(data_dir / "pos.sqlite3")
        self.tasks = TaskManager()

    def reloaded(self) -> Settings:
        return Settings.load(self.data_dir)

    def close(self) -> None:
        self.tasks.shutdown()
        self.db.close()


@pytest.fixture
def shop(data_dir: Path, qapp) -> Iterator[Shop]:  # type: ignore[no-untyped-def]
    s = Shop(data_dir)
    yield s
    s.close()


def open_guide(qtbot, shop: Shop, **kwargs: Any) -> FirstRunGuide:  # type: ignore[no-untyped-def]
    kwargs.setdefault("demo", True)
    guide = FirstRunGuide(shop.settings, shop.db, shop.tasks, **kwargs)
    qtbot.addWidget(guide)
    guide.resize(*SCREEN)
    guide.show()
    qtbot.waitExposed(guide, timeout=WAIT_MS)
    idle(qtbot, shop)
    return guide


def idle(qtbot, shop: Shop) -> None:  # type: ignore[no-untyped-def]
    qt_wait_for(qtbot, lambda: shop.tasks.pending == 0, "the guide's worker jobs")


def editor(guide: FirstRunGuide, key: str) -> Any:
    for step in guide.steps:
        if isinstance(step, FormStep) and key in step.form.fields:
            return step.form.fields[key].editor
    raise KeyError(key)


def error_text(guide: FirstRunGuide, key: str) -> str:
    for step in guide.steps:
        if isinstance(step, FormStep) and key in step.form.fields:
            label = step.form.fields[key].error
            return "" if label.isHidden() else label.text()
    raise KeyError(key)


def type_into(qtbot, edit: QLineEdit, text: str) -> None:  # type: ignore[no-untyped-def]
    edit.selectAll()
    edit.del_()
    qtbot.keyClicks(edit, text)


def choose(box: QComboBox, value: str) -> None:
    index = box.findData(value)
    assert index >= 0, f"{value!r} not offered in {box.objectName()}"
    box.setCurrentIndex(index)


def click(qtbot, button: QPushButton) -> None:  # type: ignore[no-untyped-def]
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def next_to(qtbot, guide: FirstRunGuide, key: str) -> None:  # type: ignore[no-untyped-def]
    """Press Lanjut and wait until the guide shows step ``key``."""
    click(qtbot, guide.next_button)
    qt_wait_for(qtbot, lambda: guide.current.key == key,
                f"step {key!r} (still on {guide.current.key!r}: {guide.summary_text()!r})")


def fill_store(qtbot, guide: FirstRunGuide) -> None:  # type: ignore[no-untyped-def]
    type_into(qtbot, editor(guide, "store.name"), "Warung Bu Sri")
    type_into(qtbot, editor(guide, "store.address"), "Jl. Melati 3, Makassar")
    type_into(qtbot, editor(guide, "store.terminal_id"), "k2")
    choose(editor(guide, "store.timezone"), "Asia/Makassar")
    choose(editor(guide, "tax.mode"), "added")
    type_into(qtbot, editor(guide, "tax.rate_percent"), "11")


def fill_owner(qtbot, guide: FirstRunGuide, name: str = "Bu Sri",  # type: ignore[no-untyped-def]
               pin: str = "482916", pin2: str | None = None) -> OwnerStep:
    step = guide.current
    assert isinstance(step, OwnerStep)
    type_into(qtbot, step.form.name_edit, name)
    type_into(qtbot, step.form.pin_edit, pin)
    type_into(qtbot, step.form.pin2_edit, pin if pin2 is None else pin2)
    return step


def progress(shop: Shop) -> str:
    return str(shop.reloaded().get(STEP_KEY))


# --------------------------------------------------------------------------- progress rules


def test_the_progress_key_is_in_the_registry_with_the_steps_in_order() -> None:
    assert STEPS == ("store", "owner", "qris", "payment", "products", "devices", "test_sale")
    assert KEYS[STEP_KEY].choices == ("", *STEPS, "done")
    assert KEYS[STEP_KEY].default_value == ""


def test_needs_first_run(shop: Shop) -> None:
    assert needs_first_run(shop.settings, shop.db)  # fresh: no owner, nothing done
    staff_store.ensure_demo_user(shop.db, "Pemilik Demo", Role.OWNER, "1234", utcnow())
    assert needs_first_run(shop.settings, shop.db)  # demo's owner is not the shop's
    staff_store.add_user(shop.db, "Bu Sri", Role.OWNER, "482916", utcnow(), actor="test")
    assert not needs_first_run(shop.settings, shop.db)  # set up before the guide existed
    shop.settings.set(STEP_KEY, "owner")
    assert needs_first_run(shop.settings, shop.db)  # started, not finished: resume
    shop.settings.set(STEP_KEY, "done")
    assert not needs_first_run(shop.settings, shop.db)


def test_the_pc_time_zone_becomes_wib_wita_or_wit() -> None:
    assert pc_zone(timedelta(hours=7)) == "Asia/Jakarta"
    assert pc_zone(timedelta(hours=8)) == "Asia/Makassar"
    assert pc_zone(timedelta(hours=9)) == "Asia/Jayapura"
    assert pc_zone(timedelta(0)) == "Asia/Jakarta"  # a PC left on UTC
    assert pc_zone(timedelta(hours=5, minutes=30)) == "Asia/Jakarta"
    assert pc_zone() in ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")


def test_the_test_amount_is_one_rupiah_unless_a_provider_declares_a_minimum() -> None:
    for name in PROVIDERS:
        assert trial_amount(name) == 1
    assert trial_amount("no-such-provider") == 1


# --------------------------------------------------------------------------- the whole walk


def test_walk_every_step_and_the_values_land_where_they_belong(qtbot, shop: Shop) -> None:
    guide = open_guide(qtbot, shop)
    written: list[list[str]] = []
    guide.saved.connect(written.append)
    assert guide.current.key == "store" and guide.windowTitle() == "Persiapan toko"
    assert not guide.back_button.isEnabled()
    assert editor(guide, "store.name").text() == ""  # not "Warung Demo": the shop's own name

    # 1. Toko
    fill_store(qtbot, guide)
    next_to(qtbot, guide, "owner")
    s = shop.reloaded()
    assert (s.get("store.name"), s.get("store.address"), s.get("store.terminal_id"),
            s.get("store.timezone"), s.get("tax.mode"), s.get("tax.rate_percent")) == \
        ("Warung Bu Sri", "Jl. Melati 3, Makassar", "K2", "Asia/Makassar", "added", 1100)
    assert progress(shop) == "store"
    assert s.is_demo()  # nothing about payments was written

    # 2. Pemilik
    fill_owner(qtbot, guide)
    next_to(qtbot, guide, "qris")
    owner = staff_store.get_user(shop.db, "Bu Sri")
    assert owner.role is Role.OWNER and owner.active
    assert staff_store.sign_in(shop.db, "Bu Sri", "482916", utcnow()).name == "Bu Sri"
    assert progress(shop) == "owner"

    # 3. QRIS toko: pasted text, previewed before it is saved
    step = guide.current
    assert isinstance(step, QrisStep)
    assert guide.next_button.text() == "Lewati langkah ini"
    QGuiApplication.clipboard().setText("  " + BANKNEO + "\n")
    click(qtbot, step.paste_button)
    preview = step.page.preview.text()
    assert "Nama merchant: WARUNG BU SRI" in preview and "NMID: ID1022123456789" in preview
    assert "Acquirer: ID.CO.BANKNEO.WWW" in preview and "Statis" in preview
    assert not shop.reloaded().get("payment.static_qris")  # not before Lanjut
    assert guide.next_button.text() == "Lanjut"
    next_to(qtbot, guide, "payment")
    assert shop.reloaded().get("payment.static_qris") == BANKNEO

    # 4. Konfirmasi pembayaran: the cashier confirms (static QRIS, no mutasi source)
    step4 = guide.current
    assert isinstance(step4, PaymentStep)
    click(qtbot, step4.cards[CASHIER].radio)
    assert step4.cards[CASHIER].radio.isChecked()
    next_to(qtbot, guide, "products")
    s = shop.reloaded()
    assert s.get("payment.provider") == "static" and s.get("payment.mutasi_source") == ""
    assert not s.is_demo()

    # 5. Produk: the sample list, as the shop's own products
    step5 = guide.current
    assert isinstance(step5, ProductsStep)
    click(qtbot, step5.demo_button)
    idle(qtbot, shop)
    assert step5.status_text().startswith("32 produk contoh siap dijual")
    assert catalog.product_count(shop.db) == 32 and catalog.demo_count(shop.db) == 0
    assert step5.count_label.text() == "Katalog sekarang: 32 produk"
    next_to(qtbot, guide, "devices")

    # 6. Perangkat
    volume = editor(guide, "hardware.soundbox.volume")
    assert isinstance(volume, QSpinBox)
    volume.setValue(60)
    choose(editor(guide, "hardware.soundbox.port"), "off")
    next_to(qtbot, guide, "test_sale")
    s = shop.reloaded()
    assert s.get("hardware.soundbox.volume") == 60 and s.get("hardware.soundbox.port") == "off"

    # 7. Tes transaksi: no till to sell through here, so it is skipped
    assert guide.next_button.text() == "Lewati tes"
    next_to(qtbot, guide, "")
    assert progress(shop) == "test_sale"

    # Selesai
    finish = guide.current
    idle(qtbot, shop)
    text = finish.text()  # type: ignore[attr-defined]
    assert text["store"] == "Warung Bu Sri · Asia/Makassar · K2"
    assert text["owner"] == "Bu Sri" and text["qris"] == "WARUNG BU SRI, JAKARTA SELATAN"
    assert text["payment"] == "QRIS statis toko" and text["products"] == "32 produk"
    assert text["test"] == "dilewati"
    assert guide.next_button.text() == "Selesai — mulai berjualan"
    assert not guide.skip_button.isVisible()
    with qtbot.waitSignal(guide.finished_setup, timeout=WAIT_MS):
        click(qtbot, guide.next_button)
    assert not guide.isVisible()
    assert progress(shop) == "done"
    assert not needs_first_run(shop.reloaded(), shop.db)
    keys = [k for batch in written for k in batch]
    assert {"store.name", "payment.static_qris", "payment.provider",
            "hardware.soundbox.volume"} <= set(keys)
    assert STEP_KEY not in keys  # the guide's own mark is not a setting the window applies


def test_back_keeps_what_was_typed(qtbot, shop: Shop) -> None:
    guide = open_guide(qtbot, shop)
    fill_store(qtbot, guide)
    next_to(qtbot, guide, "owner")
    owner = fill_owner(qtbot, guide, name="Pak Budi", pin="1357", pin2="1357")
    click(qtbot, guide.back_button)
    assert guide.current.key == "store"
    assert editor(guide, "store.name").text() == "Warung Bu Sri"
    type_into(qtbot, editor(guide, "store.address"), "Jl. Mawar 9")  # an edit, not saved yet
    click(qtbot, guide.step_buttons[1])  # the list on the left goes there too
    assert guide.current is owner
    assert (owner.form.name_edit.text(), owner.form.pin_edit.text(),
            owner.form.pin2_edit.text()) == ("Pak Budi", "1357", "1357")
    assert staff_store.list_users(shop.db) == []  # Kembali saved nothing
    click(qtbot, guide.back_button)
    assert editor(guide, "store.address").text() == "Jl. Mawar 9"
    assert shop.reloaded().get("store.address") == "Jl. Melati 3, Makassar"
    next_to(qtbot, guide, "owner")
    assert shop.reloaded().get("store.address") == "Jl. Mawar 9"
    assert not guide.step_buttons[3].isEnabled()  # not reachable before step 3 is done


def test_invalid_input_on_next_shows_the_error_and_stays(qtbot, shop: Shop) -> None:
    guide = open_guide(qtbot, shop)
    type_into(qtbot, editor(guide, "store.terminal_id"), "kasir 1")
    choose(editor(guide, "tax.mode"), "added")
    type_into(qtbot, editor(guide, "tax.rate_percent"), "sebelas")
    click(qtbot, guide.next_button)
    assert guide.current.key == "store"
    assert error_text(guide, "store.name") == "Isi nama toko Anda."
    assert error_text(guide, "store.terminal_id").startswith("Tidak valid: ")
    assert error_text(guide, "tax.rate_percent").startswith("Tidak valid: ")
    assert guide.summary_text() == ("Belum disimpan. Periksa: Nama toko, ID kasir (terminal), "
                                    "Tarif PPN")
    assert editor(guide, "store.terminal_id").text() == "kasir 1"  # nothing typed is lost
    assert not (shop.data_dir / "config.toml").exists() or not shop.reloaded().is_set(
        "store.terminal_id")
    assert progress(shop) == ""
    # Fixed: it goes on, and the summary is gone.
    type_into(qtbot, editor(guide, "store.name"), "Toko Maju")
    type_into(qtbot, editor(guide, "store.terminal_id"), "K1")
    type_into(qtbot, editor(guide, "tax.rate_percent"), "11,5")
    next_to(qtbot, guide, "owner")
    assert guide.summary_text() == ""
    assert shop.reloaded().get("tax.rate_percent") == 1150

    # The owner's form: its own checks, its own messages, the step stays.
    fill_owner(qtbot, guide, pin="1234", pin2="4321")
    click(qtbot, guide.next_button)
    owner = guide.current
    assert isinstance(owner, OwnerStep)
    assert owner.errors() == {"pin2": "PIN kedua tidak sama. Ketik keduanya lagi."}
    assert owner.form.name_edit.text() == "Bu Sri"
    fill_owner(qtbot, guide, pin="12")
    click(qtbot, guide.next_button)
    assert owner.errors() == {"pin": "PIN harus 4 sampai 6 angka"}
    assert guide.current is owner and staff_store.list_users(shop.db) == []
    # Enter in the last PIN field is Lanjut.
    fill_owner(qtbot, guide, pin="2468")
    qtbot.keyClick(owner.form.pin2_edit, Qt.Key.Key_Return)
    qt_wait_for(qtbot, lambda: guide.current.key == "qris", "the QRIS step")


def test_escape_does_not_close_the_guide(qtbot, shop: Shop) -> None:
    guide = open_guide(qtbot, shop)
    type_into(qtbot, editor(guide, "store.name"), "Toko Maju")
    qtbot.keyClick(guide, Qt.Key.Key_Escape)
    assert guide.isVisible() and editor(guide, "store.name").text() == "Toko Maju"


def test_skip_to_demo_saves_nothing_more(qtbot, shop: Shop) -> None:
    guide = open_guide(qtbot, shop)
    type_into(qtbot, editor(guide, "store.name"), "Toko Maju")
    assert guide.skip_button.text() == "Lewati — coba mode demo"
    with qtbot.waitSignal(guide.skipped_to_demo, timeout=WAIT_MS):
        click(qtbot, guide.skip_button)
    assert not guide.isVisible()
    s = shop.reloaded()
    assert s.is_demo() and not s.is_set("store.name") and progress(shop) == ""
    assert needs_first_run(s, shop.db)  # offered again at the next start


def test_closing_the_window_is_skipping_to_demo(qtbot, shop: Shop) -> None:
    guide = open_guide(qtbot, shop)
    with qtbot.waitSignal(guide.skipped_to_demo, timeout=WAIT_MS):
        guide.close()
    assert not guide.isVisible()


def test_resume_after_a_restart_opens_at_the_first_step_not_completed(qtbot,
                                                                      shop: Shop) -> None:
    guide = open_guide(qtbot, shop)
    fill_store(qtbot, guide)
    next_to(qtbot, guide, "owner")
    fill_owner(qtbot, guide)
    next_to(qtbot, guide, "qris")
    QGuiApplication.clipboard().setText(BANKNEO)
    step = guide.current
    assert isinstance(step, QrisStep)
    click(qtbot, step.paste_button)  # typed, not saved: the restart loses it
    with qtbot.waitSignal(guide.skipped_to_demo, timeout=WAIT_MS):
        click(qtbot, guide.skip_button)
    assert progress(shop) == "owner"

    # "Restart": a new guide on the same data dir, settings and database read afresh.
    shop.settings = shop.reloaded()
    assert needs_first_run(shop.settings, shop.db)
    again = open_guide(qtbot, shop)
    assert again.current.key == "qris" and again.completed == 2
    assert [b.text() for b in again.step_buttons[:3]] == ["1. Toko ✓", "2. Pemilik ✓",
                                                         "3. QRIS toko"]
    assert again.step_buttons[2].property("current") is True
    assert not again.step_buttons[3].isEnabled()
    owner = again.step("owner")
    assert isinstance(owner, OwnerStep)
    assert owner.done_label.text() == "Pemilik: Bu Sri ✓" and owner.form.isHidden()
    click(qtbot, again.step_buttons[0])
    assert editor(again, "store.name").text() == "Warung Bu Sri"
    click(qtbot, again.next_button)
    qt_wait_for(qtbot, lambda: again.current.key == "owner", "the owner step")
    next_to(qtbot, again, "qris")  # an owner who exists is not asked for again
    assert len(staff_store.list_users(shop.db)) == 1
    assert progress(shop) == "owner"  # saving an earlier step again never moves it back


def test_an_existing_owner_is_shown_and_a_demo_owner_is_not(qtbot, shop: Shop) -> None:
    staff_store.ensure_demo_user(shop.db, "Pemilik Demo", Role.OWNER, "1234", utcnow())
    shop.settings.set(STEP_KEY, "store")
    guide = open_guide(qtbot, shop)
    owner = guide.current
    assert isinstance(owner, OwnerStep) and owner.owner is None
    assert owner.form.isVisible()  # the demo's owner doesn't count
    fill_owner(qtbot, guide, name="Pak Budi")
    next_to(qtbot, guide, "qris")
    assert staff_store.get_user(shop.db, "Pak Budi").role is Role.OWNER


# --------------------------------------------------------------------------- QRIS from pictures


def test_qris_from_a_png_file(qtbot, shop: Shop, tmp_path: Path) -> None:
    shop.settings.set(STEP_KEY, "owner")
    guide = open_guide(qtbot, shop)
    step = guide.current
    assert isinstance(step, QrisStep)
    picture = write_qr_png(BANKNEO, tmp_path / "stiker.png")
    step.read_file(picture)
    assert step.busy() and not step.pick_button.isEnabled()
    idle(qtbot, shop)
    assert step.page.text() == BANKNEO
    assert step.read_status_text() == "QRIS terbaca dari stiker.png."
    assert "Nama merchant: WARUNG BU SRI" in step.page.preview.text()
    assert step.pick_button.isEnabled() and guide.next_button.isEnabled()
    next_to(qtbot, guide, "payment")
    assert shop.reloaded().get("payment.static_qris") == BANKNEO


def test_a_picture_with_two_different_qris_is_refused(qtbot, shop: Shop, tmp_path: Path) -> None:
    """Another merchant's QRIS beside the shop's: the money would go to whichever came first."""
    from PIL import Image

    from tests.qris_samples import FEE_FIXED

    shop.settings.set(STEP_KEY, "owner")
    guide = open_guide(qtbot, shop)
    step = guide.current
    a = Image.open(write_qr_png(BANKNEO, tmp_path / "a.png")).convert("RGB")
    b = Image.open(write_qr_png(FEE_FIXED, tmp_path / "b.png")).convert("RGB")
    both = Image.new("RGB", (a.width + b.width + 40, max(a.height, b.height)), "white")
    both.paste(a, (0, 0))
    both.paste(b, (a.width + 40, 0))
    both.save(tmp_path / "dua.png")
    step.read_file(tmp_path / "dua.png")
    idle(qtbot, shop)
    assert step.page.text() == "", "nothing filled in"
    assert step.read_status_text().startswith("Ada 2 QRIS berbeda di dua.png")
    assert shop.reloaded().get("payment.static_qris") == ""


def test_qris_from_a_pasted_picture(qtbot, shop: Shop, tmp_path: Path) -> None:
    shop.settings.set(STEP_KEY, "owner")
    guide = open_guide(qtbot, shop)
    step = guide.current
    assert isinstance(step, QrisStep)
    picture = QImage(str(write_qr_png(BANKNEO, tmp_path / "screenshot.png")))
    QGuiApplication.clipboard().setImage(picture)
    click(qtbot, step.paste_button)
    idle(qtbot, shop)
    assert step.page.text() == BANKNEO
    assert step.read_status_text() == "QRIS terbaca dari gambar yang ditempel."


def test_a_picture_that_is_not_a_qris_says_so_and_keeps_the_text(qtbot, shop: Shop,
                                                                tmp_path: Path) -> None:
    shop.settings.set(STEP_KEY, "owner")
    guide = open_guide(qtbot, shop)
    step = guide.current
    assert isinstance(step, QrisStep)
    step.page.box.setPlainText("000201 ketikan saya")
    step.read_file(write_qr_png("https://wa.me/6281234567890", tmp_path / "wa.png"))
    idle(qtbot, shop)
    assert step.read_status_text() == ("Kode QR ini bukan QRIS — foto stiker QRIS toko (ada "
                                       "tulisan QRIS di atasnya)")
    assert step.page.box.toPlainText() == "000201 ketikan saya"  # nothing typed is lost
    step.read_file(write_no_qr(tmp_path / "meja.jpg"))
    idle(qtbot, shop)
    assert step.read_status_text().startswith("Tidak ada kode QR di gambar ini")
    (tmp_path / "catatan.txt").write_text("bukan gambar", encoding="utf-8")
    step.read_file(tmp_path / "catatan.txt")
    idle(qtbot, shop)
    assert step.read_status_text() == "Berkas ini bukan gambar (PNG/JPEG) atau PDF"
    i18n.set_language("en")
    step.read_file(tmp_path / "catatan.txt")
    idle(qtbot, shop)
    assert step.read_status_text() == "This file is not a picture (PNG/JPEG) or PDF"


def test_qris_warnings_before_saving(qtbot, shop: Shop) -> None:
    shop.settings.set(STEP_KEY, "owner")
    guide = open_guide(qtbot, shop)
    step = guide.current
    assert isinstance(step, QrisStep)
    box, warnings = step.page.box, step.page.warnings

    box.setPlainText(qris.build([(t, "SG") if t == "58" else (t, v) for t, v in STATIC_SORTED]))
    assert warnings.text() == ("QRIS ini dari negara lain (kode negara SG), bukan QRIS "
                               "Indonesia: tidak bisa dipakai.")
    click(qtbot, guide.next_button)
    assert guide.current is step
    assert error_text(guide, "payment.static_qris").startswith("Tidak bisa disimpan")
    assert not shop.reloaded().get("payment.static_qris")

    box.setPlainText(bad_crc_payload())
    assert warnings.text().startswith("Kode pemeriksa (CRC) QRIS ini salah")
    click(qtbot, guide.next_button)
    assert guide.current is step and not shop.reloaded().get("payment.static_qris")

    # Another shop's QRIS (a newcomer's "Warung Bu Sari" holding WARUNG BU SRI's sticker):
    # a hint, not a refusal (merchant names are often legal or shortened names).
    shop.settings.set("store.name", "Warung Bu Sari")
    box.setPlainText(qris.build(STATIC_SORTED))
    assert warnings.text() == ("Nama merchant di QRIS (WARUNG BU SRI) tidak mirip nama toko "
                               "(Warung Bu Sari). Pastikan ini QRIS toko Anda sendiri: uang "
                               "masuk ke pemilik QRIS ini.")
    shop.settings.set("store.name", "Warung Bu Sri")
    box.setPlainText("")
    box.setPlainText(qris.build(STATIC_SORTED))
    assert warnings.isHidden(), warnings.text()
    # the right name, but registered in another town than the shop's address says
    shop.settings.set("store.address", "Jl. Melati 3, Makassar")
    box.setPlainText("")
    box.setPlainText(qris.build(STATIC_SORTED))
    assert warnings.text().startswith("Kota di QRIS (JAKARTA SELATAN) berbeda dengan alamat "
                                      "toko (Jl. Melati 3, Makassar)."), warnings.text()
    shop.settings.set("store.address", "Jl. Melati 3, Jakarta Selatan")
    box.setPlainText("")
    box.setPlainText(qris.build(STATIC_SORTED))
    assert warnings.isHidden(), warnings.text()

    box.setPlainText(DYNAMIC_SORTED)  # warned about, but the registry takes it
    assert warnings.text().startswith("QRIS ini dinamis (berisi nominal Rp 25.000)")
    assert "Dinamis" in step.page.preview.text()
    next_to(qtbot, guide, "payment")
    assert shop.reloaded().get("payment.static_qris") == DYNAMIC_SORTED


# --------------------------------------------------------------------------- payments, devices


def test_the_payment_choices_come_from_the_provider_descriptions(qtbot, shop: Shop) -> None:
    shop.settings.set(STEP_KEY, "qris")
    guide = open_guide(qtbot, shop)
    step = guide.current
    assert isinstance(step, PaymentStep)
    provider = editor(guide, "payment.provider")
    source = editor(guide, "payment.mutasi_source")
    assert not any(card.radio.isChecked() for card in step.cards.values())  # the simulator
    assert step.demo_note.isVisible()

    click(qtbot, step.cards[GATEWAY].radio)
    chosen = PROVIDERS[provider.currentData()]
    assert chosen.fields and chosen.confirmation in (Confirmation.POLL, Confirmation.FEED)
    assert not step.demo_note.isVisible()
    gateways = step.cards[GATEWAY].labels[1].text()
    assert "Pakasir" in gateways and "Midtrans" in gateways
    assert step.cards[GATEWAY].labels[0].text().startswith("Gateway: biaya per transaksi")

    click(qtbot, step.cards[MUTASI].radio)
    assert PROVIDERS[provider.currentData()].takes_mutasi_source and source.currentData()

    choose(provider, "orkut")  # the combo ticks the card that fits
    assert step.cards[MUTASI].radio.isChecked()
    choose(provider, "pakasir")
    assert step.cards[GATEWAY].radio.isChecked()
    # Pakasir's keys are missing: the Settings page's rule, under its fields; nothing saved.
    click(qtbot, guide.next_button)
    assert guide.current is step
    assert error_text(guide, "providers.pakasir.project") == "Wajib diisi untuk Pakasir."
    assert "Pakasir" in guide.summary_text()
    assert shop.reloaded().is_demo()
    # The page below is the Settings page, with its connection test.
    assert step.page.panels["pakasir"].test_button is not None
    # Back to the simulator: no card, and nothing changes on Lanjut (still a demo).
    choose(provider, "simulator")
    assert not any(card.radio.isChecked() for card in step.cards.values())
    next_to(qtbot, guide, "products")
    assert shop.reloaded().is_demo()


def test_a_static_qris_saved_on_step_3_is_seen_on_step_4(qtbot, shop: Shop) -> None:
    shop.settings.set(STEP_KEY, "owner")
    guide = open_guide(qtbot, shop)
    step = guide.current
    assert isinstance(step, QrisStep)
    step.page.box.setPlainText(BANKNEO)
    next_to(qtbot, guide, "payment")
    payment = guide.current
    assert isinstance(payment, PaymentStep)
    click(qtbot, payment.cards[CASHIER].radio)
    assert payment.page.qris_preview_text().count("WARUNG BU SRI") == 1
    next_to(qtbot, guide, "products")
    assert shop.reloaded().get("payment.provider") == "static"


def test_device_tests_go_to_the_window_and_come_back(qtbot, shop: Shop) -> None:
    shop.settings.set(STEP_KEY, "products")
    guide = open_guide(qtbot, shop)
    assert guide.current.key == "devices"
    button = guide.findChild(QPushButton, "deviceTest.soundbox")
    assert button is not None
    with qtbot.waitSignal(guide.deviceTestRequested, timeout=WAIT_MS) as blocker:
        click(qtbot, button)
    assert blocker.args == ["soundbox"]
    values = guide.device_values("soundbox")
    assert values["hardware.soundbox.port"] == "auto" and values["hardware.speaker"] is True
    assert guide.device_test_status("soundbox") == "Menguji…"
    guide.show_device_test_result("soundbox", True, "Soundbox menjawab (SB-01)")
    assert guide.device_test_status("soundbox") == "Soundbox menjawab (SB-01)"


# --------------------------------------------------------------------------- products


def test_products_from_a_file_with_the_import_preview(qtbot, shop: Shop,
                                                      tmp_path: Path) -> None:
    shop.settings.set(STEP_KEY, "payment")
    catalog.seed_demo(shop.db)  # a till that ran as a demo first: the shop's list replaces it
    guide = open_guide(qtbot, shop)
    step = guide.current
    assert isinstance(step, ProductsStep)
    assert step.count_label.text() == "Katalog sekarang: 32 produk"
    price_list = tmp_path / "harga.csv"
    price_list.write_text("nama,harga,kategori\nKopi Susu,8000,Minuman\nRoti Bakar,12000,"
                          "Makanan\n", encoding="utf-8")
    step.import_file(price_list)
    qt_wait_for(qtbot, lambda: step.preview is not None and step.preview.isVisible(),
                "the import preview")
    preview = step.preview
    assert preview is not None and preview.to_import == 2
    assert catalog.product_count(shop.db) == 32  # nothing before "Impor 2 produk"
    click(qtbot, preview.commit_button)
    qt_wait_for(qtbot, lambda: step.status_text().startswith("Impor selesai"), "the import")
    idle(qtbot, shop)
    assert step.status_text() == "Impor selesai: 2 ditambah, 0 diubah"
    assert catalog.product_count(shop.db) == 2 and catalog.demo_count(shop.db) == 0
    next_to(qtbot, guide, "devices")


def test_products_file_that_cannot_be_imported_says_why(qtbot, shop: Shop,
                                                         tmp_path: Path) -> None:
    shop.settings.set(STEP_KEY, "payment")
    guide = open_guide(qtbot, shop)
    step = guide.current
    assert isinstance(step, ProductsStep)
    bad = tmp_path / "daftar.csv"
    bad.write_text("warna,ukuran\nmerah,L\n", encoding="utf-8")
    step.import_file(bad)
    idle(qtbot, shop)
    assert step.status_text().startswith("File tidak bisa diimpor: ")
    click(qtbot, step.empty_button)
    assert step.status_text().startswith("Katalog dibiarkan kosong")
    next_to(qtbot, guide, "devices")
    assert catalog.product_count(shop.db) == 0


# --------------------------------------------------------------------------- the test sale


class Till:
    """The window's side of the test sale: a payment service on the shop's database, its
    events on the GUI thread, and the ``start_test_sale`` the window would hand over."""

    def __init__(self, shop: Shop, pay_after: str) -> None:
        shop.settings.set("simulator.pay_after_s", pay_after)
        self.service = PaymentService(shop.db, shop.settings, provider_override="simulator",
                                      poll_interval_s=0.05)
        self.events = AppEvents()
        self.bridge = SyncBridge(self.service, self.events)
        self.service.start()
        self.started: list[int] = []
        self.cancelled: list[str] = []

    def start_test_sale(self, amount: int) -> str:
        self.started.append(amount)
        cart = Cart()
        cart.add_custom("Tes QRIS", amount)
        return self.service.start_qris(cart, note="first-run test").id

    def cancel_test_sale(self, order_id: str) -> None:
        self.cancelled.append(order_id)
        self.service.cancel(order_id, "setup")

    def close(self) -> None:
        self.bridge.detach()
        self.service.stop()


def test_the_test_sale_is_paid_by_the_simulator(qtbot, shop: Shop) -> None:
    till = Till(shop, pay_after="0.3")
    try:
        shop.settings.set(STEP_KEY, "devices")
        guide = open_guide(qtbot, shop, start_test_sale=till.start_test_sale,
                           events=till.events, cancel_test_sale=till.cancel_test_sale)
        step = guide.current
        assert isinstance(step, TestSaleStep)
        assert step.provider_label.text() == "Cara pembayaran: Simulator (demo)"
        assert step.note.text().startswith("Mode demo: simulator membayar sendiri")
        assert step.start_button.text() == "Mulai tes Rp 1"
        # Before the test, "Lewati tes" is a plain button that Enter doesn't press: the
        # green corner a hand is used to must not skip the test. Enter starts it.
        assert guide.next_button.text() == "Lewati tes"
        assert guide.next_button.property("quiet") is True and not guide.next_button.isDefault()
        qt_wait_for(qtbot, step.start_button.hasFocus, "Mulai tes focused")
        QTest.keyClick(step.start_button, Qt.Key.Key_Return)
        qt_wait_for(qtbot, lambda: step.qr is not None or step.paid is not None, "the QR")
        assert till.started == [1]
        qt_wait_for(qtbot, lambda: step.paid is not None, "the payment")
        assert step.status_text() == "Lunas! Rp 1 diterima"
        assert step.status.property("state") == "paid"
        assert guide.next_button.text() == "Lanjut"
        assert guide.next_button.property("quiet") is False and guide.next_button.isDefault()
        assert till.events.till_order is None  # the guide let go of the order
        order = load_order(shop.db, step.order_id or "")
        assert order.status is OrderStatus.PAID and order.total == 1
        next_to(qtbot, guide, "")
        assert progress(shop) == "test_sale" and till.cancelled == []
        assert guide.current.text()["test"] == "lunas"  # type: ignore[attr-defined]
    finally:
        till.close()


def test_a_test_sale_still_being_started_when_the_guide_closes_is_cancelled(
        qtbot, shop: Shop) -> None:
    """The owner closes the guide while the sale is being written: it must not stay open at
    the gateway with no one waiting for it."""
    import threading

    gate = threading.Event()
    cancelled: list[str] = []

    def slow_start(_amount: int) -> str:
        gate.wait(5)
        return "K1-TEST-0001"

    shop.settings.set(STEP_KEY, "devices")
    guide = open_guide(qtbot, shop, start_test_sale=slow_start,
                       cancel_test_sale=cancelled.append)
    step = guide.current
    assert isinstance(step, TestSaleStep)
    click(qtbot, step.start_button)
    guide.skip_to_demo()  # leaves while the write is under way
    gate.set()
    qt_wait_for(qtbot, lambda: cancelled == ["K1-TEST-0001"], "the late sale cancelled")


def test_the_qr_is_shown_big_and_leaving_cancels_a_test_still_waiting(qtbot,
                                                                       shop: Shop) -> None:
    from tests.qr_decode import decode

    till = Till(shop, pay_after="never")
    try:
        shop.settings.set(STEP_KEY, "devices")
        guide = open_guide(qtbot, shop, start_test_sale=till.start_test_sale,
                           events=till.events, cancel_test_sale=till.cancel_test_sale)
        step = guide.current
        assert isinstance(step, TestSaleStep)
        click(qtbot, step.start_button)
        qt_wait_for(qtbot, lambda: step.qr is not None, "the QR")
        assert step.qr_view.isVisible() and step.qr_view.width() >= 300
        assert step.status_text() == "Pindai QR ini dengan HP Anda dan bayar Rp 1."
        assert not step.start_button.isEnabled()
        assert step.qr is not None  # what a phone reads off the screen is the QR's payload
        assert decode(step.qr_view.grab_qimage()) == [step.qr.payload]
        assert till.events.till_order == step.order_id
        # A language switch keeps the test where it is.
        click(qtbot, guide.language_button)
        step = guide.current
        assert isinstance(step, TestSaleStep)
        assert step.status_text() == "Scan this QR with your phone and pay Rp 1."
        assert step.qr_view.payload() is not None
        click(qtbot, guide.language_button)
        step = guide.current
        assert isinstance(step, TestSaleStep)
        order_id = step.order_id
        assert guide.next_button.text() == "Lewati tes"
        next_to(qtbot, guide, "")
        idle(qtbot, shop)
        assert till.cancelled == [order_id] and till.events.till_order is None
        qt_wait_for(qtbot, lambda: load_order(shop.db, order_id or "").status
                    is OrderStatus.CANCELLED, "the cancelled test sale")
    finally:
        till.close()


def test_a_test_sale_that_cannot_start_says_why_and_can_be_tried_again(qtbot,
                                                                        shop: Shop) -> None:
    calls: list[int] = []

    def broken(amount: int) -> str:
        calls.append(amount)
        raise OSError("connection refused")

    shop.settings.set(STEP_KEY, "devices")
    guide = open_guide(qtbot, shop, start_test_sale=broken, events=AppEvents())
    step = guide.current
    assert isinstance(step, TestSaleStep)
    click(qtbot, step.start_button)
    idle(qtbot, shop)
    assert step.status.property("state") == "failed" and step.status_text()
    assert step.start_button.text() == "Coba lagi" and step.start_button.isEnabled()
    click(qtbot, step.start_button)
    idle(qtbot, shop)
    assert calls == [1, 1]


# --------------------------------------------------------------------------- language, layout


def test_the_language_switch_retranslates_and_keeps_what_was_typed(qtbot, shop: Shop) -> None:
    guide = open_guide(qtbot, shop)
    written: list[list[str]] = []
    guide.saved.connect(written.append)
    type_into(qtbot, editor(guide, "store.name"), "Warung Bu Sri")
    choose(editor(guide, "tax.mode"), "included")
    assert guide.language_button.text() == "English"
    click(qtbot, guide.language_button)
    assert i18n.language() == "en" and shop.reloaded().get("ui.language") == "en"
    assert written == [["ui.language"]]
    assert guide.windowTitle() == "Shop setup" and guide.title.text() == "Shop"
    assert guide.next_button.text() == "Next" and guide.language_button.text() == \
        "Bahasa Indonesia"
    assert guide.skip_button.text() == "Skip — try demo mode"
    assert editor(guide, "store.name").text() == "Warung Bu Sri"
    assert editor(guide, "tax.mode").currentData() == "included"
    assert editor(guide, "tax.mode").currentText() == "Prices include VAT"
    next_to(qtbot, guide, "owner")
    owner = guide.current
    assert isinstance(owner, OwnerStep)
    fill_owner(qtbot, guide, name="Bu Sri", pin="2468")
    click(qtbot, guide.language_button)
    owner = guide.current
    assert isinstance(owner, OwnerStep) and guide.title.text() == "Pemilik"
    assert (owner.form.name_edit.text(), owner.form.pin_edit.text()) == ("Bu Sri", "2468")
    assert shop.reloaded().get("ui.language") == "id"
    assert shop.reloaded().get("store.name") == "Warung Bu Sri"


def test_buttons_are_touch_sized_and_nothing_is_wider_than_the_screen(qtbot,
                                                                      shop: Shop) -> None:
    guide = open_guide(qtbot, shop)
    for index in range(len(guide.steps)):
        guide._go(index)
        qtbot.wait(20)
        for button in guide.findChildren(QPushButton):
            if button.isVisible():
                assert button.height() >= 44, (guide.current.key, button.text())
        assert guide.stack.currentWidget().width() <= SCREEN[0]
    assert guide.sizeHint().width() <= SCREEN[0] and guide.width() == SCREEN[0]


# --------------------------------------------------------------------------- screenshots


@pytest.mark.skipif(not os.environ.get("POS_APP_SCREENSHOTS"),
                    reason="POS_APP_SCREENSHOTS=1 writes docs/screenshot-first-run-*.png")
def test_screenshots(qtbot, shop: Shop, qapp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from pos_app.ui.app import apply_look

    font, sheet = qapp.font(), qapp.styleSheet()
    apply_look(qapp)  # as the till looks (app.qss), restored for the tests after this one
    till = Till(shop, pay_after="never")
    try:
        guide = open_guide(qtbot, shop, start_test_sale=till.start_test_sale,
                           events=till.events, cancel_test_sale=till.cancel_test_sale)

        def shot(number: int, name: str) -> None:
            qtbot.wait(150)
            guide.grab().save(str(DOCS / f"screenshot-first-run-{number}-{name}.png"))

        fill_store(qtbot, guide)
        shot(1, "toko")
        next_to(qtbot, guide, "owner")
        fill_owner(qtbot, guide)
        shot(2, "pemilik")
        next_to(qtbot, guide, "qris")
        step = guide.current
        assert isinstance(step, QrisStep)
        step.read_file(write_qr_png(BANKNEO, tmp_path / "stiker-qris.png"))
        idle(qtbot, shop)
        shot(3, "qris")
        next_to(qtbot, guide, "payment")
        payment = guide.current
        assert isinstance(payment, PaymentStep)
        click(qtbot, payment.cards[MUTASI].radio)
        shot(4, "pembayaran")
        # As if "Login…" had been done: the statement account's keys are stored.
        type_into(qtbot, editor(guide, "providers.orderkuota.username"), "warungbusri")
        shop.settings.set("providers.orderkuota.token", "token-for-the-picture")
        next_to(qtbot, guide, "products")
        products = guide.current
        assert isinstance(products, ProductsStep)
        click(qtbot, products.demo_button)
        idle(qtbot, shop)
        shot(5, "produk")
        next_to(qtbot, guide, "devices")
        shot(6, "perangkat")
        next_to(qtbot, guide, "test_sale")
        sale = guide.current
        assert isinstance(sale, TestSaleStep)
        click(qtbot, sale.start_button)
        qt_wait_for(qtbot, lambda: sale.qr is not None, "the QR")
        shot(7, "tes-transaksi")
        till.service.simulate_paid(sale.order_id or "")
        qt_wait_for(qtbot, lambda: sale.paid is not None, "the payment")
        shot(8, "tes-lunas")
        next_to(qtbot, guide, "")
        idle(qtbot, shop)
        shot(9, "selesai")
    finally:
        till.close()
        qapp.setStyleSheet(sheet)
        qapp.setFont(font)


def test_skipping_once_the_till_is_live_is_finishing_later_not_a_demo(qtbot, shop: Shop) -> None:
    guide = open_guide(qtbot, shop)
    assert guide.skip_button.text() == "Lewati — coba mode demo"
    guide.close()
    shop.settings.set("payment.provider", "static")  # a real way of confirming payments
    guide = open_guide(qtbot, shop)
    assert guide.skip_button.text() == "Lewati — lanjutkan nanti"


def wheel(widget: QWidget, steps: int) -> None:
    """A mouse wheel turned ``steps`` notches (negative: towards the person) over ``widget``."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(widget.rect().center())), QPoint(),
                        QPoint(0, 120 * steps), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_the_wheel_scrolls_the_page_and_changes_a_choice_only_once_it_is_focused(
        qtbot, shop: Shop) -> None:
    # A newcomer scrolled step 6 with the wheel over "Bahasa pengumuman": it turned English.
    shop.settings.set(STEP_KEY, "products")
    guide = open_guide(qtbot, shop)
    assert isinstance(guide.current, DevicesStep)
    combo = editor(guide, "hardware.announce_language")
    assert isinstance(combo, QComboBox)
    scroll = guide.current.content.verticalScrollBar()
    assert scroll.maximum() > 0, "the step scrolls at 1366x768"
    before, top = combo.currentIndex(), scroll.value()
    wheel(combo, -1)
    assert combo.currentIndex() == before, "the wheel changed a box the person never touched"
    assert scroll.value() > top, "the page did not scroll"
    combo.setFocus(Qt.FocusReason.MouseFocusReason)
    qt_wait_for(qtbot, combo.hasFocus, "the box focused")
    wheel(combo, -1)
    assert combo.currentIndex() != before, "a focused box is edited by the wheel as usual"


@pytest.mark.parametrize(("store", "merchant", "differ"), [
    ("Warung Bu Sari", "WARUNG BU SRI", True),
    ("Warung Bu Sri", "WARUNG BU SRI", False),
    ("Kopi Kenangan Senopati", "KOPI KENANGAN", False),
    ("Toko Sumber Rejeki", "SUMBERREJEKI MART", False),  # one word in the sticker
    ("Toko", "CV ABADI", False),  # nothing telling to compare
    ("Warung Makan Sederhana", "PT MAJU BERSAMA", True),
])
def test_names_differ(store: str, merchant: str, differ: bool) -> None:
    assert names_differ(store, merchant) is differ


def test_choose_picture_opens_where_pictures_are(qtbot, shop: Shop, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # A newcomer's file dialog opened in an empty home folder, with only "Komputer" on its
    # side and its columns cut off; the sticker was in Downloads.
    home = tmp_path / "home"
    for folder in ("Downloads", "Pictures"):
        (home / folder).mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    shop.settings.set(STEP_KEY, "owner")
    guide = open_guide(qtbot, shop)
    step = guide.current
    assert isinstance(step, QrisStep)
    click(qtbot, step.pick_button)
    dialog = step.file_dialog
    assert dialog is not None
    try:
        assert Path(dialog.directory().absolutePath()) == home / "Downloads"
        side = [Path(url.toLocalFile()) for url in dialog.sidebarUrls()]
        assert side[:2] == [home / "Downloads", home / "Pictures"] and home in side
        assert dialog.width() >= 900 and dialog.height() <= 700
    finally:
        dialog.reject()
