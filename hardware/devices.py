"""The till's devices, built from the settings, each behind its adapter with a null stand-in.

One :class:`Devices` holds the soundbox link, the PC speaker and the receipt printer; the
announcer (which joins the first two to the payments) is handed them.
``soundbox.port = off``, the speaker off, or no printer give the null stand-ins, so that the
till runs with nothing attached. Each device runs its I/O on its own worker thread and reports
its state through the callbacks given here (on those threads): the window's Qt side
(``pos_app.ui.devices``) turns them into signals.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from hardware.announcer import Announcer
from hardware.printer import (
    NullPrinter,
    PrinterConfig,
    PrinterConfigError,
    PrinterState,
    ReceiptPrinter,
    SettingsReader,
    build_printer,
)
from hardware.receipt_escpos import ReceiptData
from hardware.soundbox import SoundboxConfig, SoundboxLink, SoundboxState
from hardware.speaker import NullSpeaker, Speaker, SpeakerState

log = logging.getLogger(__name__)

StateCallback = Callable[[object, str | None], None]


@dataclass(frozen=True)
class DeviceSettings:
    """The settings the devices are built from (``hardware.*``)."""

    soundbox: SoundboxConfig
    speaker: bool
    lang: str
    printer: PrinterConfig | PrinterConfigError  # an error: the printer shows it, keeps jobs
    auto_print: bool
    cash_drawer: bool

    @classmethod
    def of(cls, settings: SettingsReader) -> DeviceSettings:
        """From the saved settings, or anything with their ``get`` (Settings' typed
        values over the saved ones, for the devices page's test buttons)."""
        printer: PrinterConfig | PrinterConfigError
        try:
            printer = PrinterConfig.from_settings(settings)
        except PrinterConfigError as exc:
            printer = exc
        return cls(
            SoundboxConfig(str(settings.get("hardware.soundbox.port")),
                           tuple(settings.get("hardware.soundbox.usb_ids")),
                           int(settings.get("hardware.soundbox.volume"))),
            bool(settings.get("hardware.speaker")),
            str(settings.get("hardware.announce_language")),
            printer,
            bool(settings.get("hardware.printer.auto_print")),
            bool(settings.get("hardware.printer.cash_drawer")),
        )


@dataclass(frozen=True)
class DeviceCallbacks:
    """Where the devices report, on their own threads (all optional)."""

    soundbox: Callable[[SoundboxState, str | None], None] | None = None
    speaker: Callable[[SpeakerState, str | None], None] | None = None
    printer: Callable[[PrinterState, str | None], None] | None = None


class Devices:
    """One set of devices from one set of settings. The :class:`Announcer` is not theirs: it
    lives as long as the till (one reader of the owed announcements, ever) and is handed the
    soundbox and the speaker of the newest devices (:meth:`start`)."""

    def __init__(self, config: DeviceSettings, announcer: Announcer,
                 callbacks: DeviceCallbacks = DeviceCallbacks()) -> None:
        self.config = config
        self.announcer = announcer
        self._callbacks = callbacks
        self.soundbox = SoundboxLink(config.soundbox, on_state=self._soundbox_state)
        self.speaker: Speaker | NullSpeaker = (
            Speaker(on_state=callbacks.speaker) if config.speaker else NullSpeaker())
        self.printer: ReceiptPrinter | NullPrinter = build_printer(
            config.printer, on_state=callbacks.printer)

    def start(self) -> Devices:
        self.soundbox.start()
        self.announcer.use(soundbox=self.soundbox,
                           speaker=self.speaker if self.config.speaker else None,
                           lang=self.config.lang)
        return self

    def _soundbox_state(self, state: SoundboxState, detail: str | None) -> None:
        if state is SoundboxState.CONNECTED:
            self.announcer.notify()  # announcements that waited for it
        if self._callbacks.soundbox is not None:
            self._callbacks.soundbox(state, detail)

    def close(self) -> tuple[ReceiptData, ...]:
        """Stops the devices' workers (a few seconds at most each; not on the GUI thread; a
        sentence being played is finished, and then recorded as said). Returns the receipts
        the printer had not printed, for the devices that replace these."""
        self.soundbox.close()
        self.speaker.close()
        return self.printer.close()
