import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from reviewer.core.progress import job_state

POLL_S = 0.5
FORBIDDEN = 4403


class PolledStateConsumer(AsyncJsonWebsocketConsumer):
    """Streams the state of one object: the current state on connect, then every change. It
    reads the state rather than waiting for pushes, so it needs no signal from the worker and
    works with any channel layer, the demo's in-memory one included. Subclasses say which object
    a user may follow, what its state is and when there is nothing more to say."""

    def visible_object(self, user, **url_kwargs):
        raise NotImplementedError

    def state(self) -> dict:
        raise NotImplementedError

    def is_final(self, state: dict) -> bool:
        return False

    async def connect(self):
        kwargs = self.scope["url_route"]["kwargs"]
        user = self.scope["user"]
        found = None
        if user.is_authenticated:
            found = await database_sync_to_async(self.visible_object)(user, **kwargs)
        if found is None:
            await self.close(code=FORBIDDEN)
            return
        self.object = found
        await self.accept()
        self.streaming = asyncio.ensure_future(self._stream())

    async def disconnect(self, code):
        if getattr(self, "streaming", None):
            self.streaming.cancel()

    async def _stream(self):
        last = None
        while True:
            state = await database_sync_to_async(self.state)()
            if state != last:
                await self.send_json(state)
                last = state
            if self.is_final(state):
                await self.close()
                return
            await asyncio.sleep(POLL_S)


class JobProgressConsumer(PolledStateConsumer):
    """A background job's progress until it ends. Subclasses say which jobs a user may follow."""

    def visible_jobs(self, user):
        raise NotImplementedError

    def visible_object(self, user, pk):
        return self.visible_jobs(user).filter(pk=pk).first()

    def state(self) -> dict:
        return job_state(type(self.object).objects.get(pk=self.object.pk))

    def is_final(self, state: dict) -> bool:
        return state["status"] in self.object.FINAL
