"""Duplicate suggestions at verification, merge into a parent, undo — and what the public and KPIs see."""
import datetime

import pytest

from sqlalchemy import select

from app import stats
from app.clock import utcnow
from app.extensions import db
from app.models import Complaint, Outbox
from app.workflow import duplicates, lifecycle, sla
from app.workflow.calendar import current_calendar
from tests.conftest import visible_text

KOTA_KALER, SITU = "32.11.18.1001", "32.11.18.1002"
JATINANGOR_VILLAGE = "32.11.15.2001"


def days_ago(days):
    return utcnow() - datetime.timedelta(days=days)


def reporter(name, email):
    return {"name": name, "phone": None, "email": email, "nik": None}


def seed_near_duplicates(make_case):
    """A water-pipe report, its near-duplicate two days later, and decoys that must rank lower or not at all."""
    original = make_case(title="Pipa PDAM bocor di Jalan Prabu Geusan Ulun",
                         description="Pipa PDAM bocor di depan SD Negeri Kota Kaler, air terbuang sejak pagi.",
                         category="Air PDAM", region_code=KOTA_KALER, now=days_ago(3),
                         reporter=reporter("Asep Sunandar", "asep@contoh.id"))
    duplicate = make_case(title="Pipa PDAM bocor di Jl. Prabu Geusan Ulun",
                          description="Ada pipa PDAM bocor depan SD Negeri Kota Kaler, airnya terbuang terus.",
                          category="Air PDAM", region_code=KOTA_KALER, now=days_ago(1),
                          reporter=reporter("Neneng Rahayu", "neneng@contoh.id"))
    decoys = [
        # same category and kelurahan, other wording: may be suggested, below the real one
        make_case(title="Air PDAM tidak mengalir tiga hari", description="Di rumah kami air PDAM mati sejak Senin malam.",
                  category="Air PDAM", region_code=KOTA_KALER, now=days_ago(4)),
        # same wording, other category
        make_case(title="Pipa PDAM bocor di Jalan Prabu Geusan Ulun", description=duplicate.description,
                  category="Jalan dan Jembatan", region_code=KOTA_KALER, now=days_ago(2)),
        # same wording and category, another kecamatan, no map point
        make_case(title="Pipa PDAM bocor di Jalan Prabu Geusan Ulun", description=duplicate.description,
                  category="Air PDAM", region_code=JATINANGOR_VILLAGE, now=days_ago(2)),
        # same everything, outside the 30-day window
        make_case(title="Pipa PDAM bocor di Jalan Prabu Geusan Ulun", description=duplicate.description,
                  category="Air PDAM", region_code=KOTA_KALER, now=days_ago(60)),
    ]
    return original, duplicate, decoys


def test_near_duplicate_is_the_first_suggestion_with_its_reasons(make_case):
    original, duplicate, decoys = seed_near_duplicates(make_case)
    suggestions = duplicates.suggest(duplicate)
    assert suggestions[0].complaint.id == original.id
    ids = [s.complaint.id for s in suggestions]
    assert decoys[1].id not in ids and decoys[2].id not in ids and decoys[3].id not in ids
    reasons = dict(suggestions[0].reasons)
    assert set(reasons) == {"category", "same_village", "similarity", "days"}
    assert reasons["similarity"] >= 50 and 1.9 <= reasons["days"] <= 2.1


def test_nearby_by_map_point_across_a_kelurahan_border(make_case):
    a = make_case(title="Lampu jalan mati di perempatan alun-alun", description="Lampu penerangan jalan di perempatan alun-alun mati.",
                  category="Penerangan Jalan", region_code=KOTA_KALER, latitude=-6.8400, longitude=107.9200, now=days_ago(2))
    b = make_case(title="Lampu jalan mati perempatan alun-alun", description="Lampu penerangan jalan perempatan alun-alun padam total.",
                  category="Penerangan Jalan", region_code=SITU, latitude=-6.8410, longitude=107.9205, now=days_ago(1))
    far = make_case(title="Lampu jalan mati di perempatan alun-alun", description="Lampu penerangan jalan di perempatan alun-alun mati.",
                    category="Penerangan Jalan", region_code="32.11.18.2004", latitude=-6.8600, longitude=107.9500,
                    now=days_ago(1))  # another kelurahan, 3.9 km away
    (first, *rest) = duplicates.suggest(b)
    assert first.complaint.id == a.id and 100 < first.distance_m < 140
    assert dict(first.reasons)["distance"] == round(first.distance_m)
    assert far.id not in [s.complaint.id for s in rest]


