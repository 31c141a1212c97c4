"""``pos-app provider login NAME``: the OTP login (seeds 000, 001) or device activation (seed 004)
on the command line; the token is stored as a secret (keyring, else config.toml 0600)."""

from __future__ import annotations

import argparse
import getpass
import sys

from pos_app.cli.common import Exit, die, err, open_ctx
from pos_app.settings import SettingsError
from sync.providers import login_flow
from sync.providers.base import LoginFailed, ProviderError
from sync.providers.soundbox_platform.adapter import activate


def _ask(prompt: str, *, secret: bool = False, default: str = "") -> str:
    shown = f"{prompt} [{default}]: " if default else f"{prompt}: "
    if sys.stdin is not None and sys.stdin.isatty():
        value = getpass.getpass(shown) if secret else input(shown)
    else:  # piped input (scripts, tests): one line per answer, never echoed back
        err(shown.rstrip())
        line = sys.stdin.readline() if sys.stdin is not None else ""
        if not line:
            die("login cancelled: no more input")
        value = line.rstrip("\n")
    return value.strip() or default


def run(args: argparse.Namespace) -> int:
    name = args.name
    ctx = open_ctx(args)
    try:
        settings = ctx.settings
        if name == "soundbox_platform":
            return _activate(settings)
        if name not in ("orderkuota", "orkut"):
            die(f"provider {name} has no interactive login; set its keys with 'pos-app config set'")
        config = settings.provider_config(name)
        if name == "orkut" and not config.get("api_key"):
            die("set providers.orkut.api_key first "
                "(pos-app config set providers.orkut.api_key KEY)")
        flow = login_flow(name, config)
        username = _ask("Username", default=str(config.get("username") or ""))
        if not username:
            die("a username is needed")
        password = _ask("Password", secret=True)
        try:
            where = flow.request_otp(username, password)
            print(f"Kode OTP dikirim ke {where}." if where else "Kode OTP sudah dikirim.",
                  flush=True)
            otp = _ask("OTP")
            token = flow.verify_otp(username, otp)
        except LoginFailed as exc:
            die(str(exc), Exit.FAILED)
        except ProviderError as exc:
            die(f"{name}: login failed: {exc}", Exit.FAILED)
        try:
            settings.set(f"providers.{name}.username", username)
            settings.set(f"providers.{name}.token", token)
        except SettingsError as exc:
            die(str(exc))
        print(f"Login {name} berhasil; token disimpan.")
        return Exit.OK
    finally:
        ctx.close()


def _activate(settings) -> int:  # type: ignore[no-untyped-def]
    base_url = str(settings.get("providers.soundbox_platform.base_url") or "")
    if not base_url:
        die("set providers.soundbox_platform.base_url first")
    known_id = settings.get("providers.soundbox_platform.device_id")
    device_id = _ask("Device ID", default=str(known_id or ""))
    code = _ask("Activation code", secret=True)
    try:
        result = activate(base_url, device_id, code)
    except LoginFailed as exc:
        die(str(exc), Exit.FAILED)
    except ProviderError as exc:
        die(f"soundbox_platform: activation failed: {exc}", Exit.FAILED)
    try:
        settings.set("providers.soundbox_platform.device_id", device_id)
        settings.set("providers.soundbox_platform.device_token", result.device_token)
        if result.terminal_id:
            settings.set("providers.soundbox_platform.terminal_id", result.terminal_id)
    except SettingsError as exc:
        die(str(exc))
    print("Perangkat diaktifkan; token disimpan.")
    return Exit.OK
