"""Where a staff screen goes after saving: its own list, not Flask-AppBuilder's shared page history."""
from flask import redirect, session, url_for


def back_to_the_list(endpoint):
    """A redirect to the list of the screen ``endpoint``, as it was last seen (filters, page) when
    the page history still has it."""
    from urllib.parse import urlsplit

    list_path = url_for(f"{endpoint}.list")
    for url in reversed(session.get("page_history") or []):
        parts = urlsplit(str(url))
        if parts.path == list_path:
            return redirect(list_path + (f"?{parts.query}" if parts.query else ""))
    return redirect(list_path)


class BackToTheList:
    """Saving an add or edit form (or a delete) on a screen (reference data, users, roles, groups,
    cases) returns to that screen's list.

    FAB's default (``get_redirect``) pops a page history (``update_redirect``) that the session keeps for
    every tab and every FAB page at once, five pages deep: a form opened from a bookmark or a link went to
    "/", and a page opened in another tab meanwhile took the list's place (the save landed on that page,
    or on the form again). The list comes back as it was last seen (filters, page) when the history still
    has it."""

    def _back_to_the_list(self):
        return back_to_the_list(self.endpoint)

    def post_add_redirect(self):
        return self._back_to_the_list()

    def post_edit_redirect(self):
        return self._back_to_the_list()

    def post_delete_redirect(self):
        return self._back_to_the_list()
