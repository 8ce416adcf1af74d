"""Issue 19: a person names the list they are looking at and opens it again; their own."""

from portal.models import SavedView
from tests.helpers import csrf_token


def _save(client, query: str, name: str):
    page = client.get(f"/admin/grievance/?{query}")
    return client.post(
        "/admin/grievance/views/",
        data={"name": name, "query": query, "csrf_token": csrf_token(page.text)},
        follow_redirects=True,
    )


def test_a_named_view_opens_the_same_list_and_is_its_owners(sign_in, programs, staff):
    manager = sign_in("manager")
    query = "flt0_level_equals=I&flt1_open_equals=1&search=lund&sort=1&evil=%24where"
    saved = _save(manager, query, "  Level I,  open ")
    assert "Saved as Level I, open." in saved.text
    view = SavedView.objects.get(user=staff["manager"])
    # Only the list's own parameters are kept.
    assert view.query == "flt0_level_equals=I&flt1_open_equals=1&search=lund&sort=1"
    page = manager.get("/admin/grievance/").text
    assert f'href="/admin/grievance/?{view.query.replace("&", "&amp;")}">Level I, open</a>' in page
    opened = manager.get(f"/admin/grievance/?{view.query}")
    assert opened.status_code == 200 and 'value="lund"' in opened.text
    # The same name again replaces it; no name is refused with a message.
    _save(manager, "flt0_overdue_equals=1", "Level I, open")
    assert SavedView.objects(user=staff["manager"]).count() == 1
    assert "Give the view a name" in _save(manager, "flt0_overdue_equals=1", "   ").text
    # Someone else sees none of it and cannot delete it.
    csr = sign_in("csr")
    assert "Level I, open" not in csr.get("/admin/grievance/").text
    token = csrf_token(csr.get("/admin/grievance/").text)
    csr.post("/admin/grievance/views/delete", data={"id": str(view.pk), "csrf_token": token})
    assert SavedView.objects.count() == 1
    token = csrf_token(manager.get("/admin/grievance/").text)
    deleted = manager.post(
        "/admin/grievance/views/delete",
        data={"id": str(view.pk), "csrf_token": token},
        follow_redirects=True,
    )
    assert "View deleted." in deleted.text and SavedView.objects.count() == 0
