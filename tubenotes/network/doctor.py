"""`tubenotes doctor` for tor: is the binary installed, and is a control port reachable?"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

import stem
import stem.version

from tubenotes.errors import ConfigurationError
from tubenotes.network.tor import PASSWORD_ENV, open_controller, parse_host_port


@dataclass(frozen=True)
class TorDoctorReport:
    """What the doctor found; ``problems`` says what to do about each thing that is wrong."""

    binary: str | None
    version: str | None
    control_address: str | None = None
    control_reachable: bool | None = None
    running_version: str | None = None
    bootstrap: str | None = None
    problems: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """Human-readable lines for the CLI."""
        lines = [f"tor binary: {self.binary} ({self.version})" if self.binary else "tor binary: not installed"]
        if self.control_address is not None:
            state = "reachable" if self.control_reachable else "not reachable"
            lines.append(f"tor control port {self.control_address}: {state}")
            if self.running_version:
                lines.append(f"running tor: {self.running_version}, bootstrap: {self.bootstrap}")
        lines.extend(f"problem: {problem}" for problem in self.problems)
        return lines


def tor_doctor(control: str | None = None, *, tor_cmd: str = "tor") -> TorDoctorReport:
    """Check the tor binary, and the control port ``HOST:PORT`` when one is given."""
    problems: list[str] = []
    binary = shutil.which(tor_cmd)
    version = None
    if binary is None:
        problems.append("tor is not installed: install it (apt install tor) to use --network tor")
    else:
        try:
            version = str(stem.version.get_system_tor_version(binary))
        except OSError as exc:
            problems.append(f"{binary} did not report a version ({exc}); reinstall tor")
    if control is None:
        return TorDoctorReport(binary, version, problems=tuple(problems))

    running_version = bootstrap = None
    try:
        controller = open_controller(*parse_host_port(control, "--tor-control"), password=os.environ.get(PASSWORD_ENV))
    except ConfigurationError as exc:
        problems.append(str(exc))
        reachable = False
    else:
        reachable = True
        with controller:
            running_version = str(controller.get_version())
            bootstrap = controller.get_info("status/bootstrap-phase", "unknown")
    return TorDoctorReport(binary, version, control, reachable, running_version, bootstrap, tuple(problems))
