import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from reviewer.models import ImportJob, Patient
from reviewer.permissions import CLINICAL_ROLES, IMPORT_ROLES, has_role
from reviewer.services.case_alarms import case_alarm_state
from reviewer.services.progress import job_state

POLL_S = 0.5
FORBIDDEN = 4403


class JobProgressConsumer(AsyncJsonWebsocketConsumer):
    """Streams a background job's state until it ends: the current state on connect, then every
    change. It reads the state rather than waiting for pushes, so it works with any channel
    layer, the demo's in-memory one included. Subclasses say which jobs a user may follow."""

    def visible_jobs(self, user):
        raise NotImplementedError

    async def connect(self):
        pk = self.scope["url_route"]["kwargs"]["pk"]
        self.job = await database_sync_to_async(self._visible_job)(self.scope["user"], pk)
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
            if state["status"] in self.job.FINAL:
                await self.close()
                return
            await asyncio.sleep(POLL_S)

    def _state(self) -> dict:
        return job_state(type(self.job).objects.get(pk=self.job.pk))

    def _visible_job(self, user, pk):
        if not user.is_authenticated:
            return None
        return self.visible_jobs(user).filter(pk=pk).first()


class ImportJobConsumer(JobProgressConsumer):
    def visible_jobs(self, user):
        if not has_role(user, IMPORT_ROLES):
            return ImportJob.objects.none()
        jobs = ImportJob.objects.all()
        return jobs if user.is_data_steward else jobs.filter(created_by=user)


class CaseAlarmsConsumer(AsyncJsonWebsocketConsumer):
    """A patient's open alarms and risk score per exam, live: the state on connect, then again
    whenever a background job raises or clears an alarm. Polled, like job progress, so that it
    needs no signal from the worker and works with any channel layer."""

    async def connect(self):
        pseudonym = self.scope["url_route"]["kwargs"]["pseudonym"]
        self.patient = await database_sync_to_async(self._visible_patient)(
            self.scope["user"], pseudonym
        )
        if self.patient is None:
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
            state = await database_sync_to_async(case_alarm_state)(self.patient)
            if state != last:
                await self.send_json(state)
                last = state
            await asyncio.sleep(POLL_S)

    @staticmethod
    def _visible_patient(user, pseudonym):
        if not has_role(user, CLINICAL_ROLES):
            return None
        return Patient.objects.visible_to(user).filter(pseudonym=pseudonym).first()
