"""torsion.internet.default: which reactor each platform gets, and installing it."""

from __future__ import annotations

import importlib.util
import select

import pytest

from torsion.internet import default
from torsion.internet._reactors import registry
from torsion.python.runtime import Platform

LINUX = Platform("posix", "linux")
MACOS = Platform("posix", "darwin")
OTHER_POSIX = Platform("posix", "freebsd14")
WINDOWS = Platform("nt", "win32")

_HAVE_UVLOOP = importlib.util.find_spec("uvloop") is not None


def _withoutUvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    real = registry.unavailableReason
    monkeypatch.setattr(
        registry,
        "unavailableReason",
        lambda name: "not installed" if name == "uvloop" else real(name),
    )


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        (LINUX, "epoll" if hasattr(select, "epoll") else "poll"),
        (MACOS, "select"),
        (OTHER_POSIX, "poll" if hasattr(select, "poll") else "select"),
        (WINDOWS, "select"),
    ],
)
def test_best_reactor_without_uvloop(
    monkeypatch: pytest.MonkeyPatch, platform: Platform, expected: str
) -> None:
    """Without uvloop: epoll on Linux, select on macOS and Windows, poll elsewhere."""
    _withoutUvloop(monkeypatch)
    assert registry.bestReactorName(platform) == expected


@pytest.mark.skipif(not _HAVE_UVLOOP, reason="uvloop is not installed")
@pytest.mark.parametrize("platform", [LINUX, MACOS])
def test_best_reactor_is_uvloop_where_installed(platform: Platform) -> None:
    """With uvloop installed, Linux and macOS get it."""
    assert registry.bestReactorName(platform) == "uvloop"


@pytest.mark.parametrize("platform", [OTHER_POSIX, WINDOWS])
def test_uvloop_only_for_linux_and_macos(platform: Platform) -> None:
    """Other systems never get uvloop, installed or not."""
    assert registry.bestReactorName(platform) != "uvloop"


def test_best_reactor_defaults_to_the_running_platform() -> None:
    """Without a platform, the running one's rule applies."""
    assert registry.bestReactorName() == registry.bestReactorName(Platform())


@pytest.mark.parametrize(
    ("platform", "module"),
    [
        (MACOS, "torsion.internet.selectreactor"),
        (WINDOWS, "torsion.internet.selectreactor"),
        (LINUX, "torsion.internet.epollreactor"),
    ],
)
def test_get_install_function(
    monkeypatch: pytest.MonkeyPatch, platform: Platform, module: str
) -> None:
    """_getInstallFunction gives the chosen reactor module's install function."""
    _withoutUvloop(monkeypatch)
    if platform is LINUX and not hasattr(select, "epoll"):
        pytest.skip("no epoll here")
    install = default._getInstallFunction(platform)
    assert install.__module__ == module
    assert install.__name__ == "install"


def test_get_install_function_ignores_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """$TORSION_REACTOR chooses what install() installs, not the platform's choice."""
    _withoutUvloop(monkeypatch)
    monkeypatch.setenv(default.ENVIRONMENT_VARIABLE, "poll")
    assert default.defaultReactorName() == "poll"
    install = default._getInstallFunction(WINDOWS)
    assert install.__module__ == "torsion.internet.selectreactor"


def test_install_refuses_an_unknown_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown $TORSION_REACTOR is a ValueError naming the variable."""
    monkeypatch.setenv(default.ENVIRONMENT_VARIABLE, "nonesuch")
    with pytest.raises(ValueError, match="TORSION_REACTOR"):
        default.install()
