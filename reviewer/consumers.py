import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from reviewer.models import ImportJob
from reviewer.permissions import IMPORT_ROLES, has_role
from reviewer.services.import_jobs import job_state

POLL_S = 0.5
FORBIDDEN = 4403


class ImportJobConsumer(AsyncJsonWebsocketConsumer):
    """Streams an import job's progress until it ends. It reads the job's state rather than
    waiting for pushes, so it works with any channel layer, the demo's in-memory one included."""

    async def connect(self):
        user = self.scope["user"]
        pk = self.scope["url_route"]["kwargs"]["pk"]
        self.job = await database_sync_to_async(self._visible_job)(user, pk)
        if self.job is None:
            await self.close(code=FORBIDDEN)
            return
        await self.accept()
        self.streaming = asyncio.ensure_future(self._stream())

    async def disconnect(self, code):
        if getattr(self, "streaming", None):
            self.streaming.cancel()

    async def _stream(self):
        last = None
        while True:
            state = await database_sync_to_async(self._state)()
            if state != last:
                await self.send_json(state)
                last = state
            if state["status"] in ImportJob.FINAL:
                await self.close()
                return
            await asyncio.sleep(POLL_S)

    def _state(self) -> dict:
        return job_state(ImportJob.objects.get(pk=self.job.pk))

    @staticmethod
    def _visible_job(user, pk) -> ImportJob | None:
        if not has_role(user, IMPORT_ROLES):
            return None
        jobs = ImportJob.objects.filter(pk=pk)
        if not user.is_data_steward:
            jobs = jobs.filter(created_by=user)
        return jobs.first()
