"""``python -m torsion`` (``make run``): an echo service and a line chat on 127.0.0.1.

Reach them with ``nc 127.0.0.1 8000`` (echo) and ``nc 127.0.0.1 8001`` (chat, from several
terminals). Ctrl-C stops the server cleanly.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from torsion._chat import ChatFactory, Echo
from torsion.internet.error import CannotListenError
from torsion.internet.protocol import Factory
from torsion.logger import LogLevel
from torsion.logger._commandline import LOG_FORMATS, beginCommandLineLogging

HOST = "127.0.0.1"
REACTORS = ("select", "poll", "epoll", "asyncio", "uvloop")


def parseArgs(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m torsion", description="Echo and line-chat servers on 127.0.0.1."
    )
    parser.add_argument("--echo-port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--chat-port", type=int, default=8001, help="0 picks a free port")
    parser.add_argument("--reactor", choices=REACTORS, help="default: the platform's best")
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings only")
    parser.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default="text",
        help="how log lines on stderr look: Twisted's text layout, or JSON lines",
    )
    return parser.parse_args(argv)


def installReactor(name: str | None) -> Any:
    """Install the named reactor (or the platform default) and return it."""
    if name is None:
        from torsion.internet import default

        return default.install()
    module = __import__(f"torsion.internet.{name}reactor", fromlist=["install"])
    return module.install()


def main(argv: list[str] | None = None) -> int:
    """Run the servers until SIGINT/SIGTERM; return the exit status."""
    args = parseArgs(argv)
    beginCommandLineLogging(
        sys.stderr, args.log_format, LogLevel.warn if args.quiet else LogLevel.info
    )
    reactor = installReactor(args.reactor)
    try:
        echo = reactor.listenTCP(args.echo_port, Factory.forProtocol(Echo), interface=HOST)
        chat = reactor.listenTCP(args.chat_port, ChatFactory(), interface=HOST)
    except CannotListenError as e:
        print(f"torsion: {e}", file=sys.stderr)
        return 1
    echoPort, chatPort = echo.getHost().port, chat.getHost().port
    print(f"torsion ({type(reactor).__name__}) listening on {HOST}:")
    print(f"  echo: nc {HOST} {echoPort}")
    print(f"  chat: nc {HOST} {chatPort}   (from several terminals; /nick NAME to rename)")
    print("Press Ctrl-C to stop.", flush=True)
    reactor.run()
    print("torsion: stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