def test_merge_moves_the_reporter_notifies_once_hides_the_child_and_undo_restores_both(make_case, world, client):
    original, duplicate, _decoys = seed_near_duplicates(make_case)
    coordinator = world.user("koordinator")
    lifecycle.perform("dispose", original.id, coordinator, agency=world.agency("PUPR").id)
    parent_number = original.tracking_number

    lifecycle.perform("merge", duplicate.id, coordinator, parent=parent_number)
    db.session.expire_all()
    assert (duplicate.status, duplicate.archive_reason, duplicate.parent_id) == ("archived", "duplicate", original.id)
    assert original.duplicate_count == 1

    def messages_to(email, topic=None):
        rows = db.session.execute(select(Outbox).where(Outbox.channel == "email")).scalars().all()
        return [r for r in rows if r.recipient == email and (topic is None or r.topic == topic)]

    merged = messages_to("neneng@contoh.id", "merged")
    assert len(merged) == 1 and parent_number in merged[0].subject and parent_number in merged[0].body

    # the reporter of the child follows the parent: its public updates reach them, once each
    officer = world.user("opd_pupr")
    lifecycle.perform("follow_up", original.id, officer, text="Petugas sudah menambal pipa yang bocor.")
    answered = messages_to("neneng@contoh.id", "answered")
    assert len(answered) == 1 and "menambal pipa" in answered[0].body and parent_number in answered[0].subject
    assert len(messages_to("asep@contoh.id", "answered")) == 1

    # public pages show the parent only, with the number of citizens who reported
    assert client.get(f"/laporan/{duplicate.tracking_number}").status_code == 404
    listing = visible_text(client.get("/laporan").get_data(as_text=True))
    assert parent_number in listing and duplicate.tracking_number not in listing
    assert "2 warga" in visible_text(client.get(f"/laporan/{parent_number}").get_data(as_text=True))

    # KPIs count the merged child once (as its parent)
    start, end = days_ago(40), utcnow() + datetime.timedelta(hours=1)
    received = stats.period_kpis(start, end)["summary"]["received"]
    lifecycle.perform("unmerge", duplicate.id, coordinator, note="Ternyata lokasi berbeda.")
    db.session.expire_all()
    assert stats.period_kpis(start, end)["summary"]["received"] == received + 1

    # undo restores both
    assert (duplicate.status, duplicate.archive_reason, duplicate.parent_id, duplicate.closed_at) == ("received", None, None, None)
    assert original.duplicate_count == 0
    assert "2 warga" not in visible_text(client.get(f"/laporan/{parent_number}").get_data(as_text=True))
    assert len(messages_to("neneng@contoh.id", "unmerged")) == 1


def test_merge_refusals(make_case, world):
    original, duplicate, decoys = seed_near_duplicates(make_case)
    coordinator, officer = world.user("koordinator"), world.user("opd_dinkes")
    for parent, message in ((duplicate.tracking_number, "dirinya sendiri"), ("ABCD-EFGH-X", "tidak ditemukan")):
        try:
            lifecycle.perform("merge", duplicate.id, coordinator, parent=parent)
        except lifecycle.DomainError as exc:
            assert message in str(exc.message)
        else:
            raise AssertionError("merge accepted")
    assert not lifecycle.allowed("merge", duplicate, officer)
    lifecycle.perform("merge", duplicate.id, coordinator, parent=original.tracking_number)
    db.session.expire_all()
    # a child cannot be a parent; a parent cannot itself be merged away
    assert not lifecycle.allowed("merge", original, coordinator)
    try:
        lifecycle.perform("merge", decoys[0].id, coordinator, parent=duplicate.tracking_number)
    except lifecycle.DomainError as exc:
        assert "bukan duplikat" in str(exc.message)
    else:
        raise AssertionError("merge into a child accepted")
    assert not lifecycle.allowed("unmerge", original, coordinator)
    assert not lifecycle.allowed("unmerge", duplicate, world.user("pimpinan"))


