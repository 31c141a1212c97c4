#!/usr/bin/env bash
# Re-makes the screenshots in docs/: the demo under Xvfb with two screens (1366x768 cashier,
# 1024x600 customer display, no window manager), driven with xdotool like a cashier with a
# barcode scanner. Needs: xvfb x11-apps xdotool imagemagick (apt).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
display=:${SCREENSHOT_DISPLAY:-97}
data="$(mktemp -d)"
Xvfb "$display" -screen 0 1366x768x24 -screen 1 1024x600x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill "$app" "$xvfb" 2>/dev/null || true; rm -rf "$data"' EXIT
sleep 1.5
export DISPLAY=$display POS_APP_DATA_DIR=$data POS_APP_SECRET_BACKEND=file
.venv/bin/pos-app config set simulator.pay_after_s 8 >/dev/null
.venv/bin/pos-app --demo >/dev/null 2>&1 &
app=$!
sleep 4
xdotool windowactivate "$(xdotool search --name Kasir | head -1)" 2>/dev/null || true
# the PIN pad (demo: "Kasir Demo", PIN 1234), then "Buka kasir" with a float
xdotool type --delay 40 1234; xdotool key Return; sleep 2
xdotool type --delay 20 200000; xdotool key Return; sleep 1
shot() { import -window root -display "$display.$1" "docs/$2.png"; }
for code in 089686010947 089686010947 8998866200011; do
  xdotool type --delay 20 "$code"; xdotool key Return; sleep 0.5
done
xdotool type --delay 30 sabun; sleep 1
shot 0 screenshot-cashier; shot 1 screenshot-customer-cart
xdotool key Escape; sleep 0.3; xdotool key F5; sleep 2
shot 0 screenshot-qris-dialog; shot 1 screenshot-customer-qris
sleep 7
shot 1 screenshot-customer-paid
echo "screenshots written to docs/"
