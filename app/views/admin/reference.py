"""Reference data screens: agencies, categories, channels, holidays, SLA settings."""
from flask_appbuilder import ModelView
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import DataRequired, Length, NumberRange

from app.labels import AGENCY_LEVEL_LABELS, HOLIDAY_KIND_LABELS, KIND_LABELS, choices, label
from app.models import Agency, Category, Channel, Holiday, SlaSetting
from app.workflow.calendar import invalidate_calendar


class AgencyView(ModelView):
    datamodel = SQLAInterface(Agency)
    list_title = _l("Daftar Instansi")
    show_title = _l("Rincian Instansi")
    add_title = _l("Tambah Instansi")
    edit_title = _l("Ubah Instansi")
    list_columns = ["code", "name", "level", "parent", "email", "phone", "active"]
    add_columns = edit_columns = ["code", "name", "level", "parent", "email", "phone", "active"]
    show_columns = ["code", "name", "level", "parent", "email", "phone", "active"]
    search_columns = ["code", "name", "level", "parent", "active"]
    base_order = ("code", "asc")
    label_columns = {
        "code": _l("Kode"), "name": _l("Nama instansi"), "level": _l("Tingkat"),
        "parent": _l("Instansi induk"), "email": _l("Email"), "phone": _l("Telepon"), "active": _l("Aktif"),
    }
    formatters_columns = {"level": lambda v: label(AGENCY_LEVEL_LABELS, v)}
    add_form_extra_fields = edit_form_extra_fields = {
        "level": SelectField(_l("Tingkat"), choices=choices(AGENCY_LEVEL_LABELS), widget=Select2Widget()),
    }
    validators_columns = {"code": [DataRequired(), Length(max=40)], "name": [DataRequired(), Length(max=200)]}

    def pre_delete(self, item):
        from app.workflow.reference import assert_agency_deletable

        assert_agency_deletable(item)


class CategoryView(ModelView):
    datamodel = SQLAInterface(Category)
    list_title = _l("Daftar Kategori")
    show_title = _l("Rincian Kategori")
    add_title = _l("Tambah Kategori")
    edit_title = _l("Ubah Kategori")
    list_columns = ["name", "parent", "suggested_agency", "active"]
    add_columns = edit_columns = show_columns = ["name", "parent", "description", "suggested_agency", "active"]
    search_columns = ["name", "parent", "suggested_agency", "active"]
    base_order = ("name", "asc")
    label_columns = {
        "name": _l("Nama kategori"), "parent": _l("Kategori induk"), "description": _l("Keterangan"),
        "suggested_agency": _l("Instansi yang disarankan"), "active": _l("Aktif"),
    }

    def pre_delete(self, item):
        from app.workflow.reference import assert_category_deletable

        assert_category_deletable(item)


class ChannelView(ModelView):
    datamodel = SQLAInterface(Channel)
    list_title = _l("Daftar Kanal")
    show_title = _l("Rincian Kanal")
    add_title = _l("Tambah Kanal")
    edit_title = _l("Ubah Kanal")
    list_columns = add_columns = edit_columns = show_columns = ["code", "name", "active"]
    search_columns = ["code", "name", "active"]
    label_columns = {"code": _l("Kode"), "name": _l("Nama kanal"), "active": _l("Aktif")}

    def pre_delete(self, item):
        from app.workflow.reference import assert_channel_deletable

        assert_channel_deletable(item)


class HolidayView(ModelView):
    datamodel = SQLAInterface(Holiday)
    list_title = _l("Daftar Hari Libur")
    show_title = _l("Rincian Hari Libur")
    add_title = _l("Tambah Hari Libur")
    edit_title = _l("Ubah Hari Libur")
    list_columns = add_columns = edit_columns = show_columns = ["date", "name", "kind"]
    search_columns = ["date", "name", "kind"]
    base_order = ("date", "desc")
    label_columns = {"date": _l("Tanggal"), "name": _l("Keterangan"), "kind": _l("Jenis")}
    formatters_columns = {"kind": lambda v: label(HOLIDAY_KIND_LABELS, v)}
    add_form_extra_fields = edit_form_extra_fields = {
        "kind": SelectField(_l("Jenis"), choices=choices(HOLIDAY_KIND_LABELS), widget=Select2Widget()),
    }
    validators_columns = {"date": [DataRequired()], "name": [DataRequired(), Length(max=200)]}

    def post_add(self, item):
        invalidate_calendar()

    post_update = post_delete = post_add


class SlaSettingView(ModelView):
    datamodel = SQLAInterface(SlaSetting)
    list_title = _l("Tenggat Layanan per Jenis Laporan")
    show_title = _l("Rincian Tenggat Layanan")
    add_title = _l("Tambah Tenggat Layanan")
    edit_title = _l("Ubah Tenggat Layanan")
    list_columns = show_columns = ["kind", "verify_days", "first_response_days", "resolution_days", "inspection_resolution_days", "auto_close_days"]
    add_columns = list_columns
    edit_columns = ["verify_days", "first_response_days", "resolution_days", "inspection_resolution_days", "auto_close_days"]
    label_columns = {
        "kind": _l("Jenis laporan"),
        "verify_days": _l("Verifikasi dan disposisi (hari kerja)"),
        "first_response_days": _l("Tanggapan pertama OPD (hari kerja)"),
        "resolution_days": _l("Penyelesaian (hari kerja)"),
        "inspection_resolution_days": _l("Penyelesaian dengan pemeriksaan lapangan (hari kerja)"),
        "auto_close_days": _l("Tutup otomatis tanpa tanggapan pelapor (hari kerja)"),
    }
    formatters_columns = {"kind": lambda v: label(KIND_LABELS, v)}
    add_form_extra_fields = {"kind": SelectField(_l("Jenis laporan"), choices=choices(KIND_LABELS), widget=Select2Widget())}
    validators_columns = dict.fromkeys(
        edit_columns, [DataRequired(), NumberRange(min=1, max=365, message=_l("Isi antara 1 dan 365 hari kerja."))]
    )
