"""The RQ worker class: builds the application once, before jobs are forked.

    rq worker --with-scheduler --worker-class app.jobs.worker.LaporWorker --url "$REDIS_URL" lapor
"""
from rq.worker import Worker


class LaporWorker(Worker):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from app import create_app
        from app.jobs.tasks import worker_app

        worker_app(create_app)  # import and configure once; every forked job inherits it
