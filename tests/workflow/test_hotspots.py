"""Hotspot alerts: a seeded spike raises exactly one alert, normal weeks none; dashboards, digest, acknowledgement."""
import datetime
import re

from sqlalchemy import select, update

from app.clock import utcnow
from app.extensions import db
from app.models import Complaint, HotspotAlert, Outbox
from app import reports
from app.workflow import hotspots
from tests.conftest import visible_text

SUMEDANG_UTARA_VILLAGE, JATINANGOR_VILLAGE = "32.11.18.1001", "32.11.15.2001"
NOW = datetime.datetime(2026, 3, 20, 1, 0)  # a fixed clock: 08:00 WIB


def at(days_before, hours=0):
    return NOW - datetime.timedelta(days=days_before, hours=hours)


def weekly_baseline(make_case, category, region, weeks=9, per_week=1, first_day=3):
    """``per_week`` cases a week for ``weeks`` weeks (the most recent one ``first_day`` days ago)."""
    for week in range(weeks):
        for n in range(per_week):
            make_case(title=f"Keluhan rutin minggu {week}", category=category, region_code=region,
                      now=at(first_day + 7 * week, hours=n), reporter=False)


def seed_spike(make_case):
    weekly_baseline(make_case, "Air PDAM", SUMEDANG_UTARA_VILLAGE, weeks=8, first_day=9)
    return [make_case(title=f"Air PDAM mati hari ke-{i % 5}", category="Air PDAM", region_code=SUMEDANG_UTARA_VILLAGE,
                      now=at(i % 5, hours=i + 1), reporter=False) for i in range(12)]


def test_poisson_threshold_is_the_documented_test():
    assert hotspots.poisson_threshold(1.0, 0.001) == 6  # P(X>=6 | lambda=1) = 0.0006
    assert hotspots.poisson_tail(6, 1.0) < 0.001 < hotspots.poisson_tail(5, 1.0)


def test_seeded_spike_raises_exactly_one_alert_once(app, make_case):
    spike = seed_spike(make_case)
    weekly_baseline(make_case, "Jalan dan Jembatan", JATINANGOR_VILLAGE)  # a normal place next to it
    alerts = hotspots.detect(now=NOW)
    db.session.commit()
    assert len(alerts) == 1
    (alert,) = alerts
    assert (alert.kind, alert.category.name, alert.district.name, alert.case_count) == ("rise", "Air PDAM", "Sumedang Utara", 12)
    assert alert.baseline == 1.0 and alert.threshold == 6
    assert sorted(hotspots.case_ids(alert)) == sorted(c.id for c in spike)
    # the next daily run does not raise the same episode again
    assert hotspots.detect(now=NOW + datetime.timedelta(days=1)) == []


def test_normal_weeks_raise_nothing(make_case):
    weekly_baseline(make_case, "Air PDAM", SUMEDANG_UTARA_VILLAGE)
    weekly_baseline(make_case, "Air PDAM", JATINANGOR_VILLAGE, per_week=3)
    assert hotspots.detect(now=NOW) == []


def test_demo_data_raises_nothing(app, demo_removed):
    from app.demo import seed_demo

    seed_demo(count=500)
    now = db.session.execute(select(Complaint.received_at).order_by(Complaint.received_at.desc())).scalars().first()
    assert hotspots.detect(now=now + datetime.timedelta(hours=1)) == []


def test_new_cluster_of_nearby_cases(make_case):
    # a busy kecamatan (3 a week) where 5 street-light reports within 120 m in two days are not a "rise" ...
    weekly_baseline(make_case, "Penerangan Jalan", JATINANGOR_VILLAGE, per_week=3)
    cluster = [make_case(title="Lampu jalan mati", category="Penerangan Jalan", region_code=JATINANGOR_VILLAGE,
                         latitude=-6.9300 + i * 0.0002, longitude=107.7700 + i * 0.0001, now=at(0, hours=4 + 8 * i),
                         reporter=False) for i in range(5)]
    # ... but they are a new cluster
    (alert,) = hotspots.detect(now=NOW)
    assert alert.kind == "cluster" and alert.case_count == 5 and alert.radius_m == 300
    assert sorted(hotspots.case_ids(alert)) == sorted(c.id for c in cluster)
    assert hotspots.detect(now=NOW + datetime.timedelta(hours=6)) == []


