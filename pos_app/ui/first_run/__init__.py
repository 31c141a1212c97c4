"""The first-run guide: a fresh install to the first real QRIS sale (issue 13).

* :mod:`.guide` - :class:`FirstRunGuide`, the dialog: steps on the left, Back/Next, the
  language switch, skip into demo mode, resume.
* :mod:`.progress` - Qt-free: :func:`needs_first_run`, the progress mark
  (``setup.first_run_step``), the PC's time zone, the test sale's amount.
* :mod:`.steps` - the step base class and the steps that are Settings pages (*Toko* + PPN,
  *Konfirmasi pembayaran*, *Perangkat*); :mod:`.owner`, :mod:`.qris_step`,
  :mod:`.products`, :mod:`.trial_sale`, :mod:`.finish` - the other steps.

For the window that opens it::

    guide = FirstRunGuide(settings, db, tasks, demo=demo, parent=window,
                          start_test_sale=start, events=events)
    guide.finished_setup / guide.skipped_to_demo / guide.saved (keys written)
    guide.deviceTestRequested -> devices.test(device, guide.device_values(device))
    devices.test_done -> guide.show_device_test_result
"""

from pos_app.ui.first_run.guide import FirstRunGuide
from pos_app.ui.first_run.progress import STEPS, needs_first_run

__all__ = ["STEPS", "FirstRunGuide", "needs_first_run"]
