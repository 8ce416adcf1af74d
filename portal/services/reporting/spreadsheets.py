"""Reports as Excel workbooks (openpyxl): numbers as numbers, headers frozen, filters on."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

BOLD = Font(bold=True)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A member's words can start with '=' (OWASP: formula injection). In XLSX a cell's type is
# explicit, so such text is stored as a text cell, unchanged; CSV has no types, so there it
# gets a leading apostrophe (which the import takes off again).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _text_cell(sheet, value):
    """A value as the sheet should hold it: text that starts with '=' stays text; a time
    reads as the office writes it."""
    if isinstance(value, datetime):
        cell = Cell(sheet, row=1, column=1, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, str) and value.startswith("="):
        cell = Cell(sheet, row=1, column=1, value=value)
        cell.data_type = "s"  # text, never a formula
        return cell
    return value


def _append(sheet, values) -> None:
    # Built cell by cell as the row is added: asking the sheet for its last row afterwards
    # scans every cell, which made a 2,400-row sheet take 18 s.
    sheet.append([_text_cell(sheet, v) for v in values])


def csv_cell(value):
    """One value as a CSV cell: a time as 2026-08-03 11:12:00, formula-like text quoted."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return csv_safe(value)


def export_csv(columns: list[str], rows: Iterable[Iterable]) -> bytes:
    """Rows as CSV: times as 2026-08-03 11:12:00, text that could run as a formula quoted."""
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue().encode("utf-8")


def _bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def quarterly(report: dict) -> bytes:
    """One sheet: the figures of the quarter and the previous one, and the change. Layout:
    row 1 title; row 3 headers; rows 4-6 count, member months, rate; then one block per
    breakdown (type, level, adult/child), each headed by its name."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Quarterly report"
    sheet["A1"] = f"{report['program_name']}: quarterly grievance report, {report['quarter']}"
    sheet["A1"].font = BOLD
    header = ["", report["quarter"], report["previous_quarter"], "Change", "Change %"]
    sheet.append([])
    sheet.append(header)
    for cell in sheet[3]:
        cell.font = BOLD
    current, previous, change = report["current"], report["previous"], report["change"]
    for key, label in (
        ("grievances", "Grievances"),
        ("member_months", "Member months"),
        ("rate_per_1000_member_months", "Rate per 1,000 member months"),
    ):
        sheet.append(
            [label, current[key], previous[key], change[key]["difference"], change[key]["percent"]]
        )
    for key, label in (
        ("by_type", "By type"),
        ("by_level", "By level"),
        ("by_age_group", "Adult or child"),
    ):
        sheet.append([])
        sheet.append([label])
        sheet.cell(sheet.max_row, 1).font = BOLD
        for name, moved in change[key].items():
            _append(
                sheet,
                [
                    name,
                    current[key].get(name, 0),
                    previous[key].get(name, 0),
                    moved["difference"],
                    moved["percent"],
                ],
            )
    written = report.get("commentary") or {}
    if written.get("text"):
        sheet.append([])
        sheet.append(["Commentary"])
        sheet.cell(sheet.max_row, 1).font = BOLD
        _append(sheet, [written["text"]])
        _append(sheet, [f"Written by {written['written_by'] or ''}, {written['written_at']}"])
    sheet.column_dimensions["A"].width = 34
    sheet.freeze_panes = "B4"
    return _bytes(book)


def workbook(sheets: Iterable[tuple[str, list[str], Iterable[Iterable], str | None]]) -> bytes:
    """Sheets of rows under a frozen, filtered header; a sheet with a chart title gets a bar
    chart of its second column by its first. Written as the rows come (openpyxl's write-only
    mode): a quarter's record universe no longer sits in memory as cells."""
    book = Workbook(write_only=True)
    for title, columns, rows, chart in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.freeze_panes = "A2"
        header = []
        for column in columns:
            cell = Cell(sheet, row=1, column=1, value=column)
            cell.font = BOLD
            header.append(cell)
        sheet.append(header)
        count = 0
        for row in rows:
            _append(sheet, row)
            count += 1
        sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(columns), 1))}{count + 1}"
        if chart and count:
            bars = BarChart()
            bars.title = chart
            data = Reference(sheet, min_col=2, min_row=1, max_row=count + 1)
            bars.add_data(data, titles_from_data=True)
            bars.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=count + 1))
            sheet.add_chart(bars, "E2")
    return _bytes(book)


def trend(report: dict) -> bytes:
    current = report["current"]
    types = report["types"]
    names = list(dict.fromkeys([*types["current"], *types["previous"]]))
    written = report.get("written") or {}
    return workbook(
        [
            (
                "Types",
                ["Type", report["quarter"], report["previous_quarter"]],
                [[n, types["current"].get(n, 0), types["previous"].get(n, 0)] for n in names],
                "Types, quarter over quarter",
            ),
            ("Providers", ["Provider", "Records"], current["by_provider"].items(), "By provider"),
            ("Hour of day", ["Hour", "Records"], current["by_hour"].items(), "By hour of day"),
            ("Weekday", ["Weekday", "Records"], current["by_weekday"].items(), "By weekday"),
            ("Location", ["Location", "Records"], current["by_location"].items(), None),
            ("Individuals", ["Individual", "Records"], current["by_individual"].items(), None),
            ("Staff", ["Staff complained about", "Records"], current["by_staff"].items(), None),
            (
                "Rose and fell",
                [
                    "Compared",
                    "Rose or fell",
                    "Name",
                    report["previous_quarter"],
                    report["quarter"],
                    "Change",
                ],
                [
                    [label, way, m["name"], m["previous"], m["current"], m["change"]]
                    for key, label in (
                        ("by_provider", "Contractor"),
                        ("by_individual", "Individual"),
                        ("by_staff", "Staff complained about"),
                    )
                    for way in ("rose", "fell")
                    for m in report["compared"][key][way]
                ],
                None,
            ),
            (
                "Written parts",
                ["Part", "Text"],
                [
                    ["Reasons for the change", written.get("reasons") or ""],
                    ["Preventive measures", written.get("preventive_measures") or ""],
                    ["Plan of action", written.get("plan_of_action") or ""],
                    ["Whether the last plan worked", written.get("last_plan_worked") or ""],
                    ["Written by", written.get("written_by") or ""],
                    ["Delivered", written.get("delivered_at") or "not yet"],
                ],
                None,
            ),
        ]
    )


def timeliness(report: dict) -> bytes:
    columns = [
        "clock",
        "total",
        "met_on_time",
        "met_late",
        "open",
        "overdue",
        "median_hours_to_meet",
        "p90_hours_to_meet",
    ]
    rows = [[row[c] for c in columns] for row in report["clocks"]]
    return workbook([("Timeliness", columns, rows, None)])
