"""The staff list's search speaks the staff's language: states and kinds are chosen by their
Indonesian names, times by days of the local calendar typed dd/mm/yyyy."""
import datetime
import re

import pytest

WIB = datetime.timezone(datetime.timedelta(hours=7))


def wib(*parts):
    """A local (WIB) time as the naive UTC the database keeps."""
    return datetime.datetime(*parts, tzinfo=WIB).astimezone(datetime.timezone.utc).replace(tzinfo=None)


def numbers_listed(page):
    return set(re.findall(r'<td data-column="tracking_number">([^<]+)</td>', page))


def test_states_are_chosen_by_name_and_matched_exactly(login_as, make_case):
    dispatched = make_case(agency="DINKES", status="dispatched", title="Antrean puskesmas terdisposisi")
    waiting = make_case(title="Laporan belum terverifikasi")
    client = login_as("koordinator")
    page = client.get("/complaintview/list/").get_data(as_text=True)
    # the search field is a list of the states' names, not a text box for a code
    assert '\\u003eTerdisposisi\\u003c/option' in page and '\\u003eBelum terverifikasi\\u003c/option' in page
    assert 'name=\\"status\\" placeholder' not in page
    assert '"status": ["Sama dengan", "Tidak sama dengan"]' in page
    assert '"kind": ["Sama dengan", "Tidak sama dengan"]' in page
    only = numbers_listed(client.get("/complaintview/list/?_flt_0_status=dispatched").get_data(as_text=True))
    assert dispatched.tracking_number in only and waiting.tracking_number not in only
    others = numbers_listed(client.get("/complaintview/list/?_flt_1_status=dispatched").get_data(as_text=True))
    assert waiting.tracking_number in others and dispatched.tracking_number not in others


def test_times_are_searched_by_local_days(login_as, make_case):
    late_evening = make_case(title="Diterima Jumat malam", now=wib(2026, 11, 20, 23, 30))
    after_midnight = make_case(title="Diterima Sabtu dini hari", now=wib(2026, 11, 21, 0, 30))
    client = login_as("koordinator")
    page = client.get("/complaintview/list/").get_data(as_text=True)
    assert '"received_at": ["Pada tanggal", "Pada atau sesudah tanggal", "Pada atau sebelum tanggal"]' in page

    def listed(query):
        return numbers_listed(client.get("/complaintview/list/?" + query).get_data(as_text=True))

    cells = [cell.replace("\u00a0", " ") for cell in re.findall(r'<td data-column="received_at">([^<]+)</td>', page)]
    assert "20 Nov 2026 23.30 WIB" in cells and "21 Nov 2026 00.30 WIB" in cells  # local, at a glance
    assert not any("Jumat" in cell or "Sabtu" in cell for cell in cells)
    friday = listed("_flt_0_received_at=20/11/2026")
    assert late_evening.tracking_number in friday and after_midnight.tracking_number not in friday
    saturday = listed("_flt_0_received_at=2026-11-21")
    assert after_midnight.tracking_number in saturday and late_evening.tracking_number not in saturday
    since_saturday = listed("_flt_1_received_at=21/11/2026")
    assert after_midnight.tracking_number in since_saturday and late_evening.tracking_number not in since_saturday
    until_friday = listed("_flt_2_received_at=20/11/2026")
    assert late_evening.tracking_number in until_friday and after_midnight.tracking_number not in until_friday
    exported = client.get("/complaintview/export.csv?_flt_0_received_at=20/11/2026").get_data().decode("utf-8-sig")
    assert late_evening.tracking_number in exported and after_midnight.tracking_number not in exported


