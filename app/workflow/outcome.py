"""What a domain call produced, returned to its caller: the side effects made visible.

A lifecycle call (``register``, ``perform``, each transition) and the batch entry points
(auto-close, reminder sweeps, digests) return an :class:`Outcome`. The caller commits and
then hands ``outcome.outbox_ids`` to the queue (``app.jobs.queue.deliver(outcome)``).
Batch entry points commit batch by batch; their caller passes ``deliver=`` so that each
batch's messages are queued right after its commit. Nothing travels through session
state or global listeners.
"""
from dataclasses import dataclass, field

from sqlalchemy import inspect


@dataclass
class Outcome:
    complaint: object = None
    # the ComplaintEvent rows written (single-case calls; batch sweeps only count)
    events: list = field(default_factory=list)
    # the one-time reply code of a newly registered case (shown once, never stored in clear)
    reply_code: str = None
    # batch entry points: what they did, e.g. {"closed": 3} or {"overdue": 2, ...}
    counts: dict = field(default_factory=dict)
    # Outbox rows written and not yet settled into ids (ids exist once flushed)
    outbox: list = field(default_factory=list, repr=False)
    _settled_ids: list = field(default_factory=list, repr=False)

    @property
    def event(self):
        """The last event written (most transitions write exactly one)."""
        return self.events[-1] if self.events else None

    @property
    def outbox_ids(self):
        """Ids of the messages to deliver (read from the identity map: no SQL; valid after flush)."""
        ids = list(self._settled_ids)
        for row in self.outbox:
            identity = inspect(row).identity
            if identity:
                ids.append(identity[0])
        return ids

    def add(self, other):
        """Fold another outcome (of the same unit of work) into this one; returns self."""
        if other is not None:
            self.events += other.events
            self.outbox += other.outbox
            self._settled_ids += other._settled_ids
            self.reply_code = self.reply_code or other.reply_code
        return self

    def committed(self, batch, deliver=None):
        """Batch entry points, right after committing ``batch``: hand it to ``deliver`` (the
        caller's ``app.jobs.queue.deliver``, passed in explicitly) so its messages leave
        even if a later batch fails or the worker dies, then fold it in; returns self."""
        if deliver is not None:
            deliver(batch)
        return self.add(batch).settle()

    def settle(self):
        """After a commit in a batch: keep only the ids, release the rows (bounded memory)."""
        self._settled_ids = self.outbox_ids
        self.outbox = []
        self.events = []
        return self
