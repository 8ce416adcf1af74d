"""Report pages: thin views over services.reporting.reports; every download is audited."""

from __future__ import annotations

from datetime import date, datetime, time

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from portal.access import can
from portal.admin.base import SecureView, audited, forbidden, program_served, programs_served
from portal.clock import utcnow
from portal.domain.reports import Quarter, ReportError
from portal.models import Program
from portal.services.reporting import daily, records, reports, spreadsheets

WRITTEN = ("reasons", "preventive_measures", "plan_of_action", "last_plan_worked")


def _download(payload: bytes, filename: str, what: str) -> Response:
    audited("report exported", what, {"file": filename})
    return Response(
        payload,
        mimetype=spreadsheets.XLSX,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _chart(chart_id: str, label: str, counts: dict, other: dict | None = None, names=None):
    names = list(names or counts)
    series = [{"label": label, "data": [counts.get(n, 0) for n in names]}]
    if other is not None:
        series.append({"label": other["label"], "data": [other["counts"].get(n, 0) for n in names]})
    return {"id": chart_id, "label": label, "labels": names, "series": series}


def _xlsx_if_asked(report: dict, writer, filename: str, what: str) -> Response | None:
    """The report as an Excel download when the link asked for one (?format=xlsx)."""
    if request.args.get("format") != "xlsx":
        return None
    return _download(writer(report), filename, what)


def _may_write() -> None:
    if not can(current_user, "report.write"):
        forbidden()


class ReportsView(SecureView):
    permission = "report.view"

    def _choice(self) -> tuple[Program, Quarter]:
        """The program and quarter asked for (query string); a bad one is a 400 that says
        what is wrong."""
        first = programs_served(active=True).order_by("slug").scalar("slug").first()
        slug = str(request.values.get("program") or first or "")
        default = Quarter.of(utcnow().date()).previous
        try:
            program = program_served(slug)
            quarter = Quarter.parse(str(request.values.get("quarter") or default))
        except ReportError as exc:
            abort(400, description=str(exc))
        return program, quarter

    def _page(self, template: str, **context):
        programs = list(programs_served(active=True).order_by("slug").only("slug", "name"))
        return self.render(
            template,
            programs=programs,
            can_universe=can(current_user, "report.universe"),
            **context,
        )

    @expose("/")
    def index(self):
        return self._page("admin/reports/index.html", quarter=Quarter.of(utcnow().date()).previous)

    @expose("/quarterly", methods=["GET", "POST"])
    def quarterly(self):
        program, quarter = self._choice()
        if request.method == "POST":
            _may_write()
            if "commentary" in request.form:
                reports.write_commentary(
                    program,
                    quarter,
                    request.form["commentary"],
                    current_user._get_current_object(),
                    utcnow(),
                )
                audited("quarterly commentary written", f"{program.slug} {quarter}")
                flash(f"Commentary on {quarter} saved.", "success")
                return redirect(url_for(".quarterly", program=program.slug, quarter=str(quarter)))
            try:
                value = int(str(request.form.get("member_months", "")).replace(",", ""))
                reports.set_member_months(
                    program, quarter, value, current_user._get_current_object(), utcnow()
                )
            except (ValueError, ReportError):
                flash("Member months: a whole number above 0, e.g. 125000.", "error")
            else:
                audited("member months set", f"{program.slug} {quarter}", {"value": value})
                flash(f"Member months for {quarter} saved.", "success")
            return redirect(url_for(".quarterly", program=program.slug, quarter=str(quarter)))
        report = reports.quarterly(program, quarter)
        name = f"quarterly-{program.slug}-{quarter}.xlsx"
        if download := _xlsx_if_asked(report, spreadsheets.quarterly, name, "quarterly"):
            return download
        charts = [
            _chart(
                "types-chart",
                str(quarter),
                report["current"]["by_type"],
                {"label": str(quarter.previous), "counts": report["previous"]["by_type"]},
                report["change"]["by_type"],
            )
        ]
        return self._page(
            "admin/reports/quarterly.html",
            report=report,
            charts=charts,
            program=program,
            quarter=quarter,
            may_write=can(current_user, "report.write"),
        )

    @expose("/trend", methods=["GET", "POST"])
    def trend(self):
        program, quarter = self._choice()
        if request.method == "POST":
            _may_write()
            now, me = utcnow(), current_user._get_current_object()
            if request.form.get("deliver"):
                reports.deliver_trend_analysis(program, quarter, me, now)
                flash(f"Trend analysis {quarter} marked delivered.", "success")
                action = "trend analysis delivered"
            else:
                written = {k: request.form.get(k, "") for k in WRITTEN}
                reports.write_trend_analysis(program, quarter, written, me, now)
                flash("Saved.", "success")
                action = "trend analysis written"
            audited(action, f"{program.slug} {quarter}")
            return redirect(url_for(".trend", program=program.slug, quarter=str(quarter)))
        report = reports.trend_analysis(program, quarter)
        name = f"trend-{program.slug}-{quarter}.xlsx"
        if download := _xlsx_if_asked(report, spreadsheets.trend, name, "trend"):
            return download
        current = report["current"]
        types = report["types"]
        charts = [
            _chart(
                "trend-types",
                str(quarter),
                types["current"],
                {"label": str(quarter.previous), "counts": types["previous"]},
                list(dict.fromkeys([*types["current"], *types["previous"]])),
            ),
            _chart("trend-hours", "Records by hour of day", current["by_hour"]),
            _chart("trend-weekdays", "Records by weekday", current["by_weekday"]),
        ]
        return self._page(
            "admin/reports/trend.html",
            report=report,
            charts=charts,
            program=program,
            quarter=quarter,
            may_write=can(current_user, "report.write"),
        )

    @expose("/timeliness")
    def timeliness(self):
        program, quarter = self._choice()
        zone = program.calendar().zone
        try:
            start = date.fromisoformat(str(request.args.get("from") or quarter.first_day))
            end = date.fromisoformat(str(request.args.get("to") or quarter.next.first_day))
        except ValueError:
            abort(400, description="from and to are dates, e.g. 2026-07-01")
        report = reports.timeliness(
            program,
            datetime.combine(start, time(0), tzinfo=zone),
            datetime.combine(end, time(0), tzinfo=zone),
            utcnow(),
        )
        name = f"timeliness-{program.slug}.xlsx"
        if download := _xlsx_if_asked(report, spreadsheets.timeliness, name, "timeliness"):
            return download
        return self._page(
            "admin/reports/timeliness.html", report=report, program=program, quarter=quarter
        )

    @expose("/daily")
    def daily(self):
        program, quarter = self._choice()
        today = utcnow().astimezone(program.calendar().zone).date()
        figures = daily.counts(program, today)
        return self._page(
            "admin/reports/daily.html", figures=figures, program=program, day=today, quarter=quarter
        )

    @expose("/universe.xlsx")
    def universe(self):
        if not can(current_user, "report.universe"):
            forbidden()
        program, quarter = self._choice()
        start, end = quarter.bounds(program.timezone)
        columns, rows = records.universe(program, start, end)
        name = f"record-universe-{program.slug}-{quarter}.xlsx"
        return _download(
            spreadsheets.workbook([("Records", columns, rows, None)]), name, "universe"
        )

    @expose("/iowa-log.xlsx")
    def iowa_log(self):
        # Member names, phones and complaint text: the record universe's permission.
        if not can(current_user, "report.universe"):
            forbidden("the inquiry log holds member details: managers, directors and auditors")
        program, quarter = self._choice()
        start, end = quarter.bounds(program.timezone)
        columns, rows = records.inquiry_log(program, start, end)
        name = f"inquiry-log-{program.slug}-{quarter}.xlsx"
        return _download(spreadsheets.workbook([("Inquiry log", columns, rows, None)]), name, "log")