def test_coordinator_sees_suggestions_merges_and_undoes_on_the_case_page(make_case, login_as):
    original, duplicate, _decoys = seed_near_duplicates(make_case)
    client = login_as("koordinator")
    page = client.get(f"/complaintview/show/{duplicate.id}").get_data(as_text=True)
    text = visible_text(page)
    assert "Kemungkinan duplikat" in text and "kelurahan/desa sama" in text and "kategori sama" in text
    first = page.index('class="list-group-item suggestion"')
    assert f'data-number="{original.tracking_number}"' in page[first:first + 200]
    response = client.post(f"/complaintview/transition/{duplicate.id}/merge",
                           data={"parent": original.tracking_number, "expected_version": duplicate.version})
    assert response.status_code == 302
    parent_page = visible_text(client.get(f"/complaintview/show/{original.id}").get_data(as_text=True))
    assert "Dilaporkan oleh 2 warga" in parent_page and duplicate.tracking_number in parent_page
    db.session.expire_all()
    response = client.post(f"/complaintview/transition/{duplicate.id}/unmerge",
                           data={"note": "Salah gabung", "expected_version": duplicate.version})
    assert response.status_code == 302
    db.session.expire_all()
    assert duplicate.status == "received" and duplicate.parent_id is None


def test_a_merge_form_sent_twice_is_done_once_not_refused_as_someone_elses_change(make_case, world):
    original, duplicate, decoys = seed_near_duplicates(make_case)
    coordinator = world.user("koordinator")
    seen = duplicate.version
    lifecycle.perform("merge", duplicate.id, coordinator, expected_version=seen,
                      parent=original.tracking_number.lower(), note="Sama")
    try:
        lifecycle.perform("merge", duplicate.id, coordinator, expected_version=seen,
                          parent=original.tracking_number.lower(), note="Sama")
    except lifecycle.AlreadyDone:
        pass
    else:
        raise AssertionError("the second sending was not recognised")
    # the same form naming another main report is a real conflict
    try:
        lifecycle.perform("merge", duplicate.id, coordinator, expected_version=seen,
                          parent=decoys[0].tracking_number, note="Sama")
    except lifecycle.AlreadyDone:
        raise AssertionError("a different merge taken for a repeat")
    except lifecycle.Conflict:
        pass
    db.session.expire_all()
    assert db.session.get(Complaint, original.id).duplicate_count == 1


def test_merging_a_main_report_away_says_its_duplicates_stand_in_the_way(make_case, world):
    original, duplicate, decoys = seed_near_duplicates(make_case)
    coordinator = world.user("koordinator")
    lifecycle.perform("merge", duplicate.id, coordinator, parent=original.tracking_number)
    try:
        lifecycle.perform("merge", original.id, coordinator, parent=decoys[0].tracking_number)
    except lifecycle.DomainError as exc:
        assert "Batalkan penggabungan itu terlebih dahulu" in str(exc.message)
    else:
        raise AssertionError("a main report was merged away")


def test_a_main_report_with_merged_duplicates_cannot_be_archived_until_they_are_undone(make_case, world, login_as):
    """Archiving a main report dropped the reports merged into it: their reporters were told it is
    handled together with it, then heard it was archived for a reason about someone else's text."""
    original, duplicate, _decoys = seed_near_duplicates(make_case)
    coordinator = world.user("koordinator")
    lifecycle.perform("merge", duplicate.id, coordinator, parent=original.tracking_number)
    assert "archive" not in lifecycle.allowed_transitions(original, coordinator)
    with pytest.raises(lifecycle.DomainError) as refused:
        lifecycle.perform("archive", original.id, coordinator, reason="too_general")
    assert "tidak dapat diarsipkan" in str(refused.value.message)
    db.session.expire_all()
    assert db.session.get(Complaint, original.id).status == "received"
    page = login_as("koordinator").get(f"/complaintview/show/{original.id}").get_data(as_text=True)
    assert 'data-transition="archive"' not in page
    lifecycle.perform("unmerge", duplicate.id, coordinator)
    lifecycle.perform("archive", original.id, coordinator, reason="too_general")
    db.session.expire_all()
    assert db.session.get(Complaint, original.id).status == "archived"