@pytest.mark.parametrize("typed", ["31/02/2026", "kemarin", "2026-13-01"])
def test_a_day_that_is_not_a_date_is_named_and_left_out(login_as, make_case, typed):
    case = make_case(title="Tetap terlihat")
    response = login_as("koordinator").get("/complaintview/list/", query_string={"_flt_0_received_at": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count("bukan tanggal yang valid; filter itu tidak dipakai") == 1
    assert case.tracking_number in numbers_listed(page)


@pytest.mark.parametrize("typed", ["99999999999999999999", "-99999999999999999999", "9" * 5000])
def test_a_number_no_column_holds_finds_nothing_instead_of_a_500(login_as, typed):
    client = login_as("koordinator")
    for operator in range(6):  # equal, greater, smaller, not equal, in, not in
        response = client.get("/slasettingview/list/", query_string={f"_flt_{operator}_verify_days": typed})
        assert response.status_code == 200, (operator, response.status_code)
    everything = client.get("/slasettingview/list/").get_data(as_text=True)
    nothing = client.get("/slasettingview/list/", query_string={"_flt_0_verify_days": typed}).get_data(as_text=True)
    assert "Pengaduan" in everything and "Pengaduan" not in nothing.split('class="table')[-1]


def sla_rows(page):
    return len(re.findall(r"<tr[^>]*>\s*<td", page))


@pytest.mark.parametrize("typed", ["abc", "12a", "3,5", ""])
def test_letters_in_a_number_filter_are_named_and_that_filter_left_out(login_as, typed):
    client = login_as("koordinator")
    everything = sla_rows(client.get("/slasettingview/list/").get_data(as_text=True))
    for operator in range(4):  # equal, greater, smaller, not equal
        page = client.get("/slasettingview/list/",
                          query_string={f"_flt_{operator}_verify_days": typed}).get_data(as_text=True)
        # said once, with the column as the filter form names it; the rows stay listed
        assert page.count(f"&#34;{typed}&#34; bukan angka bulat: masukkan angka bulat untuk "
                          "Verifikasi dan disposisi (hari kerja)") == 1, operator
        assert "Filter itu tidak dipakai." in page
        assert sla_rows(page) == everything > 0
        # the typed value stays in the filter box
        assert f'[["verify_days", ' in page and f'["{typed}"]]]' in page


@pytest.mark.parametrize("typed", ["abc", "12a", "", " ", "3.5", "99999999999999999999", "no such agency"])
def test_an_agency_filter_that_names_no_agency_is_said_and_left_out(login_as, make_case, typed):
    """A forged or mistyped agency in a link (``?_flt_0_agency=abc``, or the id of no agency) listed the
    cases without an agency (SQLite: ``agency_id IS NULL``) or refused the page (PostgreSQL): it is
    named, like a number or a date nobody can read, and the list shows its cases unfiltered."""
    from app.extensions import db
    from app.models import Agency

    if typed == "no such agency":
        typed = str(db.session.query(db.func.max(Agency.id)).scalar() + 1000)
    unassigned = make_case(title="Belum ada instansinya")
    dispatched = make_case(agency="DINKES", status="dispatched", title="Sudah di Dinkes")
    client = login_as("koordinator")
    for operator in range(2):  # "Relation" (equal), "No Relation" (not equal)
        response = client.get("/complaintview/list/", query_string={f"_flt_{operator}_agency": typed})
        page = response.get_data(as_text=True)
        assert response.status_code == 200, (operator, response.status_code)
        assert page.count(f"&#34;{typed.strip()[:20]}&#34; bukan ID Instansi penanggung jawab mana pun: pilih "
                          "Instansi penanggung jawab dari daftar. Filter itu tidak dipakai.") == 1, operator
        listed = numbers_listed(page)
        assert {unassigned.tracking_number, dispatched.tracking_number} <= listed, operator
        assert f'[["agency", ' in page  # the filter stays in the filter form, with what was typed


@pytest.mark.parametrize("screen, column, label", [
    ("/users", "roles", "Peran"), ("/users", "agency", "Instansi"), ("/roles", "user", None),
    ("/agencyview", "parent", "Instansi induk"), ("/categoryview", "suggested_agency", None),
    ("/loginhistoryview", "user", None), ("/reminderview", "agency", None),
    ("/queuetoverifyview", "category", None), ("/complaintview", "channel", None)])
def test_every_relation_filter_of_every_list_names_a_value_that_is_no_row(login_as, screen, column, label):
    client = login_as("admin")
    for typed in ("abc", "99999999"):
        response = client.get(f"{screen}/list/", query_string={f"_flt_0_{column}": typed})
        page = response.get_data(as_text=True)
        assert response.status_code == 200, (typed, response.status_code)
        said = re.findall(rf"&#34;{typed}&#34; bukan ID ([^<]+?) mana pun: pilih \1 dari daftar\. "
                          "Filter itu tidak dipakai\.", page)
        assert len(said) == 1, (typed, said)
        assert label is None or said[0].startswith(label), said


def test_an_agency_chosen_from_the_list_still_filters(login_as, make_case, world):
    unassigned = make_case(title="Belum ada instansinya")
    dispatched = make_case(agency="DINKES", status="dispatched", title="Sudah di Dinkes")
    client = login_as("koordinator")
    dinkes = world.agency("DINKES").id
    page = client.get("/complaintview/list/", query_string={"_flt_0_agency": str(dinkes)}).get_data(as_text=True)
    assert "bukan ID" not in page
    assert dispatched.tracking_number in numbers_listed(page) and unassigned.tracking_number not in numbers_listed(page)
    other = client.get("/complaintview/list/", query_string={"_flt_1_agency": str(dinkes)}).get_data(as_text=True)
    assert dispatched.tracking_number not in numbers_listed(other)


def test_a_whole_number_still_filters(login_as):
    client = login_as("koordinator")
    page = client.get("/slasettingview/list/", query_string={"_flt_1_verify_days": " 100 "}).get_data(as_text=True)
    assert "bukan angka bulat" not in page
    assert sla_rows(page) == 0 < sla_rows(client.get("/slasettingview/list/").get_data(as_text=True))


@pytest.mark.parametrize("screen, column", [("/holidayview", "date"), ("/outboxview", "created_at"),
                                            ("/reminderview", "due_at")])
def test_a_date_filter_of_other_lists_says_when_it_is_no_date(login_as, screen, column):
    client = login_as("admin")
    page = client.get(f"{screen}/list/", query_string={f"_flt_1_{column}": "12a"}).get_data(as_text=True)
    assert page.count("&#34;12a&#34; bukan tanggal yang valid; filter itu tidak dipakai") == 1
    assert '["12a"]]]' in page


def test_a_holiday_date_filter_reads_the_day_first(login_as, ctx):
    from app.extensions import db
    from app.models import Holiday

    db.session.add(Holiday(date=datetime.date(2031, 12, 10), name="Hari uji sepuluh Desember", kind="local"))
    db.session.commit()
    try:
        page = login_as("admin").get("/holidayview/list/",
                                     query_string={"_flt_0_date": "10/12/2031"}).get_data(as_text=True)
        assert "Hari uji sepuluh Desember" in page
        assert '[["date", "Sama dengan", ["10/12/2031"]]]' in page  # the box shows the date as typed
    finally:
        db.session.query(Holiday).filter_by(name="Hari uji sepuluh Desember").delete()
        db.session.commit()


def test_every_time_column_of_every_staff_list_is_searched_by_local_days(ctx):
    """FAB's operators on a time column compare the typed text with UTC and read the month first
    ("Equal to" a day matched midnight UTC only): every staff list offers local days instead."""
    from flask_appbuilder import ModelView

    from app.extensions import appbuilder
    from app.views.filters import LOCAL_DAY_FILTERS

    checked = []
    for view in appbuilder.baseviews:
        if not isinstance(view, ModelView):
            continue
        for column in view.search_columns:
            if view.datamodel.is_datetime(column):
                offered = [type(flt) for flt in view._filters._search_filters[column]]
                assert offered[:3] == LOCAL_DAY_FILTERS, (type(view).__name__, column, offered)
                assert all(getattr(flt, "replaces_defaults", False) or flt.__name__ == "OverdueFilter"
                           for flt in offered), (type(view).__name__, column, offered)
                checked.append(type(view).__name__)
    assert {"ComplaintView", "LoginHistoryView", "ReminderView", "OutboxView"} <= set(checked)


def test_the_login_history_is_searched_by_local_days(login_as, ctx):
    from app.workflow import logins

    logins.record(None, "tamu-jumat-malam", False, "web", "10.0.0.1", now=wib(2026, 11, 20, 23, 30))
    logins.record(None, "tamu-sabtu-pagi", False, "web", "10.0.0.1", now=wib(2026, 11, 21, 0, 30))
    client = login_as("admin")

    def listed(query):  # only these two rows (other tests sign in too: a full page would hide them)
        return client.get("/loginhistoryview/list/?_flt_0_username=tamu-&" + query).get_data(as_text=True)

    try:
        friday = listed("_flt_0_created_at=20/11/2026")
        assert "tamu-jumat-malam" in friday and "tamu-sabtu-pagi" not in friday
        since_saturday = listed("_flt_1_created_at=21/11/2026")
        assert "tamu-sabtu-pagi" in since_saturday and "tamu-jumat-malam" not in since_saturday
    finally:
        from app.extensions import db
        from app.models import LoginEvent

        db.session.query(LoginEvent).filter(LoginEvent.username.like("tamu-%")).delete(synchronize_session=False)
        db.session.commit()


def test_a_tracking_number_is_found_as_staff_type_it_and_only_whole(login_as, make_case):
    wanted = make_case(title="Laporan yang dicari lewat nomornya")
    other = make_case(title="Laporan lain")
    client = login_as("koordinator")
    page = client.get("/complaintview/list/").get_data(as_text=True)
    assert '"tracking_number": ["Sama dengan"]' in page  # no "starts with"/"contains": they read every case
    typed = wanted.tracking_number.lower().replace("-", " ")
    found = client.get(f"/complaintview/list/?_flt_0_tracking_number={typed}").get_data(as_text=True)
    assert numbers_listed(found) == {wanted.tracking_number}
    assert other.tracking_number not in numbers_listed(found)

    refused = client.get("/complaintview/list/?_flt_0_tracking_number=ABCD")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "&#34;ABCD&#34; bukan nomor pelacakan; filter itu tidak dipakai." in text or \
        "&quot;ABCD&quot; bukan nomor pelacakan; filter itu tidak dipakai." in text
    assert {wanted.tracking_number, other.tracking_number} <= numbers_listed(text)  # the filter left out
