"""The monthly transparency report as a printable PDF (fpdf2), in the installation's language.

Everything the PDF lists comes from the same label lists as the CSV and XLSX
(``reports.SUMMARY_LABELS``, ``BREAKDOWN_LABELS``, ``RANKING_COLUMNS``, ``STATUS_LABELS``, passed in):
a new measure added there appears here without an edit. Called by
``app.reports.build`` inside the report's locale.
"""
import os

from flask_babel import format_decimal, gettext as _

from app.labels import KIND_LABELS, STATUS_LABELS
from app.workflow import periods

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts")
BLUE = (11, 83, 148)
GREY = (90, 90, 90)
BAR = (30, 110, 170)


def _font_files():
    for folder in FONT_DIRS:
        regular, bold = os.path.join(folder, "DejaVuSans.ttf"), os.path.join(folder, "DejaVuSans-Bold.ttf")
        if os.path.exists(regular) and os.path.exists(bold):
            return regular, bold
    return None


def _value(value, key=""):
    if value is None:
        return _("no data yet")
    if isinstance(value, float):
        text = format_decimal(value, "#,##0.##")
    elif isinstance(value, int):
        text = format_decimal(value, "#,##0")
    else:
        text = str(value)
    return text + (" %" if key.startswith("pct_") or key.endswith("_pct") else "")