def test_a_finished_report_is_neither_offered_nor_accepted_as_main_report(make_case, world, login_as):
    """A resolved report awaits its own reporter's confirmation and closes itself, a closed one is worked on
    by nobody: a new report of the same problem is handled on its own (a problem that comes back is a new case)."""
    coordinator = world.user("koordinator")
    text = dict(description="Pipa PDAM bocor di depan SD Negeri Kota Kaler, air terbuang sejak pagi.",
                category="Air PDAM", region_code=KOTA_KALER)
    finished = {status: make_case(title="Pipa PDAM bocor di Jalan Prabu Geusan Ulun", status=status, agency="PUPR",
                                  now=days_ago(5), **text) for status in ("resolved", "closed")}
    new = make_case(title="Pipa PDAM bocor lagi di Jalan Prabu Geusan Ulun", now=days_ago(1), **text)
    assert duplicates.suggest(new) == []
    page = login_as("koordinator").get(f"/complaintview/show/{new.id}").get_data(as_text=True)
    assert 'id="duplicate-suggestions"' not in page
    for parent in finished.values():
        with pytest.raises(lifecycle.ValidationFailed) as refused:
            lifecycle.perform("merge", new.id, coordinator, parent=parent.tracking_number)
        assert str(refused.value.message) == (
            f"Laporan {parent.tracking_number} sudah selesai ditangani, sehingga tidak dikerjakan lagi. "
            "Tangani laporan ini sendiri: masalah yang muncul kembali adalah kasus baru.")
        db.session.rollback()
    db.session.expire_all()
    assert new.status == "received" and new.parent_id is None
    assert [finished["resolved"].duplicate_count, finished["closed"].duplicate_count] == [0, 0]
    # a report still being worked on is offered and accepted
    ongoing = make_case(title="Pipa PDAM bocor di Jalan Prabu Geusan Ulun", status="in_progress", agency="PUPR",
                        now=days_ago(3), **text)
    assert [s.complaint.id for s in duplicates.suggest(new)] == [ongoing.id]
    lifecycle.perform("merge", new.id, coordinator, parent=ongoing.tracking_number)
    db.session.expire_all()
    assert new.parent_id == ongoing.id


def test_a_confidential_report_is_not_offered_as_main_report_of_a_public_one(make_case, world):
    text = dict(description="Pipa PDAM bocor di depan SD Negeri Kota Kaler, air terbuang sejak pagi.",
                category="Air PDAM", region_code=KOTA_KALER)
    secret = make_case(title="Pipa PDAM bocor di Jalan Prabu Geusan Ulun", confidential=True, now=days_ago(3), **text)
    public = make_case(title="Pipa PDAM bocor di Jl. Prabu Geusan Ulun", now=days_ago(1), **text)
    assert duplicates.suggest(public) == []
    with pytest.raises(lifecycle.ValidationFailed):
        lifecycle.perform("merge", public.id, world.user("koordinator"), parent=secret.tracking_number)
    db.session.rollback()
    # the other way round is allowed, and offered
    assert [s.complaint.id for s in duplicates.suggest(secret)] == [public.id]


# --- undoing a merge: the time merged is a pause ----------------------------------------------

# Monday 6 July 2026, 09:00 WIB: no national holiday in the three weeks that follow
DAY_1 = datetime.datetime(2026, 7, 6, 2, 0)
DAY_3 = DAY_1 + datetime.timedelta(days=2)    # Wednesday 8 July
DAY_15 = DAY_1 + datetime.timedelta(days=14)  # Monday 20 July: ten working days after day 1
DAY_16 = DAY_1 + datetime.timedelta(days=15)  # Tuesday 21 July


def end_of_local_day(year, month, day):
    return current_calendar().end_of_local_day(datetime.date(year, month, day))


def registered(world, now=DAY_1, title="Saluran air tersumbat di belakang pasar"):
    case = lifecycle.register(who=lifecycle.REPORTER, kind="complaint", title=title,
                              description="Saluran air tersumbat sampah sehingga banjir saat hujan.",
                              channel=world.channel(), now=now).complaint
    db.session.flush()
    return case


def deadlines(case):
    return case.verification_due, case.first_response_due, case.resolution_due


def assert_rollups_as_rebuilt():
    from app.workflow import rollups

    db.session.flush()
    kept = rollups.table_contents()
    rollups.rebuild()
    assert rollups.table_contents() == kept


