"""``pakasir``: QRIS made and checked through Pakasir (seed 003)."""

from sync.providers.info import Confirmation, Field, FieldKind, ProviderInfo, Text

PROVIDER = ProviderInfo(
    name="pakasir",
    order=40,
    label=Text("Pakasir", "Pakasir"),
    intro=Text("QRIS dibuat dan dicek lewat Pakasir.",
               "QRIS codes are made and checked through Pakasir."),
    confirmation=Confirmation.POLL,
    adapter="sync.providers.pakasir.adapter:PakasirProvider",
    fields=(
        Field("base_url", FieldKind.URL, Text("Alamat server (URL)", "Server address (URL)"),
              "Pakasir base URL",
              hint=Text("Biasanya tidak perlu diubah.", "Usually no need to change this."),
              default="https://app.pakasir.com", required=True),
        Field("project", FieldKind.WORD, Text("Proyek (slug)", "Project (slug)"),
              "Pakasir project slug",
              hint=Text("Slug proyek di dasbor Pakasir.",
                        "The project slug in the Pakasir dashboard."),
              required=True),
        Field("api_key", FieldKind.SECRET, Text("Kunci API", "API key"), "Pakasir API key",
              hint=Text("Dari dasbor Pakasir.", "From the Pakasir dashboard."), required=True),
    ),
)