def _make_pdf(installation, app_name, period_label):
    from fpdf import FPDF

    fonts = _font_files()

    class ReportPDF(FPDF):
        def header(self):
            if self.page_no() == 1:
                return
            self.set_font(self.family_name, "", 8)
            self.set_text_color(*GREY)
            self.cell(0, 6, self.clean(f"{installation} · {_('Transparency report')} · {period_label}"),
                      new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(0, 0, 0)
            self.ln(2)

        def footer(self):
            self.set_y(-14)
            self.set_font(self.family_name, "", 8)
            self.set_text_color(*GREY)
            self.cell(0, 8, self.clean(_("Page %(page)s of %(pages)s", page=self.page_no(), pages="{nb}")),
                      align="C")
            self.set_text_color(0, 0, 0)

        def clean(self, text):
            text = str(text)
            if fonts:
                return text
            # core fonts know Latin-1 only
            return text.replace("·", "-").replace("–", "-").replace("—", "-").encode(
                "latin-1", "replace").decode("latin-1")

    pdf = ReportPDF(format="A4")
    if fonts:
        pdf.add_font("DejaVu", "", fonts[0])
        pdf.add_font("DejaVu", "B", fonts[1])
        pdf.family_name = "DejaVu"
    else:
        pdf.family_name = "Helvetica"
    pdf.set_title(f"{_('Transparency report')} {period_label}")
    pdf.set_author(installation)
    pdf.set_creator(app_name)
    pdf.set_lang("id")
    pdf.alias_nb_pages()
    pdf.set_auto_page_break(True, margin=18)
    return pdf


def render(data, installation, app_name, summary_labels, definitions, breakdown_labels, ranking_columns):
    """``data``: the report snapshot; the label lists are the ones the CSV/XLSX iterate."""
    period_label = periods.label_of(data["period"])
    pdf = _make_pdf(installation, app_name, period_label)
    family = pdf.family_name
    clean = pdf.clean

    def heading(text, size=14):
        pdf.set_font(family, "B", size)
        pdf.set_text_color(*BLUE)
        pdf.multi_cell(0, size * 0.55, clean(text), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.ln(2)

    # --- title page ------------------------------------------------------------
    pdf.add_page()
    pdf.ln(50)
    pdf.set_font(family, "B", 24)
    pdf.set_text_color(*BLUE)
    pdf.multi_cell(0, 12, clean(_("Transparency report")), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 16)
    pdf.set_text_color(0, 0, 0)
    pdf.multi_cell(0, 9, clean(_("Public complaint handling")), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font(family, "B", 18)
    pdf.multi_cell(0, 10, clean(installation), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 14)
    pdf.multi_cell(0, 9, clean(_("Period: %(period)s", period=period_label)), align="C",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(30)
    pdf.set_font(family, "", 10)
    pdf.set_text_color(*GREY)
    generated = data.get("generated_at", "")[:16].replace("T", " ")
    pdf.multi_cell(0, 6, clean(_("Generated at %(when)s UTC by %(app)s.", when=generated, app=app_name)),
                   align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, clean(_("Figures are counts and rates only: no report content and no reporter identity.")),
                   align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)

    # --- KPI table with definitions --------------------------------------------------
    pdf.add_page()
    heading(_("Summary"))
    if not data["summary"].get("received"):
        pdf.set_font(family, "B", 11)
        pdf.multi_cell(0, 7, clean(_("No reports yet in this period.")), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    pdf.set_font(family, "", 9)
    with pdf.table(col_widths=(58, 26, 96), text_align=("LEFT", "RIGHT", "LEFT"), line_height=5,
                   first_row_as_headings=True) as table:
        row = table.row()
        for text in (_("Measure"), _("Value"), _("How it is computed")):
            row.cell(clean(text))
        for key, label in summary_labels:
            row = table.row()
            row.cell(clean(label))
            row.cell(clean(_value(data["summary"].get(key), key)))
            row.cell(clean(definitions.get(key, "")))

    # --- charts ------------------------------------------------------------------------
    pdf.add_page()
    heading(_("Charts"))
    statuses = [(str(text), data["by_status"].get(code, 0)) for code, text in STATUS_LABELS.items()]
    _bar_chart(pdf, clean, _("By status"), statuses)
    for key, label in breakdown_labels:
        items = [(str(KIND_LABELS.get(name, name)) if key == "kind" else (name or "-"), count)
                 for name, count in data["breakdowns"].get(key, [])]
        _bar_chart(pdf, clean, str(label), items[:12], more=len(items) - 12)

    # --- ranking -------------------------------------------------------------------------
    pdf.add_page()
    heading(_("Agency ranking"))
    pdf.set_font(family, "", 9)
    ranking = data.get("ranking") or []
    if not ranking:
        pdf.multi_cell(0, 6, clean(_("No agency had enough cases in this period to be ranked.")),
                       new_x="LMARGIN", new_y="NEXT")
    else:
        widths = [12, 70, 18, 40, 40][:len(ranking_columns)] + [30] * max(0, len(ranking_columns) - 5)
        with pdf.table(col_widths=tuple(widths), line_height=5, first_row_as_headings=True) as table:
            row = table.row()
            for _key, label in ranking_columns:
                row.cell(clean(label))
            for item in ranking:
                row = table.row()
                for key, _label in ranking_columns:
                    value = item.get(key)
                    row.cell(clean(value if key == "agency" else _value(value, key)))
    return bytes(pdf.output())


def _bar_chart(pdf, clean, title, items, more=0):
    """A horizontal bar chart drawn with rectangles: label, bar, value."""
    family = pdf.family_name
    needed = 10 + 6 * max(1, len(items))
    if pdf.get_y() + needed > pdf.h - 20:
        pdf.add_page()
    pdf.set_font(family, "B", 11)
    pdf.cell(0, 7, clean(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 8)
    if not items or not any(count for _name, count in items):
        pdf.cell(0, 6, clean(_("No reports yet in this period.")), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        return
    top = max(count for _name, count in items) or 1
    left, label_w, bar_w = pdf.l_margin, 60, 100
    for name, count in items:
        y = pdf.get_y()
        pdf.set_xy(left, y)
        pdf.cell(label_w, 5, clean(str(name))[:40])
        width = bar_w * count / top
        if width > 0:
            pdf.set_fill_color(*BAR)
            pdf.rect(left + label_w, y + 0.8, width, 3.6, style="F")
        pdf.set_xy(left + label_w + width + 2, y)
        pdf.cell(20, 5, clean(_value(count)))
        pdf.set_xy(left, y + 6)
    if more > 0:
        pdf.set_text_color(*GREY)
        pdf.cell(0, 5, clean(_("and %(count)s more", count=more)), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    pdf.ln(4)
