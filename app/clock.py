"""Time in one place: all stored timestamps are naive UTC."""
import datetime


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
