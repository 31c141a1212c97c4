"""``simulator``: the demo back-end - no money, no network; it pays after a few seconds."""

from sync.providers.info import Confirmation, ProviderInfo, Text

PROVIDER = ProviderInfo(
    name="simulator",
    order=0,
    label=Text("Simulator (demo)", "Simulator (demo)"),
    intro=Text("Untuk demo dan latihan: tanpa uang sungguhan dan tanpa jaringan.",
               "For demos and practice: no real money and no network."),
    confirmation=Confirmation.POLL,
    adapter="sync.providers.simulator.adapter:SimulatorProvider",
    uses=("simulator.pay_after_s",),
)
