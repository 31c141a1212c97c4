"""``pos-app provider login NAME``: the OTP login (seeds 000, 001) or device activation (seed 004)
on the command line; the token is stored as a secret (keyring, else config.toml 0600)."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Mapping
from typing import Any

from pos_app.cli.common import Exit, die, err, open_ctx
from pos_app.settings import Settings, SettingsError
from sync.errors import LoginFailed, ProviderError, UnknownProvider
from sync.providers import describe, login_flow
from sync.providers.info import LoginKind, ProviderInfo, load


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
        try:
            info = describe(name)
        except UnknownProvider as exc:
            die(str(exc))
        if info.login is LoginKind.NONE:
            die(f"provider {name} has no interactive login; set its keys with 'pos-app config set'")
        config = ctx.settings.provider_config(name)
        for leaf in info.login_needs:
            if not config.get(leaf):
                key = info.key(leaf)
                die(f"set {key} first (pos-app config set {key} VALUE)")
        if info.login is LoginKind.ACTIVATION:
            return _activate(ctx.settings, info, config)
        return _login(ctx.settings, info, config)
    finally:
        ctx.close()


def _login(settings: Settings, info: ProviderInfo, config: Mapping[str, Any]) -> int:
    """Username and password, then the OTP; stores the user name and the token."""
    flow = login_flow(info.name, config)
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
        die(f"{info.name}: login failed: {exc}", Exit.FAILED)
    _store(settings, info.login_settings(username, token))
    print(f"Login {info.name} berhasil; token disimpan.")
    return Exit.OK


def _activate(settings: Settings, info: ProviderInfo, config: Mapping[str, Any]) -> int:
    """A device id and an activation code (seed 004); stores the device id, its token and the
    terminal id the platform bound it to."""
    assert info.login_flow is not None
    activate = load(info.login_flow)
    device_id = _ask("Device ID", default=str(config.get("device_id") or ""))
    code = _ask("Activation code", secret=True)
    try:
        result = activate(str(config.get("base_url") or ""), device_id, code)
    except LoginFailed as exc:
        die(str(exc), Exit.FAILED)
    except ProviderError as exc:
        die(f"{info.name}: activation failed: {exc}", Exit.FAILED)
    _store(settings, info.activation_settings(device_id, result.device_token,
                                              result.terminal_id))
    print("Perangkat diaktifkan; token disimpan.")
    return Exit.OK


def _store(settings: Settings, values: list[tuple[str, str]]) -> None:
    try:
        for key, value in values:
            settings.set(key, value)
    except SettingsError as exc:
        die(str(exc))
