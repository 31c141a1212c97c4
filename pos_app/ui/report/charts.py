"""The report's charts (QtCharts), for the Laporan screen and, as images, for its PDF.

* :func:`hourly_chart` - sales per local hour (``report["hourly"]``), a ``QBarSeries`` from the
  first to the last hour with sales (the quiet hours in between stay, as empty bars);
* :func:`trend_chart` - a range's days (``report["days"]``): what was collected as bars and the
  number of sales as a line on the right axis;
* :func:`payment_chart` - a donut of cash and each QRIS provider.

Rupiah axes are labelled the way an owner says amounts ("500 rb", "1,5 jt"), not "1500000.0":
a ``QCategoryAxis`` with a label on each round value, because ``QValueAxis`` formats with
printf and has no thousands separator.

Charts are ``QGraphicsWidget`` s, so they are made on the GUI thread; :func:`chart_images`
renders them to ``QImage`` s there, and the PDF (which may be written on a worker thread)
draws those images.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QLineSeries,
    QPieSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QGraphicsScene

from pos_app.ui.i18n import register, tr
from pos_app.ui.report.model import is_range, percent_text, provider_label

register({
    "Penjualan per jam": "Sales per hour",
    "Penjualan per jam (belum ada penjualan)": "Sales per hour (no sales yet)",
    "Metode pembayaran (belum ada penjualan)": "Payment methods (no sales yet)",
    "Tren harian": "Daily trend", "Diterima (Rp)": "Collected (Rp)", "Transaksi": "Sales",
    "Tunai": "Cash",
})

TEAL = QColor("#0f766e")
ORANGE = QColor("#d97706")
CASH = QColor("#2f855a")
# QRIS providers: shades of the accent colour, darkest first.
PROVIDER_COLORS = ("#0f766e", "#14b8a6", "#5eead4", "#0e7490", "#67e8f9", "#134e4a")
GRID = QColor("#e4e8eb")
TEXT = QColor("#1f2933")


def short_rupiah(amount: float) -> str:
    """An axis label: ``0``, ``500 rb``, ``1,5 jt``, ``2 M`` (miliar)."""
    for unit, name in ((10**9, "M"), (10**6, "jt"), (10**3, "rb")):
        if abs(amount) >= unit:
            value = f"{amount / unit:.1f}".rstrip("0").rstrip(".").replace(".", ",")
            return f"{value} {name}"
    return f"{amount:.0f}"


def nice_step(top: float, ticks: int = 5) -> float:
    """A round step (1, 2, 2.5 or 5 x 10^n) that divides ``0..top`` into about ``ticks``."""
    if top <= 0:
        return 1.0
    rough = top / ticks
    magnitude = 10 ** (len(str(int(rough))) - 1) if rough >= 1 else 1
    for factor in (1, 2, 2.5, 5, 10):
        if magnitude * factor >= rough:
            return float(magnitude * factor)
    return float(magnitude * 10)  # pragma: no cover - the loop always returns


def money_axis(top: float, font: QFont | None = None) -> QCategoryAxis:
    """A rupiah axis from 0 with a round label on each tick."""
    step = nice_step(top)
    ticks = max(1, int(-(-top // step)))  # ceil
    axis = QCategoryAxis()
    axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
    axis.setStartValue(0)
    axis.append("0", 0)  # QCategoryAxis keeps labels unique, and "0" needs a place too
    for n in range(1, ticks + 1):
        axis.append(short_rupiah(n * step), n * step)
    axis.setRange(0, ticks * step)
    _style_axis(axis, font)
    return axis


def _style_axis(axis: Any, font: QFont | None) -> None:
    axis.setGridLineColor(GRID)
    axis.setLinePenColor(GRID)
    axis.setLabelsColor(TEXT)
    if font is not None:
        axis.setLabelsFont(font)


def _new_chart(title: str, font: QFont | None) -> QChart:
    chart = QChart()
    # No animation: the screen shows the numbers at once, and a rendered image (the PDF) is
    # taken before an animation would have run.
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setBackgroundRoundness(0)
    chart.setMargins(QMargins(6, 6, 6, 6))
    chart.setTitle(title)
    if font is not None:
        bold = QFont(font)
        bold.setBold(True)
        chart.setTitleFont(bold)
        chart.legend().setFont(font)
    chart.setTitleBrush(TEXT)
    return chart


def hourly_chart(report: Mapping[str, Any], font: QFont | None = None, *,
                 titled: bool = True) -> QChart:
    """Bars of what was sold in each local hour, from the first to the last hour with sales."""
    hours = [h for h in report.get("hourly") or [] if isinstance(h, Mapping)]
    busy = [int(h["hour"]) for h in hours if h.get("count")]
    first, last = (min(busy), max(busy)) if busy else (8, 20)
    amounts = {int(h["hour"]): int(h.get("amount") or 0) for h in hours}
    title = tr("Penjualan per jam") if busy else tr("Penjualan per jam (belum ada penjualan)")
    chart = _new_chart(title if titled or not busy else "", font)
    bars = QBarSet(tr("Diterima (Rp)"))
    bars.setColor(TEAL)
    bars.setBorderColor(TEAL)
    values = [amounts.get(h, 0) for h in range(first, last + 1)]
    bars.append([float(v) for v in values])
    series = QBarSeries()
    series.setBarWidth(0.7)
    series.append(bars)
    chart.addSeries(series)
    x = QBarCategoryAxis()
    x.append([f"{h:02d}" for h in range(first, last + 1)])
    _style_axis(x, font)
    x.setGridLineVisible(False)
    y = money_axis(max(values, default=0), font)
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(x)
    series.attachAxis(y)
    chart.legend().hide()
    return chart


def trend_chart(report: Mapping[str, Any], font: QFont | None = None, *,
                titled: bool = True) -> QChart | None:
    """A range's days: collected (bars, left axis) and sales (line, right axis); ``None`` for
    one day."""
    days = [d for d in report.get("days") or [] if isinstance(d, Mapping)]
    if not days or not is_range(report):
        return None
    chart = _new_chart(tr("Tren harian") if titled else "", font)
    bars = QBarSet(tr("Diterima (Rp)"))
    bars.setColor(TEAL)
    bars.setBorderColor(TEAL)
    collected = [int(d.get("collected") or 0) for d in days]
    bars.append([float(v) for v in collected])
    series = QBarSeries()
    series.setBarWidth(0.7)
    series.append(bars)
    chart.addSeries(series)
    line = QLineSeries()
    line.setName(tr("Transaksi"))
    line.setPen(QPen(ORANGE, 2.5))
    line.setPointsVisible(True)
    counts = [int(d.get("order_count") or 0) for d in days]
    for n, count in enumerate(counts):
        line.append(float(n), float(count))
    chart.addSeries(line)

    x = QBarCategoryAxis()
    x.append([_day_label(d.get("date"), len(days)) for d in days])
    x.setGridLineVisible(False)
    _style_axis(x, font)
    if len(days) > 10:  # a month: day numbers only, or the labels collide
        x.setLabelsAngle(0)
    y = money_axis(max(collected, default=0), font)
    y_count = QValueAxis()
    step = max(1.0, nice_step(max(counts, default=0) or 5))
    ticks = max(1, int(-(-max(counts, default=0) // step)))
    y_count.setRange(0, ticks * step)
    y_count.setTickCount(ticks + 1)
    y_count.setLabelFormat("%d")
    y_count.setGridLineVisible(False)
    _style_axis(y_count, font)
    y_count.setLabelsColor(ORANGE)
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    chart.addAxis(y_count, Qt.AlignmentFlag.AlignRight)
    series.attachAxis(x)
    series.attachAxis(y)
    line.attachAxis(x)
    line.attachAxis(y_count)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    return chart


def _day_label(iso: Any, count: int) -> str:
    try:
        day = date.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    return f"{day.day:02d}/{day.month:02d}" if count <= 10 else str(day.day)


def payment_chart(report: Mapping[str, Any], font: QFont | None = None) -> QChart:
    """A donut: cash, and QRIS by provider (QRIS as one slice when no provider is named)."""
    methods: Mapping[str, Any] = report.get("by_payment_method") or {}
    providers: Mapping[str, Any] = report.get("qris_by_provider") or {}
    collected = int(report.get("collected") or 0)
    parts: list[tuple[str, int, QColor]] = []
    cash = int((methods.get("cash") or {}).get("amount") or 0)
    if cash:
        parts.append((tr("Tunai"), cash, CASH))
    named = 0
    for n, (name, slot) in enumerate(providers.items()):
        amount = int(slot.get("amount") or 0)
        named += amount
        if amount:
            # Short: the legend has little room, and the colours (teal) say QRIS.
            parts.append((provider_label(name), amount,
                          QColor(PROVIDER_COLORS[n % len(PROVIDER_COLORS)])))
    rest = int((methods.get("qris") or {}).get("amount") or 0) - named
    if rest > 0:
        parts.append(("QRIS", rest, QColor(PROVIDER_COLORS[-1])))
    chart = _new_chart(tr("Metode pembayaran") if parts
                       else tr("Metode pembayaran (belum ada penjualan)"), font)
    series = QPieSeries()
    series.setHoleSize(0.45)
    total = sum(amount for _label, amount, _c in parts) or collected
    for label, amount, color in parts:
        piece = series.append(f"{label} {percent_text(amount, total)}", float(amount))
        piece.setColor(color)
        piece.setBorderColor(QColor("#ffffff"))
    chart.addSeries(series)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
    return chart


def render_chart(chart: QChart, width: int, height: int, scale: float = 2.0) -> QImage:
    """``chart`` laid out at ``width`` x ``height`` and drawn into an image ``scale`` times as
    large (sharp when printed). GUI thread: the chart is a graphics widget."""
    scene = QGraphicsScene()
    scene.addItem(chart)
    chart.setGeometry(QRectF(0, 0, width, height))
    image = QImage(int(width * scale), int(height * scale), QImage.Format.Format_RGB32)
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    scene.render(painter, QRectF(0, 0, image.width(), image.height()),
                 QRectF(0, 0, width, height))
    painter.end()
    # The scene owns the chart now: both go when this function returns.
    return image


def chart_font(pixels: int = 13) -> QFont:
    font = QFont(["DejaVu Sans", "Noto Sans", "Arial", "sans-serif"])
    font.setPixelSize(pixels)
    return font


def chart_images(report: Mapping[str, Any], width: int = 900) -> dict[str, QImage]:
    """The PDF's charts as images, keyed ``hourly`` and (a range) ``trend``. GUI thread."""
    font = chart_font()
    # No chart titles: the PDF's section headings say what each chart is.
    images = {"hourly": render_chart(hourly_chart(report, font, titled=False), width, 280)}
    trend = trend_chart(report, font, titled=False)
    if trend is not None:
        images["trend"] = render_chart(trend, width, 280)
    return images
