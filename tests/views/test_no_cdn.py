"""The product works on an intranet: no page loads a script, style, font or image from another host."""
import re

from tests.views.test_i18n import PUBLIC_PAGES, crawl_staff

EXTERNAL = re.compile(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="((?:https?:)?//[^"]+)"', re.I)


def test_no_external_assets_on_any_page(login_as, client, make_case):
    case = make_case(status="dispatched", agency="DINKES")
    bodies = {url: client.get(url).get_data(as_text=True)
              for url in PUBLIC_PAGES + [f"/laporan/{case.tracking_number}", "/login/"]}
    bodies.update(crawl_staff(login_as("admin")))
    external = {url: EXTERNAL.findall(body) for url, body in bodies.items()}
    assert {url: refs for url, refs in external.items() if refs} == {}