def test_a_case_merged_for_two_weeks_does_not_come_back_late(world):
    cal, coordinator, officer = current_calendar(), world.user("koordinator"), world.user("opd_pupr")
    parent = registered(world, title="Banjir di belakang pasar karena saluran tersumbat")
    lifecycle.hold(parent, coordinator, "Mohon kirim foto saluran.", now=DAY_1)  # paused: no figure of its own
    received, dispatched, answered = registered(world), registered(world), registered(world)
    for case in (dispatched, answered):
        lifecycle.dispose(case, coordinator, world.agency("PUPR"), now=DAY_1)
    lifecycle.follow_up(answered, officer, "Petugas kami cek ke lokasi.", now=DAY_1)
    before = {case.id: deadlines(case) for case in (received, dispatched, answered)}
    assert before[received.id][0] == end_of_local_day(2026, 7, 9)  # 3 working days: Thursday 9 July
    for case in (received, dispatched, answered):
        lifecycle.merge(case, coordinator, parent, now=DAY_1)
        lifecycle.unmerge(case, coordinator, now=DAY_15)
    assert cal.working_days_between(cal.local_date(DAY_1), cal.local_date(DAY_15)) == 10

    def moved(due):
        return cal.shift_for_pause(due, DAY_1, DAY_15)

    # every deadline still running moves by the ten working days merged...
    assert received.verification_due == moved(before[received.id][0]) == end_of_local_day(2026, 7, 23)
    assert dispatched.first_response_due == moved(before[dispatched.id][1]) == end_of_local_day(2026, 7, 27)
    assert dispatched.resolution_due == moved(before[dispatched.id][2]) == end_of_local_day(2026, 8, 7)
    assert answered.resolution_due == moved(before[answered.id][2])
    # ...a step already done keeps the deadline it was measured by
    assert answered.first_response_due == before[answered.id][1] and answered.first_response_at == DAY_1
    for case in (received, dispatched, answered):
        assert sla.sla_state(case, now=DAY_15) == "on_time", case.status
    assert_rollups_as_rebuilt()
    summary = stats.period_kpis(*cal.month_range(2026, 7), now=DAY_16)["summary"]
    assert (summary["verification_late_open"], summary["follow_up_late_open"], summary["resolution_late_open"],
            summary["overdue_open_now"]) == (0, 0, 0, 0)


def test_a_case_merged_while_on_hold_keeps_both_pauses(world):
    """On hold from day 1, merged on day 3, separated on day 15 (still on hold), completed on day 16:
    the verification deadline moves by every working day from day 1 to day 16."""
    cal, coordinator = current_calendar(), world.user("koordinator")
    parent = registered(world, title="Banjir di belakang pasar karena saluran tersumbat")
    case = registered(world)
    due = case.verification_due
    lifecycle.hold(case, coordinator, "Mohon lengkapi lokasi.", now=DAY_1)
    lifecycle.merge(case, coordinator, parent, now=DAY_3)
    lifecycle.unmerge(case, coordinator, now=DAY_15)
    assert case.status == "on_hold" and sla.sla_state(case, now=DAY_15) == "paused"
    lifecycle.complete_hold(case, lifecycle.REPORTER, "Lokasi: belakang pasar blok C.", now=DAY_16)
    assert case.verification_due == cal.shift_for_pause(due, DAY_1, DAY_16) == end_of_local_day(2026, 7, 20 + 4)
    assert sla.sla_state(case, now=DAY_16) == "on_time"
    assert_rollups_as_rebuilt()


def test_the_reply_of_a_merged_reporter_lands_on_the_main_report_for_staff_only(make_case, world):
    """A merged duplicate is archived and takes no reply; its reporter follows the main report."""
    main = make_case(agency="DINKES", status="in_progress", reporter={"email": "budi@contoh.id"})
    child = make_case(reporter={"email": "rina@contoh.id"})
    lifecycle.merge(child, world.user("koordinator"), main)
    db.session.commit()
    lifecycle.follower_reply(child, "Di depan rumah saya juga berlubang.")
    db.session.commit()
    db.session.expire_all()
    last = main.events[-1]
    assert last.kind == "follower_reply" and not last.is_public and main.status == "in_progress"
    assert child.tracking_number in last.internal_note and "juga berlubang" in last.internal_note
    # not on the main report's public timeline: its reporter and the public see their own case only
    assert all("juga berlubang" not in (entry["text"] or "") for entry in lifecycle.public_timeline(main.id))
    assert all(row.recipient != "budi@contoh.id" for row in db.session.execute(
        select(Outbox).where(Outbox.event_id == last.id)).scalars())


def test_a_merged_reporters_reply_to_a_finished_main_report_is_refused(make_case, world):
    main = make_case(agency="DINKES", status="in_progress", reporter=False)
    child = make_case(reporter={"email": "rina@contoh.id"})
    lifecycle.merge(child, world.user("koordinator"), main)
    lifecycle.resolve(main, world.user("opd_dinkes"), "Sudah ditambal.")
    lifecycle.confirm(main, lifecycle.REPORTER, 5)
    db.session.commit()
    with pytest.raises(lifecycle.InvalidTransition):
        lifecycle.follower_reply(child, "Masih ada lubang.")
