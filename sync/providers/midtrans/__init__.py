"""``midtrans``: QRIS through the shop's self-hosted Midtrans (Snap) middleware (seed 002)."""

from sync.providers.info import Confirmation, Field, FieldKind, ProviderInfo, Text

PROVIDER = ProviderInfo(
    name="midtrans",
    order=30,
    label=Text("Midtrans (Snap)", "Midtrans (Snap)"),
    intro=Text("QRIS lewat middleware Midtrans (Snap) milik toko.",
               "QRIS through the shop's Midtrans (Snap) middleware."),
    confirmation=Confirmation.POLL,
    adapter="sync.providers.midtrans.adapter:MidtransProvider",
    fields=(
        Field("base_url", FieldKind.URL,
              Text("Alamat middleware (URL)", "Middleware address (URL)"),
              "Base URL of the shop's self-hosted Midtrans middleware (required)",
              hint=Text("Alamat middleware Midtrans milik toko, mis. http://10.0.0.5:5000.",
                        "Address of the shop's Midtrans middleware, e.g. http://10.0.0.5:5000."),
              required=True),
        Field("app_code", FieldKind.WORD, Text("Kode aplikasi", "App code"),
              "Middleware app code (X-App-Code)",
              hint=Text("X-App-Code dari middleware.", "X-App-Code of the middleware."),
              required=True),
        Field("api_key", FieldKind.SECRET, Text("Kunci API", "API key"),
              "Middleware API key (X-Api-Key)",
              hint=Text("X-Api-Key dari middleware.", "X-Api-Key of the middleware."),
              required=True),
    ),
)
