"""The first-run guide and the health check joined to the till (pos_app/ui/staff_session.py):
a fresh shop opens the guide, skipping it lands on demo mode's PIN pad, a shop with an owner
goes straight to the PIN pad, `--demo` never shows the guide; "Pemeriksaan toko" runs the
checks."""

from __future__ import annotations

from pathlib import Path

from pos_app.ui.app import open_data
from pos_app.ui.composition import App
from tests.waiting import WAIT_MS


def _till(qapp, qtbot, *, demo: bool, first_run: bool) -> App:  # type: ignore[no-untyped-def]
    till = App(open_data(None), qapp, demo=demo, first_run=first_run)
    qtbot.addWidget(till.window)
    till.show()
    till.start()
    qtbot.addWidget(till.display)
    return till


def test_a_fresh_shop_opens_the_guide_and_skipping_it_is_the_demo(  # type: ignore[no-untyped-def]
        data_dir: Path, qapp, qtbot) -> None:
    from pos_app.ui.first_run import FirstRunGuide
    from pos_app.ui.staff.sign_in import SignInDialog
    from pos_app.ui.staff_session import DEMO_CASHIER

    till = _till(qapp, qtbot, demo=True, first_run=True)
    try:
        session = till.session
        qtbot.waitUntil(lambda: isinstance(session._dialog, FirstRunGuide), timeout=WAIT_MS)
        session._dialog.skip_to_demo()
        qtbot.waitUntil(lambda: isinstance(session._dialog, SignInDialog), timeout=WAIT_MS)
        sign_in = session._dialog
        qtbot.waitUntil(lambda: sign_in.selected_name == DEMO_CASHIER, timeout=WAIT_MS)
        till.window.close()
    finally:
        till.close()


def test_the_guide_is_not_shown_with_an_owner_nor_with_demo_flag(  # type: ignore[no-untyped-def]
        data_dir: Path, qapp, qtbot) -> None:
    from pos_app.clock import utcnow
    from pos_app.staff import Role
    from pos_app.storage.staff import add_user
    from pos_app.ui.staff.sign_in import SignInDialog

    till = _till(qapp, qtbot, demo=True, first_run=False)  # pos-app --demo on a fresh dir
    try:
        qtbot.waitUntil(lambda: isinstance(till.session._dialog, SignInDialog), timeout=WAIT_MS)
        add_user(till.ctx.db, "Bu Sari", Role.OWNER, "2468", utcnow(), actor="test")
        till.window.close()
    finally:
        till.close()
    till = _till(qapp, qtbot, demo=True, first_run=True)  # a shop that has its owner
    try:
        qtbot.waitUntil(lambda: isinstance(till.session._dialog, SignInDialog), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: "Bu Sari" in till.session._dialog.user_buttons, timeout=WAIT_MS)
        till.window.close()
    finally:
        till.close()


def test_the_health_check_opens_from_the_staff_menu(data_dir: Path, qapp, qtbot) -> None:  # type: ignore[no-untyped-def]
    from pos_app.ui.doctor_screen import DoctorDialog

    till = _till(qapp, qtbot, demo=True, first_run=False)
    try:
        till.session.doctor_action.trigger()
        qtbot.waitUntil(lambda: any(d.isVisible() for d in till.window.findChildren(DoctorDialog)),
                        timeout=WAIT_MS)
        dlg = next(d for d in till.window.findChildren(DoctorDialog) if d.isVisible())
        qtbot.waitUntil(lambda: dlg.checked_at is not None, timeout=WAIT_MS)
        assert {"database", "disk", "backup", "provider"} <= {c.name for c in dlg.checks}
        dlg.reject()
        till.window.close()
    finally:
        till.close()


def test_each_step_of_the_guide_has_the_keyboard_on_its_first_field(  # type: ignore[no-untyped-def]
        data_dir: Path, qapp, qtbot) -> None:
    """Typed at once, the owner's name goes into the name field (it went nowhere, and the PIN
    landed in the name, when the step came up without focus)."""
    from PySide6.QtWidgets import QApplication, QLineEdit

    from pos_app.settings import Settings
    from pos_app.storage import open_database
    from pos_app.ui.first_run import FirstRunGuide
    from pos_app.ui.tasks import TaskManager

    settings = Settings.load(data_dir)
    db = open_database(data_dir / "pos.sqlite3")
    tasks = TaskManager()
    guide = FirstRunGuide(settings, db, tasks, demo=True)
    qtbot.addWidget(guide)
    try:
        guide.show()
        guide.activateWindow()
        qtbot.waitActive(guide, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit),
                        timeout=WAIT_MS)
        qtbot.keyClicks(QApplication.focusWidget(), "Warung Bu Sari")
        assert settings.get("store.name") != "Warung Bu Sari"  # typed, not saved yet
        guide.next_button.click()
        qtbot.waitUntil(lambda: guide.index == 1, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit)
                        and QApplication.focusWidget().echoMode() == QLineEdit.EchoMode.Normal,
                        timeout=WAIT_MS)
        qtbot.keyClicks(QApplication.focusWidget(), "Sari")
        assert Settings.load(data_dir).get("store.name") == "Warung Bu Sari"
        owner = guide.steps[1]
        assert "Sari" in [w.text() for w in owner.findChildren(QLineEdit)]
    finally:
        guide.reject()
        tasks.shutdown()
        db.close()


def test_an_unfinished_guide_never_opens_before_the_owners_pin(  # type: ignore[no-untyped-def]
        data_dir: Path, qapp, qtbot) -> None:
    """A shop that has its owner and a guide left half done opens on the PIN pad: the guide
    (the shop's QRIS, how payments are confirmed) is the owner's, from the staff menu. And
    demo mode's accounts (PIN 1234) retire beside the real owner, even in demo mode."""
    from pos_app.clock import utcnow
    from pos_app.settings import Settings
    from pos_app.staff import Role
    from pos_app.storage.staff import add_user, ensure_demo_user, list_users
    from pos_app.ui.staff.sign_in import SignInDialog
    from pos_app.ui.staff_session import DEMO_OWNER, DEMO_PIN

    Settings.load(data_dir).set("setup.first_run_step", "store")
    ctx = open_data(None)
    ensure_demo_user(ctx.db, DEMO_OWNER, Role.OWNER, DEMO_PIN, utcnow())
    add_user(ctx.db, "Bu Sari", Role.OWNER, "2468", utcnow(), actor="test")
    till = App(ctx, qapp, demo=True, first_run=True)
    try:
        qtbot.addWidget(till.window)
        till.show()
        till.start()
        qtbot.addWidget(till.display)
        session = till.session
        qtbot.waitUntil(lambda: isinstance(session._dialog, SignInDialog), timeout=WAIT_MS)
        sign_in = session._dialog
        assert sign_in.demo_banner is None, "no PIN 1234 beside the shop's own owner"
        qtbot.waitUntil(lambda: bool(sign_in.user_buttons), timeout=WAIT_MS)
        assert list(sign_in.user_buttons) == ["Bu Sari"]
        assert [u.name for u in list_users(ctx.db) if u.active] == ["Bu Sari"]
        till.window.close()
    finally:
        till.close()
