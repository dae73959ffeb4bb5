import asyncio
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import torch
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from reviewer.cases.models import Patient
from reviewer.core.consumers import FORBIDDEN, JobProgressConsumer
from reviewer.core.permissions import CLINICAL_ROLES, has_role
from segmentation import flow_frames
from segmentation.flow_frames import MIN_STAGES, FlowRequestError
from segmentation.inference_jobs import patients_to_segment
from segmentation.models import InferenceJob, Segmentation

logger = logging.getLogger(__name__)

# One flow at a time: torch already spreads one integration over the cores it may use, so two
# at once would each take twice as long, and the first asked would be ready no sooner.
_flows = ThreadPoolExecutor(
    max_workers=1,
    thread_name_prefix="flow",
    initializer=torch.set_num_threads,  # per thread: the thread that computes is the one to set
    initargs=(flow_frames.TORCH_THREADS,),
)
SEND_TIMEOUT_S = 10


class InferenceJobConsumer(JobProgressConsumer):
    """Progress of an inference job, for whoever may see its patient and its AI output."""

    def visible_jobs(self, user):
        if not has_role(user, CLINICAL_ROLES):
            return InferenceJob.objects.none()
        return InferenceJob.objects.filter(patient__in=patients_to_segment(user))


class _Superseded(Exception):
    """A newer request on the same socket (or its closing) abandons the flow being computed."""


class FlowConsumer(AsyncJsonWebsocketConsumer):
    """Flow frames on demand (viewer contract "Flow"). Each request
    ``{"segmentation": id, "slice": k, "stages": T}`` is answered with ``progress`` messages
    while its stages are computed, then ``ready`` with the frames' URL, or ``error``; a flow
    already computed is ready at once. A new request supersedes an unfinished one. Every answer
    repeats the request's segmentation, slice and stages, so a client can drop stale ones.

    ``{"type": "prepare", "segmentation": id}`` reads the segmentation's exam and model ahead
    of its first flow and is answered ``{"type": "prepared", "segmentation": id}``, or ``error``
    with ``"prepare": id``; it supersedes nothing."""

    async def connect(self):
        self.request_task: asyncio.Task | None = None
        self.prepares: set[asyncio.Task] = set()
        self.abandoned = threading.Event()
        if not has_role(self.scope["user"], CLINICAL_ROLES):
            await self.close(code=FORBIDDEN)
            return
        await self.accept()

    async def disconnect(self, code):
        self._supersede()
        for task in self.prepares:
            task.cancel()  # the exam is still read: the next socket finds it ready

    @classmethod
    async def decode_json(cls, text_data):
        try:
            return json.loads(text_data)
        except ValueError:
            return None  # answered as a malformed request, where raising would drop the socket

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "prepare":
            task = asyncio.ensure_future(self._prepare(content))
            self.prepares.add(task)
            task.add_done_callback(self.prepares.discard)
            return
        self._supersede()
        self.abandoned = threading.Event()
        self.request_task = asyncio.ensure_future(self._answer(content, self.abandoned))

    def _supersede(self) -> None:
        self.abandoned.set()  # stops the integration at its next stage
        if self.request_task is not None:
            self.request_task.cancel()

    async def _answer(self, content, abandoned: threading.Event) -> None:
        try:
            request = _read_request(content)
        except FlowRequestError as error:
            await self.send_json({"type": "error", "message": str(error)})
            return
        try:
            plan = await database_sync_to_async(self._plan)(**request)
        except FlowRequestError as error:
            await self.send_json({"type": "error", "message": str(error), **request})
            return
        loop = asyncio.get_running_loop()

        def progress(done: int) -> dict:
            return {"type": "progress", "done": done, "total": plan.key.stages, **request}

        def on_stage(done: int, total: int) -> None:
            if abandoned.is_set():
                raise _Superseded
            # Waits until sent: progress arrives in order, and always before "ready".
            sent = asyncio.run_coroutine_threadsafe(self.send_json(progress(done)), loop)
            sent.result(SEND_TIMEOUT_S)

        try:
            # Frames on disk are ready at once, not after the flow another socket computes.
            if not flow_frames.rendered(plan):
                await self.send_json(progress(0))  # computing, perhaps after another flow
                await loop.run_in_executor(_flows, flow_frames.render, plan, on_stage)
        except _Superseded:
            return
        except Exception as error:
            logger.exception("flow of %s failed", plan.key)
            message = f"the flow could not be computed: {error}"
            await self.send_json({"type": "error", "message": message, **request})
            return
        await self.send_json({"type": "ready", "url": plan.url, **request})

    async def _prepare(self, content: dict) -> None:
        segmentation = content.get("segmentation")
        try:
            _check_segmentation(segmentation)
            unknown = sorted(set(content) - {"type", "segmentation"})
            if unknown:
                raise FlowRequestError(f"unknown field(s) of a prepare: {', '.join(unknown)}")
            # Any slice's plan reads the same series and model: slice 0 stands for the exam.
            plan = await database_sync_to_async(self._plan)(segmentation, 0, MIN_STAGES)
            await asyncio.get_running_loop().run_in_executor(_flows, flow_frames.prepare, plan)
        except FlowRequestError as error:
            message = str(error)
        except Exception as error:
            logger.exception("preparing the flows of segmentation %s failed", segmentation)
            message = f"the exam could not be read for its flows: {error}"
        else:
            await self.send_json({"type": "prepared", "segmentation": segmentation})
            return
        await self.send_json({"type": "error", "message": message, "prepare": segmentation})

    def _plan(self, segmentation: int, slice: int, stages: int) -> flow_frames.FlowPlan:
        user = self.scope["user"]
        visible = Patient.objects.visible_to(user)
        found = (
            Segmentation.objects.filter(exam__patient__in=visible, pk=segmentation)
            .shown_to(user)
            .select_related("model_version")
            .first()
        )
        if found is None:
            raise FlowRequestError(f"segmentation {segmentation} does not exist or is not visible")
        return flow_frames.plan(found, slice, stages)


def _read_request(content) -> dict:
    """The request's fields, stages defaulted; slice and stages are checked by the plan."""
    if not isinstance(content, dict):
        raise FlowRequestError('a request is an object {"segmentation": id, "slice": k}')
    unknown = sorted(set(content) - {"segmentation", "slice", "stages"})
    if unknown:
        raise FlowRequestError(f"unknown field(s): {', '.join(unknown)}")
    for field in ("segmentation", "slice"):
        if field not in content:
            raise FlowRequestError(f"{field} is required")
    segmentation = content["segmentation"]
    _check_segmentation(segmentation)
    return {
        "segmentation": segmentation,
        "slice": content["slice"],
        "stages": content.get("stages", flow_frames.DEFAULT_STAGES),
    }


def _check_segmentation(segmentation) -> None:
    if isinstance(segmentation, bool) or not isinstance(segmentation, int):
        raise FlowRequestError(f"segmentation must be an integer id, got {segmentation!r}")
