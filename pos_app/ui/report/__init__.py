"""The owner's report screen ("Laporan") and its files, one module per concern.

* :mod:`.screen` - :class:`ReportScreen`: pick a day or a range, see the report (tiles, tables,
  charts), export it as PDF, Excel or CSV; a row about an order asks the window to open it.
* :mod:`.model` - the report's tables (columns, texts, sort values) shared by the screen and
  the PDF, and the table model the screen's views use.
* :mod:`.charts` - the QtCharts charts (per hour, the daily trend, payment methods).
* :mod:`.pdf` - :func:`write_pdf`, the printed A4 report (also used by ``pos-app report``).

The report itself is Qt-free: :mod:`pos_app.reports` builds it, :mod:`pos_app.report_xlsx`
writes the workbook.
"""

from pos_app.ui.report.pdf import write_pdf
from pos_app.ui.report.screen import ReportScreen

__all__ = ["ReportScreen", "write_pdf"]
