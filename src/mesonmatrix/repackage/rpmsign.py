"""Signing an .rpm as a distribution's build system does, with a local packaging key.

rpm and rpmlint expect a signed package (rpmlint's ``no-signature`` is an error). The key
is this machine's, made once for this user (``$XDG_DATA_HOME/mesonmatrix/rpm-signing``),
not the workspace's or the cache's: every package built here is signed by one key, so the
same inputs still give the same bytes (an RSA signature is deterministic, and gpg signs
at ``SOURCE_DATE_EPOCH`` through ``--faked-system-time``). As root its public key is
imported into rpm's database, so ``rpm -K`` (and rpmlint) verify the signature; a
packager signs with their own key by setting ``MESONMATRIX_RPM_SIGNING_HOME`` to a GnuPG
home that holds it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..machine.commands import CommandRunner
from ..machine.locking import exclusive_lock
from ..machine.progress import Say

KEY_NAME = "mesonmatrix local packaging key <mesonmatrix@localhost>"
KEY_CREATED = 315532800  # 1980-01-01T00:00:00Z


def signing_home(environ: dict[str, str]) -> Path:
    given = environ.get("MESONMATRIX_RPM_SIGNING_HOME")
    if given:
        return Path(given)
    data = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "mesonmatrix" / "rpm-signing"


def _gpg(home: Path) -> list[str]:
    return ["gpg", "--homedir", str(home), "--batch", "--pinentry-mode", "loopback", "--passphrase", ""]


def ensure_key(runner: CommandRunner, say: Say) -> tuple[Path, str]:
    """The GnuPG home holding the signing key (made on first use) and the key's user id."""
    home = signing_home(runner.env)
    home.parent.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(home, say, why=" (the rpm signing key is being made)"):
        public = home / "public-key.asc"
        if not public.is_file():
            home.mkdir(mode=0o700, parents=True, exist_ok=True)
            # Made as of 1980 (the zip epoch, SOURCE_DATE_EPOCH's floor here): gpg refuses to
            # sign at a (faked) time before a key's creation.
            runner.run([*_gpg(home), "--faked-system-time", f"{KEY_CREATED}!", "--quick-gen-key", KEY_NAME,
                        "rsa3072", "sign", "never"], label="make the local rpm signing key")
            exported = runner.run([*_gpg(home), "--armor", "--export", KEY_NAME], label="export its public key",
                                  echo=False).stdout
            public.write_text(exported)
        uid = KEY_NAME
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            # rpm's own keyring: what `rpm -K` (and rpmlint) verify signatures against.
            runner.run(["rpmkeys", "--import", str(public)], label="trust the signing key in rpm's database",
                       check=False, echo=False)
    return home, uid


def sign(rpm: Path, runner: CommandRunner, say: Say, *, epoch: int) -> str:
    """Sign ``rpm`` in place; returns the signer's user id."""
    home, uid = ensure_key(runner, say)
    extra = f"--batch --pinentry-mode loopback --passphrase '' --faked-system-time {epoch}!"
    # rpm's %__gpg names a gpg2 that Debian does not have: the gpg on PATH signs.
    gpg = shutil.which("gpg", path=runner.env.get("PATH")) or "gpg"
    runner.run(["rpmsign", "--addsign", "--define", f"__gpg {gpg}", "--define", f"_gpg_path {home}",
                "--define", f"_gpg_name {uid}",
                "--define", "_gpg_digest_algo sha256", "--define", f"_gpg_sign_cmd_extra_args {extra}", str(rpm)],
               label=f"sign {rpm.name}", extra_env={"GNUPGHOME": str(home)})
    return uid
