import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import InMemoryChannelLayer

from reviewer.core.progress import job_group, job_state

FORBIDDEN = 4403
# Without Redis (the demo), the channel layer lives in each process's memory, so a push from the
# worker cannot reach the web process: sockets read their state again this often instead.
RE_READ_S = 2.0


class LiveStateConsumer(AsyncJsonWebsocketConsumer):
    """Streams the state of one object: the current state on connect, then the new state each
    time a process announces a change to the object's group (reviewer.core.live). Subclasses say
    which object a user may follow, its group, what its state is and when there is nothing more
    to say."""

    def visible_object(self, user, **url_kwargs):
        raise NotImplementedError

    def group(self) -> str:
        raise NotImplementedError

    def state(self) -> dict:
        raise NotImplementedError

    def is_final(self, state: dict) -> bool:
        return False

    async def connect(self):
        self.last = self.group_name = self.rereading = None
        kwargs = self.scope["url_route"]["kwargs"]
        user = self.scope["user"]
        found = None
        if user.is_authenticated:
            found = await database_sync_to_async(self.visible_object)(user, **kwargs)
        if found is None:
            await self.close(code=FORBIDDEN)
            return
        self.object = found
        self.group_name = self.group()
        await self.channel_layer.group_add(self.group_name, self.channel_name)  # before reading:
        await self.accept()  # a change announced meanwhile is read again below, not lost
        if isinstance(self.channel_layer, InMemoryChannelLayer):
            self.rereading = asyncio.ensure_future(self._reread())
        await self.send_state()

    async def disconnect(self, code):
        if self.rereading:
            self.rereading.cancel()
        if self.group_name:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def state_changed(self, message):
        await self.send_state()

    async def send_state(self):
        state = await database_sync_to_async(self.state)()
        if state != self.last:
            await self.send_json(state)
            self.last = state
        if self.is_final(state):
            await self.close()

    async def _reread(self):
        while True:
            await asyncio.sleep(RE_READ_S)
            await self.send_state()


class JobProgressConsumer(LiveStateConsumer):
    """A background job's progress until it ends. Subclasses say which jobs a user may follow."""

    def visible_jobs(self, user):
        raise NotImplementedError

    def visible_object(self, user, pk):
        return self.visible_jobs(user).filter(pk=pk).first()

    def group(self) -> str:
        return job_group(self.object)

    def state(self) -> dict:
        return job_state(type(self.object).objects.get(pk=self.object.pk))

    def is_final(self, state: dict) -> bool:
        return state["status"] in self.object.FINAL
