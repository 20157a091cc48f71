"""The notify service wired on the kernel: contacts and causing events consumed,
operators answered, and the delivery worker running (NOT-1..NOT-3)."""

from __future__ import annotations

from datetime import timedelta

from services.notify.compose import Composer
from services.notify.config import NotifySettings
from services.notify.decide import Decider
from services.notify.delivery.channels import couriers_for
from services.notify.delivery.worker import DeliveryWorker
from services.notify.listeners import register_causes, register_contacts
from services.notify.operators import register_operators
from shared.service import ServiceRuntime


def register(rt: ServiceRuntime) -> None:
    notify = NotifySettings()
    decider = Decider(Composer(), notify.site())
    worker = DeliveryWorker(
        rt,
        couriers_for(rt.settings, notify),
        notify.retry_policy(),
        concurrency=notify.concurrent_sends,
        lease=timedelta(seconds=2 * notify.smtp_timeout_seconds),
        poll_seconds=rt.settings.relay_poll_seconds,
    )
    register_contacts(rt, decider)
    register_causes(rt, decider)
    register_operators(rt, worker)
    rt.worker("delivery")(worker.run)
