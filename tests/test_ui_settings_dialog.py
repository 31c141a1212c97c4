"""The Settings dialog: shows stored values, writes only what changed, refuses bad input
without losing it, previews a pasted static QRIS, and Batal writes nothing.

Every test drives the real dialog (pytest-qt, offscreen) against a real data dir and checks
the result by re-loading ``config.toml`` with a fresh :class:`Settings`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QComboBox, QDialog, QLabel, QLineEdit, QPlainTextEdit, QSpinBox

from pos_app.paths import config_path
from pos_app.settings import KEYS, Settings, SettingsError
from pos_app.ui import i18n, login_dialog, settings
from pos_app.ui.settings import SettingsDialog, payment, tax
from sync.providers import PROVIDERS
from sync.providers.simulator.adapter import DEMO_STATIC_QRIS
from tests.waiting import WAIT_MS

BAD_CRC_QRIS = DEMO_STATIC_QRIS[:-4] + ("0000" if DEMO_STATIC_QRIS[-4:] != "0000" else "1111")


@pytest.fixture(autouse=True)
def indonesian() -> Iterator[None]:
    i18n.set_language("id")
    yield
    i18n.set_language("id")


def open_dialog(qtbot, data_dir: Path, *, screens_count: int | None = 2) -> SettingsDialog:
    dlg = SettingsDialog(Settings.load(data_dir), screens_count=screens_count)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg, timeout=WAIT_MS)
    return dlg


def line(dlg: SettingsDialog, key: str) -> QLineEdit:
    widget = dlg.editor(key)
    assert isinstance(widget, QLineEdit)
    return widget


def combo(dlg: SettingsDialog, key: str) -> QComboBox:
    widget = dlg.editor(key)
    assert isinstance(widget, QComboBox)
    return widget


def qris_box(dlg: SettingsDialog) -> QPlainTextEdit:
    widget = dlg.editor("payment.static_qris")
    assert isinstance(widget, QPlainTextEdit)
    return widget


def choose(box: QComboBox, value: str) -> None:
    index = box.findData(value)
    assert index >= 0, f"{value!r} not offered in {box.objectName()}"
    box.setCurrentIndex(index)


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def click_save(qtbot, dlg: SettingsDialog) -> None:
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)


def reloaded(data_dir: Path) -> Settings:
    return Settings.load(data_dir)


def file_state(data_dir: Path) -> tuple[bytes, int] | None:
    path = config_path(data_dir)
    return (path.read_bytes(), path.stat().st_mtime_ns) if path.exists() else None


# --------------------------------------------------------------------------- opening


def test_opens_with_current_values(qtbot, data_dir: Path) -> None:
    s = Settings.load(data_dir)
    s.set("store.name", "Warung Bu Sri")
    s.set("store.address", "Jl. Melati 3, Bogor")
    s.set("store.terminal_id", "k2")
    s.set("store.timezone", "WITA")
    s.set("tax.mode", "included")
    s.set("tax.rate_percent", "11,5")
    s.set("payment.static_qris", DEMO_STATIC_QRIS)
    s.set("payment.provider", "static")
    s.set("payment.invoice_ttl_s", "300")
    s.set("ui.language", "en")
    s.set("ui.customer_display_screen", "1")

    dlg = open_dialog(qtbot, data_dir)

    assert dlg.windowTitle() == "Pengaturan"
    assert line(dlg, "store.name").text() == "Warung Bu Sri"
    assert line(dlg, "store.address").text() == "Jl. Melati 3, Bogor"
    assert line(dlg, "store.terminal_id").text() == "K2"
    assert combo(dlg, "store.timezone").currentText().startswith("Asia/Makassar")
    assert combo(dlg, "tax.mode").currentText() == "Harga sudah termasuk PPN"
    assert line(dlg, "tax.rate_percent").text() == "11.5"
    assert combo(dlg, "payment.provider").currentText() == "QRIS statis toko"
    ttl = dlg.editor("payment.invoice_ttl_s")
    assert isinstance(ttl, QSpinBox) and ttl.value() == 300
    assert (ttl.minimum(), ttl.maximum()) == KEYS["payment.invoice_ttl_s"].bounds
    assert qris_box(dlg).toPlainText() == DEMO_STATIC_QRIS
    assert "WARUNG DEMO POS-APP" in dlg.qris_preview_text()
    assert combo(dlg, "ui.language").currentText() == "English"
    assert combo(dlg, "ui.customer_display_screen").currentText().startswith("Layar 2")
    assert dlg.pending_changes() == {}


def test_defaults_when_nothing_is_configured(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    assert line(dlg, "store.name").text() == KEYS["store.name"].default
    assert combo(dlg, "payment.provider").currentData() == "simulator"
    assert combo(dlg, "tax.mode").currentText() == "Tidak ada"
    assert not line(dlg, "tax.rate_percent").isEnabled()  # no PPN: the rate applies to nothing
    assert combo(dlg, "ui.customer_display_screen").currentText() == "Otomatis"
    assert "Belum ada QRIS statis" in dlg.qris_preview_text()


def test_provider_offers_every_provider_this_version_runs(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    box = combo(dlg, "payment.provider")
    offered = {box.itemData(i): box.itemText(i) for i in range(box.count())}
    assert offered == {name: info.label.id for name, info in PROVIDERS.items()}
    spec = ("simulator", "static", "orderkuota", "orkut", "midtrans", "pakasir",
            "soundbox_platform")
    assert {name: offered[name] for name in spec} == {
        "simulator": "Simulator (demo)",
        "static": "QRIS statis toko",
        "orderkuota": "Order Kuota",
        "orkut": "Orkut (OrderKuota mutasi)",
        "midtrans": "Midtrans (Snap)",
        "pakasir": "Pakasir",
        "soundbox_platform": "Platform Soundbox QRIS",
    }
    assert [box.itemData(i) for i in range(box.count())] == list(KEYS["payment.provider"].choices)


def test_labels_are_indonesian(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    texts = [dlg.tabs.tabText(i) for i in range(dlg.tabs.count())]
    assert texts == ["Toko", "Pajak (PPN)", "Pembayaran", "Tampilan", "Perangkat", "Cadangan",
                     "Staf"]
    assert dlg.save_button.text() == "Simpan" and dlg.cancel_button.text() == "Batal"
    ttl_label = dlg.findChild(QSpinBox, "payment.invoice_ttl_s")
    assert ttl_label is not None
    from PySide6.QtWidgets import QLabel

    buddies = [lbl.text() for lbl in dlg.findChildren(QLabel) if lbl.buddy() is ttl_label]
    assert buddies == ["Masa berlaku QRIS (detik)"]
    modes = combo(dlg, "tax.mode")
    assert [modes.itemText(i) for i in range(modes.count())] == [
        "Tidak ada", "Harga sudah termasuk PPN", "PPN ditambahkan"]


# --------------------------------------------------------------------------- saving


def test_save_persists_and_emits_only_changed_keys(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    type_into(qtbot, line(dlg, "store.name"), "Toko Sembako Makmur")
    type_into(qtbot, line(dlg, "store.terminal_id"), "k7")
    assert not line(dlg, "tax.rate_percent").isEnabled()
    choose(combo(dlg, "tax.mode"), "added")
    assert line(dlg, "tax.rate_percent").isEnabled()
    type_into(qtbot, line(dlg, "tax.rate_percent"), "12")

    with qtbot.waitSignal(dlg.saved, timeout=WAIT_MS) as blocker:
        click_save(qtbot, dlg)

    assert blocker.args == [["store.name", "store.terminal_id", "tax.mode", "tax.rate_percent"]]
    assert dlg.result() == QDialog.DialogCode.Accepted
    assert not dlg.isVisible()
    s = reloaded(data_dir)
    assert s.get("store.name") == "Toko Sembako Makmur"
    assert s.get("store.terminal_id") == "K7"
    assert s.get("tax.mode") == "added"
    assert s.get("tax.rate_percent") == 1200
    # Untouched keys stay unset; in particular the app is still in demo mode.
    assert not s.is_set("store.address")
    assert not s.is_set("payment.provider") and s.is_demo()
    assert not s.is_set("ui.customer_display_screen")


def test_same_value_in_other_spelling_is_not_a_change(qtbot, data_dir: Path) -> None:
    Settings.load(data_dir).set("tax.rate_percent", "11")
    before = file_state(data_dir)
    dlg = open_dialog(qtbot, data_dir)
    type_into(qtbot, line(dlg, "tax.rate_percent"), "11,0")
    type_into(qtbot, line(dlg, "store.terminal_id"), "k1")  # the default, lower-case

    with qtbot.assertNotEmitted(dlg.saved):
        click_save(qtbot, dlg)

    assert dlg.result() == QDialog.DialogCode.Accepted
    assert file_state(data_dir) == before


def test_timezone_accepts_choice_typed_name_and_alias(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    zone = combo(dlg, "store.timezone")
    assert {zone.itemData(i) for i in range(zone.count())} >= {
        "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"}
    zone.setEditText("wit")
    click_save(qtbot, dlg)
    assert reloaded(data_dir).get("store.timezone") == "Asia/Jayapura"

    dlg = open_dialog(qtbot, data_dir)
    assert combo(dlg, "store.timezone").currentData() == "Asia/Jayapura"
    combo(dlg, "store.timezone").setEditText("Mars/Olympus")
    click_save(qtbot, dlg)
    assert dlg.isVisible()
    assert dlg.error_text("store.timezone").startswith("Tidak valid: ")
    assert reloaded(data_dir).get("store.timezone") == "Asia/Jayapura"


def test_invoice_ttl_and_customer_screen(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir, screens_count=2)
    screens = combo(dlg, "ui.customer_display_screen")
    assert [screens.itemData(i) for i in range(screens.count())] == ["-1", "0", "1"]
    assert screens.itemText(0) == "Otomatis"
    assert screens.itemText(2).startswith("Layar 2")
    choose(screens, "1")
    ttl = dlg.editor("payment.invoice_ttl_s")
    assert isinstance(ttl, QSpinBox)
    ttl.setValue(120)

    with qtbot.waitSignal(dlg.saved, timeout=WAIT_MS) as blocker:
        click_save(qtbot, dlg)

    assert blocker.args == [["payment.invoice_ttl_s", "ui.customer_display_screen"]]
    s = reloaded(data_dir)
    assert s.get("ui.customer_display_screen") == 1
    assert s.get("payment.invoice_ttl_s") == 120


def test_screen_count_defaults_to_the_attached_screens(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir, screens_count=None)
    assert combo(dlg, "ui.customer_display_screen").count() == \
        1 + len(QGuiApplication.screens())


def test_unplugged_screen_choice_is_kept(qtbot, data_dir: Path) -> None:
    Settings.load(data_dir).set("ui.customer_display_screen", "3")
    dlg = open_dialog(qtbot, data_dir, screens_count=1)
    screens = combo(dlg, "ui.customer_display_screen")
    assert screens.currentData() == "3"
    assert "tidak terhubung" in screens.currentText()
    type_into(qtbot, line(dlg, "store.name"), "Warung Baru")
    click_save(qtbot, dlg)
    assert reloaded(data_dir).get("ui.customer_display_screen") == 3


def test_language_change_is_reported(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    choose(combo(dlg, "ui.language"), "en")
    with qtbot.waitSignal(dlg.saved, timeout=WAIT_MS) as blocker:
        click_save(qtbot, dlg)
    assert blocker.args == [["ui.language"]]
    assert reloaded(data_dir).get("ui.language") == "en"


# --------------------------------------------------------------------------- bad input


def test_bad_terminal_id_keeps_dialog_open_and_writes_nothing(qtbot, data_dir: Path) -> None:
    Settings.load(data_dir).set("store.name", "Warung Lama")
    before = file_state(data_dir)
    assert before is not None
    dlg = open_dialog(qtbot, data_dir)
    dlg.tabs.setCurrentIndex(3)  # the error must bring its tab back into view
    type_into(qtbot, line(dlg, "store.name"), "Warung Baru")
    type_into(qtbot, line(dlg, "store.terminal_id"), "K 1!")

    with qtbot.assertNotEmitted(dlg.saved):
        click_save(qtbot, dlg)

    assert dlg.isVisible()
    assert dlg.result() != QDialog.DialogCode.Accepted
    error = dlg.error_text("store.terminal_id")
    assert error.startswith("Tidak valid: ")
    assert "'K 1!'" in error and "store.terminal_id" not in error
    assert dlg.findChild(type(dlg.summary), "store.terminal_id.error").isVisibleTo(dlg)
    assert dlg.summary.isVisibleTo(dlg) and "ID kasir" in dlg.summary.text()
    assert dlg.tabs.currentIndex() == 0
    assert dlg.error_text("store.name") == ""
    # Nothing lost, nothing written: not even the valid name change.
    assert line(dlg, "store.terminal_id").text() == "K 1!"
    assert line(dlg, "store.name").text() == "Warung Baru"
    assert file_state(data_dir) == before
    assert reloaded(data_dir).get("store.name") == "Warung Lama"

    # Fixing the field clears its error and the next Simpan writes both changes.
    type_into(qtbot, line(dlg, "store.terminal_id"), "K3")
    assert dlg.error_text("store.terminal_id") == ""
    with qtbot.waitSignal(dlg.saved, timeout=WAIT_MS) as blocker:
        click_save(qtbot, dlg)
    assert blocker.args == [["store.name", "store.terminal_id"]]
    s = reloaded(data_dir)
    assert (s.get("store.name"), s.get("store.terminal_id")) == ("Warung Baru", "K3")


@pytest.mark.parametrize(("key", "text"), [
    ("store.name", "   "),
    ("tax.rate_percent", "101"),
    ("tax.rate_percent", "sebelas"),
    ("simulator.pay_after_s", "kapan-kapan"),
])
def test_each_bad_value_is_refused_next_to_its_field(qtbot, data_dir: Path, key: str,
                                                      text: str) -> None:
    dlg = open_dialog(qtbot, data_dir)
    if key == "tax.rate_percent":
        choose(combo(dlg, "tax.mode"), "added")  # the rate is greyed out without PPN
    type_into(qtbot, line(dlg, key), text)
    click_save(qtbot, dlg)
    assert dlg.isVisible()
    assert dlg.error_text(key).startswith("Tidak valid: ")
    assert line(dlg, key).text() == text
    assert file_state(data_dir) is None


def test_a_half_typed_rate_does_not_block_saving_once_ppn_is_off(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    choose(combo(dlg, "tax.mode"), "added")
    type_into(qtbot, line(dlg, "tax.rate_percent"), "sebe")
    choose(combo(dlg, "tax.mode"), "off")
    assert not line(dlg, "tax.rate_percent").isEnabled()
    assert line(dlg, "tax.rate_percent").text() == "11"  # the stored rate back
    type_into(qtbot, line(dlg, "store.name"), "Warung Baru")
    click_save(qtbot, dlg)
    assert not dlg.isVisible()
    assert reloaded(data_dir).get("store.name") == "Warung Baru"


def test_pay_after_accepts_never(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    type_into(qtbot, line(dlg, "simulator.pay_after_s"), "never")
    click_save(qtbot, dlg)
    assert not dlg.isVisible()
    assert reloaded(data_dir).get("simulator.pay_after_s") is None


def test_pay_after_says_never_in_indonesian(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    type_into(qtbot, line(dlg, "simulator.pay_after_s"), "tidak pernah")
    click_save(qtbot, dlg)
    assert not dlg.isVisible()
    assert reloaded(data_dir).get("simulator.pay_after_s") is None
    again = open_dialog(qtbot, data_dir)
    assert line(again, "simulator.pay_after_s").text() == "tidak pernah"
    hints = " ".join(label.text() for label in again.findChildren(QLabel))
    assert "atau never" not in hints and "tidak pernah" in hints


def test_bad_value_in_hand_edited_file_is_shown_and_left_alone(qtbot, data_dir: Path) -> None:
    config_path(data_dir).write_text('[tax]\nmode = "bogus"\n', encoding="utf-8")
    dlg = open_dialog(qtbot, data_dir)
    assert "bogus" in combo(dlg, "tax.mode").currentText()
    type_into(qtbot, line(dlg, "store.name"), "Warung Baru")
    click_save(qtbot, dlg)
    assert not dlg.isVisible()
    s = reloaded(data_dir)
    assert s.get("store.name") == "Warung Baru"
    assert s.get_raw("tax.mode") == "bogus"


# --------------------------------------------------------------------------- static QRIS


def test_pasting_valid_static_qris_previews_the_merchant(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    box = qris_box(dlg)
    # Pasted the way it arrives from a chat app: surrounding newline, NBSP and zero-width space.
    QGuiApplication.clipboard().setText("\n\u00a0" + DEMO_STATIC_QRIS + "\u200b\n")
    box.setFocus()
    box.paste()
    if box.toPlainText() == "":  # a platform without a clipboard: type it instead
        box.setPlainText("\n\u00a0" + DEMO_STATIC_QRIS + "\u200b\n")

    preview = dlg.qris_preview_text()
    assert "Nama merchant: WARUNG DEMO POS-APP" in preview
    assert "Kota: JAKARTA 10110" in preview
    assert "NMID: ID1026000000001" in preview
    assert "Acquirer: ID.CO.POSAPP.DEMO" in preview
    assert "Jenis: Statis" in preview
    assert "Biaya/tip: Tidak ada" in preview
    assert "Pastikan nama merchant" in preview
    assert "tidak valid" not in preview.lower()

    choose(combo(dlg, "payment.provider"), "static")
    with qtbot.waitSignal(dlg.saved, timeout=WAIT_MS) as blocker:
        click_save(qtbot, dlg)
    assert blocker.args == [["payment.provider", "payment.static_qris"]]
    s = reloaded(data_dir)
    assert s.get("payment.static_qris") == DEMO_STATIC_QRIS  # junk stripped
    assert s.get("payment.provider") == "static"
    assert s.missing_for_provider("static") == []


def test_preview_shows_fee_policy_and_dynamic_warning(qtbot, data_dir: Path) -> None:
    from pos_app import qris

    dlg = open_dialog(qtbot, data_dir)
    dynamic = qris.to_dynamic(DEMO_STATIC_QRIS, 15000)
    qris_box(dlg).setPlainText(dynamic)
    assert "Jenis: Dinamis" in dlg.qris_preview_text()

    fields = [(f.tag, f.value) for f in qris.parse(DEMO_STATIC_QRIS).fields if f.tag != "63"]
    with_fee = qris.build(fields[:-1] + [("55", "02"), ("56", "1000")] + fields[-1:])
    qris_box(dlg).setPlainText(with_fee)
    assert "Biaya/tip: " + (qris.fee_policy_text(with_fee) or "?") in dlg.qris_preview_text()
    assert "Rp 1.000" in dlg.qris_preview_text()


def test_merchant_name_is_not_rendered_as_html(qtbot, data_dir: Path) -> None:
    from pos_app import qris

    fields = [(f.tag, f.value) for f in qris.parse(DEMO_STATIC_QRIS).fields if f.tag != "63"]
    fields = [(t, "<b>X</b> SHOP" if t == "59" else v) for t, v in fields]
    dlg = open_dialog(qtbot, data_dir)
    qris_box(dlg).setPlainText(qris.build(fields))
    assert "Nama merchant: <b>X</b> SHOP" in dlg.qris_preview_text()
    labels = [lbl for lbl in dlg.findChildren(type(dlg.summary)) if lbl.text() == "<b>X</b> SHOP"]
    assert labels and all(lbl.textFormat() == Qt.TextFormat.PlainText for lbl in labels)


def test_broken_qris_shows_indonesian_error_and_is_not_saved(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    qris_box(dlg).setPlainText(BAD_CRC_QRIS)
    preview = dlg.qris_preview_text()
    assert preview.startswith("QRIS tidak valid: ")
    assert "CRC" in preview and "Salin ulang" in preview
    assert "WARUNG DEMO" not in preview  # no merchant details for a broken payload

    click_save(qtbot, dlg)
    assert dlg.isVisible()
    assert dlg.error_text("payment.static_qris").startswith("Tidak bisa disimpan: QRIS tidak")
    assert qris_box(dlg).toPlainText() == BAD_CRC_QRIS
    assert file_state(data_dir) is None


def test_qris_with_line_break_inside_gets_its_own_message(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    qris_box(dlg).setPlainText(DEMO_STATIC_QRIS[:60] + "\n" + DEMO_STATIC_QRIS[60:])
    assert dlg.qris_preview_text().startswith("QRIS tidak valid: isi QRIS harus satu baris")


def test_static_provider_without_qris_is_refused(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    type_into(qtbot, line(dlg, "store.name"), "Warung Baru")
    choose(combo(dlg, "payment.provider"), "static")

    with qtbot.assertNotEmitted(dlg.saved):
        click_save(qtbot, dlg)

    assert dlg.isVisible()
    assert dlg.error_text("payment.static_qris").startswith("Wajib diisi")
    assert dlg.tabs.currentIndex() == 2
    assert combo(dlg, "payment.provider").currentData() == "static"
    assert file_state(data_dir) is None  # the valid name change waits too


def test_clearing_the_qris_of_a_static_shop_is_refused(qtbot, data_dir: Path) -> None:
    s = Settings.load(data_dir)
    s.set("payment.static_qris", DEMO_STATIC_QRIS)
    s.set("payment.provider", "static")
    before = file_state(data_dir)
    dlg = open_dialog(qtbot, data_dir)
    qris_box(dlg).clear()
    click_save(qtbot, dlg)
    assert dlg.isVisible()
    assert dlg.error_text("payment.static_qris").startswith("Wajib diisi")
    assert file_state(data_dir) == before


def test_static_provider_reports_missing_mutasi_keys_next_to_them(qtbot,
                                                                   data_dir: Path) -> None:
    # The mutasi source's login keys are edited in that source's box, shown under the
    # static QRIS box; each missing one is reported under its own field.
    Settings.load(data_dir).set("payment.mutasi_source", "orkut")
    dlg = open_dialog(qtbot, data_dir)
    qris_box(dlg).setPlainText(DEMO_STATIC_QRIS)
    choose(combo(dlg, "payment.provider"), "static")
    dlg.tabs.setCurrentIndex(2)
    assert dlg.panel("orkut").isVisible() and dlg.panel("static").isVisible()
    assert dlg.panel("orkut").title() == "Akun Orkut (OrderKuota mutasi) untuk cek mutasi"
    click_save(qtbot, dlg)
    assert dlg.isVisible()
    assert dlg.error_text("providers.orkut.token").startswith("Belum login")
    for key in ("providers.orkut.api_key", "providers.orkut.username", "providers.orkut.merchant"):
        assert dlg.error_text(key) == "Wajib diisi untuk QRIS statis toko.", key
    assert dlg.error_text("providers.orkut.base_url") == ""  # it has a default
    assert dlg.error_text("payment.provider") == ""
    assert not reloaded(data_dir).is_set("payment.static_qris")


def test_simulator_field_only_shown_for_simulator(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    dlg.tabs.setCurrentIndex(2)
    sim = line(dlg, "simulator.pay_after_s")
    assert sim.isVisible()
    choose(combo(dlg, "payment.provider"), "static")
    assert not sim.isVisible()
    choose(combo(dlg, "payment.provider"), "simulator")
    assert sim.isVisible()


def test_provider_set_elsewhere_is_shown_and_kept(qtbot, data_dir: Path) -> None:
    s = Settings.load(data_dir)
    for key, value in (("providers.orkut.api_key", "orkut-api-key-1"),
                       ("providers.orkut.username", "warungsri"),
                       ("providers.orkut.token", "orkut-token-1"),
                       ("providers.orkut.merchant", "OK1234567"),
                       ("payment.provider", "orkut")):
        s.set(key, value)
    dlg = open_dialog(qtbot, data_dir)
    box = combo(dlg, "payment.provider")
    assert box.currentData() == "orkut"
    assert box.currentText() == "Orkut (OrderKuota mutasi)"
    type_into(qtbot, line(dlg, "store.name"), "Warung Baru")
    with qtbot.waitSignal(dlg.saved, timeout=WAIT_MS) as blocker:
        click_save(qtbot, dlg)
    assert blocker.args == [["store.name"]]
    s = reloaded(data_dir)
    assert s.get("payment.provider") == "orkut"
    assert s.get("providers.orkut.token") == "orkut-token-1"


# --------------------------------------------------------------------------- Batal, failures


def test_cancel_writes_nothing(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    type_into(qtbot, line(dlg, "store.name"), "Tidak Jadi")
    choose(combo(dlg, "tax.mode"), "added")
    qris_box(dlg).setPlainText(DEMO_STATIC_QRIS)
    assert set(dlg.pending_changes()) == {"store.name", "tax.mode", "payment.static_qris"}

    with qtbot.assertNotEmitted(dlg.saved):
        qtbot.mouseClick(dlg.cancel_button, Qt.MouseButton.LeftButton)

    assert dlg.result() == QDialog.DialogCode.Rejected
    assert not dlg.isVisible()
    assert file_state(data_dir) is None


def test_cancel_after_refused_save_writes_nothing(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    type_into(qtbot, line(dlg, "store.name"), "Warung Baru")
    type_into(qtbot, line(dlg, "store.terminal_id"), "??")
    click_save(qtbot, dlg)
    assert dlg.isVisible()
    with qtbot.assertNotEmitted(dlg.saved):
        qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    assert not dlg.isVisible()
    assert file_state(data_dir) is None


def test_write_failure_midway_keeps_dialog_open_and_reports_written_keys(
        qtbot, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dlg = open_dialog(qtbot, data_dir)
    real_set = dlg.settings.set

    def failing_set(key: str, value: str) -> None:
        if key == "payment.provider":
            raise SettingsError("config.toml: disk full")
        real_set(key, value)

    monkeypatch.setattr(dlg.settings, "set", failing_set)
    type_into(qtbot, line(dlg, "store.name"), "Warung Baru")
    qris_box(dlg).setPlainText(DEMO_STATIC_QRIS)
    choose(combo(dlg, "payment.provider"), "static")

    with qtbot.assertNotEmitted(dlg.saved):
        click_save(qtbot, dlg)
    assert dlg.isVisible()
    assert dlg.error_text("payment.provider") == "Gagal menyimpan: config.toml: disk full"
    s = reloaded(data_dir)
    # The provider is written last, so the QRIS it needs is never missing.
    assert s.get("payment.static_qris") == DEMO_STATIC_QRIS
    assert not s.is_set("payment.provider")

    # Giving up still tells the main window what did change on disk.
    with qtbot.waitSignal(dlg.saved, timeout=WAIT_MS) as blocker:
        dlg.reject()
    assert blocker.args == [["store.name", "payment.static_qris"]]


# --------------------------------------------------------------------------- layout, language


def test_touch_targets_and_size(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    for key in ("store.name", "store.timezone", "tax.mode", "tax.rate_percent",
                "payment.provider", "payment.invoice_ttl_s", "payment.static_qris",
                "ui.language", "ui.customer_display_screen", "simulator.pay_after_s"):
        assert dlg.editor(key).minimumHeight() >= 40, key
    assert dlg.save_button.minimumHeight() >= 40 and dlg.cancel_button.minimumHeight() >= 40
    assert dlg.width() <= 1366 and dlg.height() <= 700
    assert qris_box(dlg).tabChangesFocus()  # Tab leaves the QRIS box, not inserted into it


def test_tab_order_follows_the_form(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    order: list[str] = []
    widget = dlg.nextInFocusChain()
    while widget is not dlg and len(order) < 500:
        if widget.objectName() in KEYS or widget in (dlg.save_button, dlg.cancel_button):
            order.append(widget.objectName() or widget.text())
        widget = widget.nextInFocusChain()
    provider_keys = [k for k in KEYS if k.startswith("providers.")]
    assert order == [
        "store.name", "store.address", "store.receipt_footer", "store.terminal_id",
        "store.timezone",
        "tax.mode", "tax.rate_percent",
        "payment.provider", "simulator.pay_after_s",
        "payment.static_qris", "payment.mutasi_source",
        *provider_keys,
        "payment.unique_code", "payment.invoice_ttl_s",
        "ui.language", "ui.customer_display_screen",
        "hardware.soundbox.port", "hardware.soundbox.usb_ids", "hardware.soundbox.volume",
        "hardware.announce_language", "hardware.speaker",
        "hardware.printer.connection", "hardware.printer.address", "hardware.printer.width_mm",
        "hardware.printer.cash_drawer", "hardware.printer.auto_print",
        "backup.second_folder",
        "Simpan", "Batal",
    ]


def test_english_ui(qtbot, data_dir: Path) -> None:
    i18n.set_language("en")
    dlg = open_dialog(qtbot, data_dir)
    assert dlg.windowTitle() == "Settings"
    assert dlg.save_button.text() == "Save"
    qris_box(dlg).setPlainText(BAD_CRC_QRIS)
    assert dlg.qris_preview_text().startswith("Invalid QRIS: ")


def test_no_provider_is_named_in_the_settings_ui() -> None:
    # Boxes, labels, hints and logins come from the descriptions (sync.providers.PROVIDERS).
    paths = [*Path(settings.__file__).parent.glob("*.py"), Path(login_dialog.__file__)]
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert node.value not in PROVIDERS, (path.name, node.value)


def test_every_tr_literal_has_an_english_entry() -> None:
    literals: list[str] = []
    for path in sorted(Path(settings.__file__).parent.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        literals += [
            node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "tr" and node.args and isinstance(node.args[0], ast.Constant)
        ]
    # Texts passed to tr() through a table, not as literals.
    literals += list(tax.TAX_MODES.values()) + [payment.NO_MUTASI_SOURCE]
    for table in (payment.UNIQUE_CODE_LABELS, payment.USE_HINTS, payment.REQUIRED_MESSAGES,
                  payment.INVALID_MESSAGES, login_dialog.PAYMENT_KEY_LABELS):
        literals += list(table.values())
    # The providers' own lines: labels, intros, field labels and hints, mutasi source names.
    for info in PROVIDERS.values():
        literals += list(info.ui_texts())
    assert len(literals) > 40
    catalogue = i18n.english_catalogue()
    missing = sorted({text for text in literals if text not in catalogue})
    assert missing == []
