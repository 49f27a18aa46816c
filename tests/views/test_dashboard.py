"""The dashboard's figures lead to the cases behind them, for every role, through the same access rule."""
import datetime
import re

import pytest

from tests.conftest import set_deadline
from tests.views.test_list_filters import numbers_listed


def links_of(page):
    return dict(re.findall(r'<a href="([^"]+)" class="lapor-figure"><h3 id="([^"]+)"', page))


@pytest.mark.parametrize("username", ["koordinator", "opd_dinkes", "pimpinan"])
def test_each_figure_leads_to_its_cases(login_as, make_case, username):
    mine = make_case(agency="DINKES", status="dispatched", title="Obat kosong di puskesmas")
    late = make_case(agency="DINKES", status="in_progress", title="Ambulans terlambat datang")
    set_deadline(late.id, resolution_due=datetime.datetime(2020, 1, 1))
    other = make_case(agency="PUPR", status="dispatched", title="Jalan rusak di desa")
    client = login_as(username)
    page = client.get("/dasbor/").get_data(as_text=True)
    figures = {target: url for url, target in links_of(page).items()}
    assert set(figures) == {"count-total", "count-overdue"}
    overdue = numbers_listed(client.get(figures["count-overdue"].replace("&amp;", "&")).get_data(as_text=True))
    assert late.tracking_number in overdue and mine.tracking_number not in overdue
    status_link = re.search(r'<a href="([^"]+)">Terdisposisi</a>', page).group(1).replace("&amp;", "&")
    dispatched = numbers_listed(client.get(status_link).get_data(as_text=True))
    assert mine.tracking_number in dispatched and late.tracking_number not in dispatched
    assert (other.tracking_number in dispatched) == (username != "opd_dinkes")
