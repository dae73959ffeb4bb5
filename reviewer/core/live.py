"""Pushes to the sockets that show an object live (reviewer.core.consumers): whoever changes what
such a socket shows announces it to the object's group on the channel layer, from the worker or
the web process; the group's sockets read the state again and send it if it changed.

Progress in the cache is announced at once; a change to rows, once its transaction commits (the
sockets read through other connections). A push that cannot be sent is logged and dropped: the
page's socket reconnects when its connection is lost, and a socket reads the whole state when it
connects."""

import hashlib
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)
CHANGED = {"type": "state.changed"}  # handled by LiveStateConsumer.state_changed


def group(kind: str, key) -> str:
    """The group of one object's sockets; channel layers allow ASCII letters, digits, '-', '_'
    and '.' in group names, so a key with anything else is hashed."""
    text = str(key)
    if not text.isascii() or not all(c.isalnum() or c in "-_." for c in text):
        text = hashlib.sha256(text.encode()).hexdigest()
    return f"{kind}.{text}"


def announce(name: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(name, CHANGED)
    except Exception:  # the broker is away: sockets read the state again when they reconnect
        logger.warning("could not push a change to the sockets of %s", name, exc_info=True)


def announce_on_commit(name: str) -> None:
    transaction.on_commit(lambda: announce(name))
