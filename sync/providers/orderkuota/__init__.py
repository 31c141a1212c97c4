"""``orderkuota``: QRIS made and checked through the Order Kuota gateway (seed 000)."""

from sync.providers.info import Confirmation, Field, FieldKind, LoginKind, ProviderInfo, Text

PROVIDER = ProviderInfo(
    name="orderkuota",
    order=10,
    label=Text("Order Kuota", "Order Kuota"),
    intro=Text("QRIS dibuat dan dicek lewat gateway Order Kuota.",
               "QRIS codes are made and checked through the Order Kuota gateway."),
    confirmation=Confirmation.POLL,
    adapter="sync.providers.orderkuota.adapter:OrderKuotaProvider",
    fields=(
        Field("base_url", FieldKind.URL, Text("Alamat server (URL)", "Server address (URL)"),
              "OrderKuota gateway base URL",
              hint=Text("Biasanya tidak perlu diubah.", "Usually no need to change this."),
              default="https://gateway.rerechanstore.eu.org", required=True),
        Field("username", FieldKind.WORD, Text("Username", "Username"),
              "OrderKuota account user name", required=True),
        Field("token", FieldKind.SECRET, Text("Token login", "Login token"),
              "OrderKuota bearer token (from `pos-app provider login`)",
              hint=Text("Diisi otomatis lewat tombol Login…", "Filled in by the Log in… button"),
              required=True),
    ),
    login=LoginKind.OTP,
    login_flow="sync.providers.orderkuota.adapter:OrderKuotaLogin",
    credit_source="sync.providers.orderkuota.adapter:OrderKuotaStatements",
)
