"""``soundbox_platform``: QRIS through a soundbox vendor's platform; payment notices arrive in
the device's heartbeat feed (seed 004)."""

from sync.providers.info import Confirmation, Field, FieldKind, LoginKind, ProviderInfo, Text

PROVIDER = ProviderInfo(
    name="soundbox_platform",
    order=50,
    label=Text("Platform Soundbox QRIS", "QRIS soundbox platform"),
    intro=Text("QRIS lewat platform soundbox; kabar pembayaran datang dari platform.",
               "QRIS through the soundbox platform; payment notices come from the platform."),
    confirmation=Confirmation.FEED,
    adapter="sync.providers.soundbox_platform.adapter:SoundboxPlatformProvider",
    fields=(
        Field("base_url", FieldKind.URL, Text("Alamat server (URL)", "Server address (URL)"),
              "QRIS soundbox platform base URL (required)",
              hint=Text("Alamat platform dari penyedia soundbox.",
                        "The platform address from the soundbox vendor."),
              required=True),
        Field("device_id", FieldKind.WORD, Text("ID perangkat", "Device id"),
              "Device id registered on the platform",
              hint=Text("ID perangkat yang terdaftar di platform.",
                        "The device id registered on the platform."),
              required=True),
        Field("device_token", FieldKind.SECRET, Text("Token perangkat", "Device token"),
              "Device token (Authorization: Bearer)",
              hint=Text("Diisi otomatis lewat tombol Aktivasi…",
                        "Filled in by the Activate… button"),
              required=True),
        Field("terminal_id", FieldKind.WORD, Text("ID terminal", "Terminal id"),
              "Terminal id on the platform",
              hint=Text("Diisi otomatis saat aktivasi.", "Filled in by the activation.")),
    ),
    login=LoginKind.ACTIVATION,
    login_flow="sync.providers.soundbox_platform.adapter:activate",
    login_needs=("base_url",),
)
