"""``static``: the shop's own static QRIS, made dynamic on this till (works offline)."""

from sync.providers.info import Confirmation, ProviderInfo, Text

PROVIDER = ProviderInfo(
    name="static",
    order=1,
    label=Text("QRIS statis toko", "Shop's static QRIS"),
    intro=Text("QRIS dari stiker toko; nominal ditambahkan di kasir ini, jadi tetap jalan tanpa "
               "internet.",
               "The QRIS from the shop's sticker; the amount is added at this till, so it works "
               "without internet."),
    # The cashier confirms by hand, unless payment.mutasi_source names a statement to match.
    confirmation=Confirmation.MANUAL,
    adapter="sync.providers.static.adapter:StaticQrisProvider",
    uses=("payment.static_qris", "payment.mutasi_source", "payment.unique_code"),
    required_uses=("payment.static_qris",),
    takes_mutasi_source=True,
)
