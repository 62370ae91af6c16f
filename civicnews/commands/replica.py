"""``civicnews replica``: serve a replica portal from the command line."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click

from civicnews.replica import FAMILIES, PortInUseError, ReplicaError, ReplicaServer
from civicnews.replica.content import MAX_ARTICLES, MIN_ARTICLES


@click.group()
def replica() -> None:
    """Run a local replica of a government news portal (deterministic, for crawler tests)."""


@replica.command()
@click.option(
    "--family",
    type=click.Choice(sorted(FAMILIES)),
    default="liferay",
    show_default=True,
    help="CMS family to imitate.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Port to listen on; 0 picks a free one.",
)
@click.option(
    "--articles",
    type=click.IntRange(MIN_ARTICLES, MAX_ARTICLES),
    default=50,
    show_default=True,
    help="Number of articles on the portal.",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Content seed.")
@click.option(
    "--faults",
    "faults",
    default=None,
    metavar="SPEC",
    help="Misbehave on request, e.g. '503*2:0.2,slow@article/3,mislabel:0.1' "
    "(NAME[=ARG][*TIMES][:RATE][@SELECTOR],...; names in the README).",
)
def serve(family: str, host: str, port: int, articles: int, seed: int, faults: str | None) -> None:
    """Serve a replica portal until Ctrl-C or SIGTERM."""
    try:
        server = ReplicaServer(
            family=family,
            articles=articles,
            seed=seed,
            host=host,
            port=port,
            log_requests=False,
            faults=faults,
        )
    except ReplicaError as exc:  # a bad --faults SPEC
        raise click.BadParameter(str(exc), param_hint="--faults") from None
    try:
        server.start()
    except PortInUseError as exc:
        raise click.ClickException(
            f"{exc}: choose another --port, or --port 0 for a free one"
        ) from None
    except ReplicaError as exc:
        raise click.ClickException(str(exc)) from None
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    # SIGTERM (from a supervisor or a test) and Ctrl-C are normal ways to stop: exit 0, no
    # traceback.  Both are handled from before the first line is printed: a
    # KeyboardInterrupt arriving between that line and the wait below escaped as a
    # traceback on a loaded machine (a test sends SIGINT as soon as it reads the line).
    in_main_thread = threading.current_thread() is threading.main_thread()
    # A SIGINT ignored by whoever started us (a shell's background job) stays ignored.
    stop_signals = [signal.SIGTERM]
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        stop_signals.append(signal.SIGINT)
    previous = {s: signal.signal(s, on_signal) for s in stop_signals} if in_main_thread else {}
    click.echo(f"Replica {family} portal serving {articles} articles at {server.start_url}")
    if faults:
        click.echo(f"Faults: {server.renderer.spec}")
    click.get_text_stream("stdout").flush()
    try:
        while not stopping.wait(0.5):
            pass
    except KeyboardInterrupt:  # outside the main thread, where the handlers are not set
        pass
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        server.stop()

