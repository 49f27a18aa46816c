"""The login history screen (Admin): every staff sign-in attempt, web and API, success or failure."""
from flask_appbuilder import ModelView
from flask_babel import lazy_gettext as _l

from app.formatting import lapor_datetime
from app.interface import LaporInterface as SQLAInterface
from app.models import LoginEvent
from app.views.filters import LOCAL_DAY_FILTERS, OwnSearchFilters

RESULT_LABELS = {True: _l("Succeeded"), False: _l("Failed")}
METHOD_LABELS = {"web": _l("Sign-in form"), "api": _l("API (JWT)")}


class LoginHistoryView(OwnSearchFilters, ModelView):
    datamodel = SQLAInterface(LoginEvent)
    base_permissions = ["can_list", "can_show"]
    base_order = ("created_at", "desc")
    page_size = 50
    list_title = _l("Login History")
    show_title = _l("Sign-in Attempt")
    list_columns = ["created_at", "username", "user", "success", "method", "address"]
    show_columns = list_columns
    # (no filter on the result: FAB's boolean filter turns an empty value into a database error)
    search_columns = ["username", "user", "method", "address", "created_at"]
    search_filters = {"created_at": LOCAL_DAY_FILTERS}
    order_columns = ["created_at", "username", "address"]
    label_columns = {
        "created_at": _l("Time"), "username": _l("Name typed"), "user": _l("Account"),
        "success": _l("Result"), "method": _l("Through"), "address": _l("Address"),
    }
    formatters_columns = {
        "created_at": lapor_datetime,
        "success": lambda v: RESULT_LABELS.get(v, v),
        "method": lambda v: METHOD_LABELS.get(v, v),
    }