def test_alert_on_dashboards_digest_acknowledge_and_monthly_report(app, make_case, login_as):
    seed_spike(make_case)
    app.config["PUBLIC_BASE_URL"] = "https://lapor.sumedangkab.go.id"
    try:
        outcome = hotspots.run_daily(now=NOW)
        db.session.commit()
        assert outcome.counts == {"alerts": 1} and len(outcome.outbox_ids) == 2
    finally:
        app.config["PUBLIC_BASE_URL"] = ""
    alert = db.session.execute(select(HotspotAlert)).scalar_one()
    digests = db.session.execute(select(Outbox).where(Outbox.topic == "hotspot")).scalars().all()
    assert sorted(d.recipient for d in digests) == ["koordinator@uji.go.id", "pimpinan@uji.go.id"]
    assert "Air PDAM" in digests[0].body and "Sumedang Utara" in digests[0].body and "/hotspot/" in digests[0].body
    # the expected count as the reader writes numbers (one decimal, comma), never Python's float
    expected = re.search(r"\(biasanya ([^)]*)\)", digests[0].body).group(1)
    assert re.fullmatch(r"\d+(,\d)?", expected), digests[0].body

    for user in ("koordinator", "pimpinan"):
        text = visible_text(login_as(user).get("/dasbor/").get_data(as_text=True))
        assert "Air PDAM" in text and "Sumedang Utara" in text, user
        assert "Kenaikan signifikan: Air PDAM" in text and "signifikan :" not in text, user  # no space before ":"
    assert login_as("opd_dinkes").get(f"/hotspot/{alert.id}").status_code in (302, 403)

    leader = login_as("pimpinan")
    assert leader.get(f"/hotspot/{alert.id}").status_code == 200
    assert leader.post(f"/hotspot/{alert.id}/acknowledge", data={"action_taken": "x"}).status_code in (302, 403)
    db.session.expire_all()
    assert alert.acknowledged_at is None

    coordinator = login_as("koordinator")
    page = coordinator.get(f"/hotspot/{alert.id}").get_data(as_text=True)
    assert 'id="alert-map"' in page and 'data-mode="reports"' in page
    response = coordinator.post(f"/hotspot/{alert.id}/acknowledge", data={"action_taken": ""})
    assert "Uraikan tindakan" in visible_text(response.get_data(as_text=True))
    long_text = "Tim PDAM " + "x" * 5000
    page = coordinator.post(f"/hotspot/{alert.id}/acknowledge", data={"action_taken": long_text}).get_data(as_text=True)
    assert "Teks terlalu panjang" in visible_text(page) and long_text in page  # what was typed, kept
    coordinator.post(f"/hotspot/{alert.id}/acknowledge",
                     data={"action_taken": "=Tim PDAM mengganti pipa induk di Jl. Prabu Geusan Ulun"})
    db.session.expire_all()
    assert alert.acknowledged_at is not None and alert.action_taken.startswith("=Tim PDAM")
    assert "Air PDAM" not in visible_text(coordinator.get("/dasbor/").get_data(as_text=True))

    period = alert.acknowledged_at.strftime("%Y-%m")
    data = reports.compute(period)
    (action,) = data["proactive_actions"]
    assert action["action"].startswith("=Tim PDAM") and action["district"] == "Sumedang Utara"
    csv_text = reports.render_csv(data).decode("utf-8-sig")
    assert "'=Tim PDAM mengganti pipa induk" in csv_text  # a safe cell: never a formula


def test_the_daily_job_runs_from_the_command_line(app, ctx):
    result = app.test_cli_runner().invoke(args=["lapor", "run-job", "hotspots"])
    assert result.exit_code == 0 and "hotspots: 0" in result.output, result.output


def test_the_second_of_two_coordinators_is_told_who_acknowledged_and_keeps_their_text(make_case, login_as):
    """Both opened the alert; the first one's acknowledgement stands, the second one reads who and
    when, and their typed text comes back to them (not saved)."""
    from app.formats import lapor_datetime

    seed_spike(make_case)
    (alert,) = hotspots.detect(now=NOW)
    db.session.commit()
    assert 'id="acknowledge-form"' in login_as("koordinator").get(f"/hotspot/{alert.id}").get_data(as_text=True)
    # meanwhile the administrator acknowledges it (one test client: the sign-ins take turns)
    assert login_as("admin").post(f"/hotspot/{alert.id}/acknowledge",
                                  data={"action_taken": "Pipa diganti oleh tim PDAM"}).status_code == 302
    second = login_as("koordinator")  # sends the form opened before
    response = second.post(f"/hotspot/{alert.id}/acknowledge",
                           data={"action_taken": "Saya sudah menelepon PDAM pagi ini"})
    page = response.get_data(as_text=True)
    db.session.expire_all()
    alert = db.session.get(HotspotAlert, alert.id)
    assert response.status_code == 409
    assert (f"Peringatan ini sudah ditandai ditangani oleh Admin Uji pada {lapor_datetime(alert.acknowledged_at)}"
            in visible_text(page))
    assert "Saya sudah menelepon PDAM pagi ini" in page and 'id="acknowledge-form"' not in page
    assert alert.action_taken == "Pipa diganti oleh tim PDAM" and alert.acknowledged_by.username == "admin"


def test_an_acknowledgement_from_a_page_read_before_another_one_is_refused(make_case, world):
    """The record in hand still says "not acknowledged" (read before the other coordinator's
    commit): the database decides, the first text is never overwritten."""
    seed_spike(make_case)
    (alert,) = hotspots.detect(now=NOW)
    db.session.commit()
    admin, coordinator = world.user("admin"), world.user("koordinator")
    db.session.execute(update(HotspotAlert).where(HotspotAlert.id == alert.id).values(
        acknowledged_at=NOW, acknowledged_by_id=admin.id, action_taken="Pipa diganti")
        .execution_options(synchronize_session=False))
    assert alert.acknowledged_at is None  # the stale reading
    try:
        hotspots.acknowledge(alert, coordinator, "Teks kedua", now=NOW + datetime.timedelta(minutes=5))
    except hotspots.AlreadyAcknowledged as refused:
        assert refused.status_code == 409 and "Admin Uji" in str(refused.message)
    else:
        raise AssertionError("the second acknowledgement was accepted")
    db.session.commit()
    db.session.expire_all()
    assert (alert.action_taken, alert.acknowledged_by_id, alert.acknowledged_at) == ("Pipa diganti", admin.id, NOW)
