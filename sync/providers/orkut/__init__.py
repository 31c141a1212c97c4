"""``orkut``: QRIS made through Orkut, paid ones found on the OrderKuota statement (seed 001)."""

from sync.providers.info import Confirmation, Field, FieldKind, LoginKind, ProviderInfo, Text

PROVIDER = ProviderInfo(
    name="orkut",
    order=20,
    label=Text("Orkut (OrderKuota mutasi)", "Orkut (OrderKuota statement)"),
    source_label=Text("Orkut", "Orkut"),
    intro=Text("QRIS dibuat lewat Orkut; pembayaran dikenali dari mutasi akun OrderKuota.",
               "QRIS codes are made through Orkut; payments are recognised on the OrderKuota "
               "account's statement."),
    confirmation=Confirmation.MUTASI,
    adapter="sync.providers.orkut.adapter:OrkutProvider",
    fields=(
        Field("base_url", FieldKind.URL, Text("Alamat server (URL)", "Server address (URL)"),
              "Orkut API base URL",
              hint=Text("Biasanya tidak perlu diubah.", "Usually no need to change this."),
              default="https://orkut.hidepulsa.com", required=True),
        Field("api_key", FieldKind.SECRET, Text("Kunci API", "API key"),
              "Orkut API key (Authorization: Bearer)",
              hint=Text("Dari penyedia layanan Orkut.", "From the Orkut service provider."),
              required=True),
        Field("username", FieldKind.WORD, Text("Username", "Username"),
              "Orkut account user name", required=True),
        Field("token", FieldKind.SECRET, Text("Token login", "Login token"),
              "Orkut auth token (from `pos-app provider login`)",
              hint=Text("Diisi otomatis lewat tombol Login…", "Filled in by the Log in… button"),
              required=True),
        Field("merchant", FieldKind.WORD, Text("Kode merchant", "Merchant code"),
              "Orkut merchant code, e.g. OK1234567",
              hint=Text("Contoh: OK1234567.", "E.g. OK1234567."), required=True),
        Field("merchant_id", FieldKind.WORD, Text("ID merchant", "Merchant id"),
              "Orkut merchant id (the code without 'OK'), for /mutasi",
              hint=Text("Kode merchant tanpa “OK”, untuk membaca mutasi.",
                        "The merchant code without “OK”, for reading the statement.")),
    ),
    login=LoginKind.OTP,
    login_flow="sync.providers.orkut.adapter:OrkutLogin",
    login_needs=("api_key",),
    credit_source="sync.providers.orkut.adapter:OrkutMutasi",
)
